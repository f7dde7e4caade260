package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// monitors holds monitor reports not yet added to the store's shared
// counters. Reporting is an atomic add; a background loop (and Flush)
// moves the counts to the store and trips flags whose threshold is crossed.
type monitors struct {
	errs    []atomic.Int64
	slow    []atomic.Int64
	flushMu sync.Mutex
}

func (m *monitors) init(n int) {
	m.errs = make([]atomic.Int64, n)
	m.slow = make([]atomic.Int64, n)
}

func (m *monitors) drain(i int) {
	m.errs[i].Store(0)
	m.slow[i].Store(0)
}

// index returns h's flag index when h belongs to c's spec.
func (c *Client) index(h Handle) (int, bool) {
	if h == nil || h.handleSpec() != c.spec {
		return 0, false
	}
	return h.Index(), true
}

// ReportError records one error of the flag's feature. When the shared
// count of errors exceeds the flag's error_threshold, the flag is switched
// off for every instance ("tripped", with the reason in the audit trail)
// until an operator Reset. Reporting never blocks evaluation: it is an
// atomic add, flushed to the store in the background.
func (c *Client) ReportError(h Handle) {
	if i, ok := c.index(h); ok {
		c.mon.errs[i].Add(1)
	}
}

// ReportPerformance records one execution of the flag's feature that took
// d. Executions slower than performance_baseline are counted; when that
// shared count exceeds performance_threshold the flag is tripped as for
// ReportError.
func (c *Client) ReportPerformance(h Handle, d time.Duration) {
	i, ok := c.index(h)
	if !ok {
		return
	}
	if d.Seconds() > c.snap.Load().flags[i].baseline {
		c.mon.slow[i].Add(1)
	}
}

// Monitor runs fn, the flag's feature, reporting its duration, its error
// and its panic (which it re-panics). It returns fn's error.
func (c *Client) Monitor(h Handle, fn func() error) (err error) {
	start := time.Now()
	defer func() {
		c.ReportPerformance(h, time.Since(start))
		if r := recover(); r != nil {
			c.ReportError(h)
			panic(r)
		}
	}()
	if err = fn(); err != nil {
		c.ReportError(h)
	}
	return err
}

func (c *Client) flushLoop() {
	defer c.wg.Done()
	t := time.NewTicker(c.opts.flush)
	defer t.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-t.C:
			if err := c.Flush(c.ctx); err != nil && c.ctx.Err() == nil {
				c.log.Warn("flaggen: flushing monitor counts", "err", err)
			}
		}
	}
}

// Flush adds pending monitor reports to the store's shared counters now
// and trips every flag whose threshold the shared totals exceed.
func (c *Client) Flush(ctx context.Context) error {
	c.mon.flushMu.Lock()
	defer c.mon.flushMu.Unlock()
	var deltas []CounterDelta
	var idx []int
	for i := range c.mon.errs {
		name := c.spec.m.Flags[i].Name
		if n := c.mon.errs[i].Swap(0); n != 0 {
			deltas = append(deltas, CounterDelta{Flag: name, Name: CounterErrors, Delta: n})
			idx = append(idx, i)
		}
		if n := c.mon.slow[i].Swap(0); n != 0 {
			deltas = append(deltas, CounterDelta{Flag: name, Name: CounterSlow, Delta: n})
			idx = append(idx, i)
		}
	}
	if len(deltas) == 0 {
		return nil
	}
	totals, err := c.opts.store.AddCounters(ctx, deltas)
	if err != nil {
		for k, d := range deltas { // keep them for the next flush
			if d.Name == CounterErrors {
				c.mon.errs[idx[k]].Add(d.Delta)
			} else {
				c.mon.slow[idx[k]].Add(d.Delta)
			}
		}
		return fmt.Errorf("adding monitor counts: %w", err)
	}
	var errs []error
	s := c.snap.Load()
	for k, d := range deltas {
		f := s.live.Flags[idx[k]]
		if s.flags[idx[k]].tripped != "" {
			continue
		}
		var reason string
		switch {
		case d.Name == CounterErrors && f.ErrorThreshold != nil && totals[k] > *f.ErrorThreshold:
			reason = fmt.Sprintf("error_threshold %d exceeded: %d errors reported", *f.ErrorThreshold, totals[k])
		case d.Name == CounterSlow && f.PerformanceThreshold != nil && totals[k] > *f.PerformanceThreshold:
			reason = fmt.Sprintf("performance_threshold %d exceeded: %d executions slower than performance_baseline %ss",
				*f.PerformanceThreshold, totals[k], strconv.FormatFloat(*f.PerformanceBaseline, 'g', -1, 64))
		default:
			continue
		}
		if err := c.trip(ctx, f.Name, "monitor", reason); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// trip switches a flag off through live state, with the reason.
func (c *Client) trip(ctx context.Context, flag, actor, reason string) error {
	patch, _ := json.Marshal(map[string]string{"tripped": reason})
	if err := c.Set(ctx, flag, patch, actor, reason); err != nil {
		return fmt.Errorf("tripping %q (%s): %w", flag, reason, err)
	}
	c.log.Warn("flaggen: flag switched off by a monitor", "flag", flag, "reason", reason)
	return nil
}

// TrafficMonitor switches a flag off when traffic drops too far while it
// is on (the seed's traffic_monitor.py), through live state with the
// reason recorded.
type TrafficMonitor struct {
	// Client is the client whose flags are watched.
	Client *Client
	// DropThreshold is the traffic drop, in percent, above which the flag
	// is switched off. Zero means the seed's default, 30.
	DropThreshold float64
}

// Observe reports a traffic drop (percent) for the flag. When the flag is
// on for the empty context and drop exceeds the threshold, it trips the
// flag and returns true.
func (m *TrafficMonitor) Observe(ctx context.Context, h Handle, drop float64) (bool, error) {
	c := m.Client
	i, ok := c.index(h)
	if !ok {
		return false, fmt.Errorf("traffic monitor: flag handle %v does not belong to this client's spec", h)
	}
	threshold := m.DropThreshold
	if threshold == 0 {
		threshold = 30
	}
	s := c.snap.Load()
	empty := make([]Value, len(c.spec.m.Context))
	v := s.decide(i, empty)
	if !v.on || s.flags[i].pin != nil || drop <= threshold {
		return false, nil
	}
	reason := fmt.Sprintf("traffic drop %s%% > %s%%", strconv.FormatFloat(drop, 'g', -1, 64), strconv.FormatFloat(threshold, 'g', -1, 64))
	return true, c.trip(ctx, h.Name(), "traffic-monitor", reason)
}

// FeedbackCollector records user feedback about flags in the store (the
// seed's feedback_collector.py), shared by every instance.
type FeedbackCollector struct {
	c *Client
}

// NewFeedbackCollector returns a collector writing to c's store.
func NewFeedbackCollector(c *Client) *FeedbackCollector { return &FeedbackCollector{c: c} }

// Collect appends one piece of feedback about the flag.
func (f *FeedbackCollector) Collect(ctx context.Context, h Handle, user, text string) error {
	if _, ok := f.c.index(h); !ok {
		return fmt.Errorf("feedback: flag handle %v does not belong to this client's spec", h)
	}
	return f.c.opts.store.AppendFeedback(ctx, h.Name(), Feedback{Time: time.Now().UTC(), User: user, Text: text})
}

// Get returns the flag's feedback, oldest first.
func (f *FeedbackCollector) Get(ctx context.Context, h Handle) ([]Feedback, error) {
	return f.c.opts.store.Feedback(ctx, h.Name())
}
