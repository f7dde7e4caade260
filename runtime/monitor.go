package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flaggen/flaggen/internal/engine"
	"github.com/flaggen/flaggen/internal/spec"
	"github.com/flaggen/flaggen/runtime/store"
)

// monitors holds monitor reports not yet added to the store's shared
// counters. Reporting is an atomic add; a background loop (and Flush)
// moves the counts to the store and trips flags whose threshold is crossed.
type monitors struct {
	errs    []atomic.Int64
	slow    []atomic.Int64
	flushMu sync.Mutex

	mu sync.Mutex // guards shared and recheck; never held while taking Client.mu
	// shared holds the last shared totals seen (AddCounters replies,
	// Counters reads) of flags with counts, checked against the live
	// thresholds at every flush: a trip that failed is retried, and a
	// threshold lowered below the count trips.
	shared map[int]*sharedTotals
	// recheck lists flags whose thresholds live state changed: the next
	// flush reads their shared counters.
	recheck map[int]bool
}

type sharedTotals struct{ errs, slow int64 }

func (m *monitors) init(n int) {
	m.errs = make([]atomic.Int64, n)
	m.slow = make([]atomic.Int64, n)
	m.shared = map[int]*sharedTotals{}
	m.recheck = map[int]bool{}
}

// drain drops flag i's pending reports and the shared totals seen (an
// operator reset zeroes the shared counters).
func (m *monitors) drain(i int) {
	m.errs[i].Store(0)
	m.slow[i].Store(0)
	m.forget(i)
}

func (m *monitors) forget(i int) {
	m.mu.Lock()
	delete(m.shared, i)
	delete(m.recheck, i)
	m.mu.Unlock()
}

// liveChanged notes what a new live state means for monitors: a flag no
// longer tripped was reset (its shared totals are stale), and a flag whose
// thresholds changed is checked against the shared counters at the next
// flush.
func (m *monitors) liveChanged(old, live *spec.Spec) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, f := range live.Flags {
		o := old.Flags[i]
		if o == f {
			continue
		}
		if o.Tripped != "" && f.Tripped == "" {
			delete(m.shared, i)
			delete(m.recheck, i)
			continue
		}
		if f.Tripped == "" && (f.ErrorThreshold != nil && !eqPtr(o.ErrorThreshold, f.ErrorThreshold) ||
			f.PerformanceThreshold != nil && !eqPtr(o.PerformanceThreshold, f.PerformanceThreshold)) {
			m.recheck[i] = true
		}
	}
}

func eqPtr[T comparable](a, b *T) bool { return a == b || a != nil && b != nil && *a == *b }

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
	if d.Seconds() > c.snap.Load().Baseline(i) {
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

// MonitorValue is Monitor for a feature that returns a result (the Python system's
// PerformanceMonitor.monitor returns the code block's value): it times fn,
// reports an error or a panic (re-raised) against the flag, and returns
// fn's results.
func MonitorValue[T any](c *Client, h Handle, fn func() (T, error)) (v T, err error) {
	err = c.Monitor(h, func() error {
		var ferr error
		v, ferr = fn()
		return ferr
	})
	return v, err
}

func (c *Client) flushLoop() {
	defer c.wg.Done()
	t := time.NewTicker(c.opts.flush)
	defer t.Stop()
	last := "" // the failure last logged: a run of the same one is logged once
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-t.C:
			err := c.Flush(c.ctx)
			switch {
			case c.ctx.Err() != nil:
			case err == nil:
				last = ""
			case err.Error() != last:
				last = err.Error()
				c.log.Warn("flaggen: flushing monitor and evaluation counts", "err", err)
			}
		}
	}
}

// addCounts adds deltas (of flags idx) to the store's shared counters and
// records the totals. When the store refuses the batch while it reports
// itself healthy (a counter that is not a number, say), each flag's deltas
// are added on their own, so that one flag's bad counter holds back no
// other flag's counts or trips. Deltas not added are kept for the next
// flush.
func (c *Client) addCounts(ctx context.Context, deltas []store.CounterDelta, idx []int) []error {
	totals, err := c.opts.store.AddCounters(ctx, deltas)
	if err == nil {
		c.recordTotals(deltas, idx, totals)
		return nil
	}
	h, ok := c.opts.store.(store.HealthReporter)
	if idx[0] == idx[len(idx)-1] || !ok || h.Health() != nil {
		c.keepCounts(deltas, idx)
		return []error{fmt.Errorf("adding monitor counts: %w", err)}
	}
	var errs []error
	for lo := 0; lo < len(deltas); {
		hi := lo + 1
		for hi < len(deltas) && idx[hi] == idx[lo] {
			hi++
		}
		if totals, err := c.opts.store.AddCounters(ctx, deltas[lo:hi]); err != nil {
			c.keepCounts(deltas[lo:hi], idx[lo:hi])
			errs = append(errs, fmt.Errorf("adding monitor counts of %q: %w", deltas[lo].Flag, err))
		} else {
			c.recordTotals(deltas[lo:hi], idx[lo:hi], totals)
		}
		lo = hi
	}
	return errs
}

// keepCounts puts deltas (of flags idx) back for the next flush.
func (c *Client) keepCounts(deltas []store.CounterDelta, idx []int) {
	for k, d := range deltas {
		if d.Name == store.CounterErrors {
			c.mon.errs[idx[k]].Add(d.Delta)
		} else {
			c.mon.slow[idx[k]].Add(d.Delta)
		}
	}
}

// recordTotals records the shared totals the store answered for deltas.
func (c *Client) recordTotals(deltas []store.CounterDelta, idx []int, totals []int64) {
	c.mon.mu.Lock()
	defer c.mon.mu.Unlock()
	for k, d := range deltas {
		t := c.mon.shared[idx[k]]
		if t == nil {
			t = &sharedTotals{}
			c.mon.shared[idx[k]] = t
		}
		if d.Name == store.CounterErrors {
			t.errs = totals[k]
		} else {
			t.slow = totals[k]
		}
	}
}

// Flush adds pending monitor reports to the store's shared counters now
// and trips every flag whose threshold the shared totals exceed: those
// just reported, those whose trip failed before, and those whose
// threshold live state lowered (their shared counters are read). With
// WithExposure it adds the evaluation counts too, in one batch.
func (c *Client) Flush(ctx context.Context) error {
	c.mon.flushMu.Lock()
	defer c.mon.flushMu.Unlock()
	var errs []error
	if c.exp != nil {
		// The store's clock: a reset's time is by it too.
		if err := c.exp.flush(ctx, c.opts.store, c.spec.m, c.opts.env, store.Now(c.opts.store)); err != nil {
			errs = append(errs, err)
		}
	}
	var deltas []store.CounterDelta
	var idx []int
	for i := range c.mon.errs {
		name := c.spec.m.Flags[i].Name
		if n := c.mon.errs[i].Swap(0); n != 0 {
			deltas = append(deltas, store.CounterDelta{Flag: name, Name: store.CounterErrors, Delta: n})
			idx = append(idx, i)
		}
		if n := c.mon.slow[i].Swap(0); n != 0 {
			deltas = append(deltas, store.CounterDelta{Flag: name, Name: store.CounterSlow, Delta: n})
			idx = append(idx, i)
		}
	}
	if len(deltas) > 0 {
		errs = append(errs, c.addCounts(ctx, deltas, idx)...)
	}
	// Thresholds changed by live state: read the shared counters.
	c.mon.mu.Lock()
	recheck := slices.Sorted(maps.Keys(c.mon.recheck))
	clear(c.mon.recheck)
	c.mon.mu.Unlock()
	for _, i := range recheck {
		n, err := c.opts.store.Counters(ctx, c.spec.m.Flags[i].Name)
		c.mon.mu.Lock()
		if err != nil {
			c.mon.recheck[i] = true
		} else {
			c.mon.shared[i] = &sharedTotals{errs: n[store.CounterErrors], slow: n[store.CounterSlow]}
		}
		c.mon.mu.Unlock()
		if err != nil {
			errs = append(errs, fmt.Errorf("reading monitor counts of %q: %w", c.spec.m.Flags[i].Name, err))
		}
	}
	type trip struct {
		flag, reason string
	}
	var trips []trip
	s := c.snap.Load()
	c.mon.mu.Lock()
	for _, i := range slices.Sorted(maps.Keys(c.mon.shared)) {
		t := c.mon.shared[i]
		f := s.Live().Flags[i]
		if s.Tripped(i) != "" || f.Tripped != "" {
			continue
		}
		switch {
		case f.ErrorThreshold != nil && t.errs > *f.ErrorThreshold:
			trips = append(trips, trip{f.Name, fmt.Sprintf("error_threshold %d exceeded: %d errors reported", *f.ErrorThreshold, t.errs)})
		case f.PerformanceThreshold != nil && t.slow > *f.PerformanceThreshold:
			baseline := 0.0
			if f.PerformanceBaseline != nil {
				baseline = *f.PerformanceBaseline
			}
			trips = append(trips, trip{f.Name, fmt.Sprintf("performance_threshold %d exceeded: %d executions slower than performance_baseline %ss",
				*f.PerformanceThreshold, t.slow, strconv.FormatFloat(baseline, 'g', -1, 64))})
		}
	}
	c.mon.mu.Unlock()
	for _, tr := range trips {
		// A failed trip is retried at the next flush: the totals stay.
		if err := c.trip(ctx, tr.flag, "monitor", tr.reason); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// trip switches a flag off through live state, with the reason. When the
// latest live state has the flag tripped already (another instance crossed
// the threshold too), it writes nothing: one trip, one audit entry.
func (c *Client) trip(ctx context.Context, flag, actor, reason string) error {
	patch, _ := json.Marshal(map[string]string{"tripped": reason})
	e := Edit{Actor: actor, Reason: reason, Flags: map[string]json.RawMessage{flag: patch}}
	wrote, err := c.change(ctx, e, func(st store.State) bool { return trippedIn(st.Flags[flag]) })
	if err != nil {
		return fmt.Errorf("tripping %q (%s): %w", flag, reason, err)
	}
	if wrote {
		c.log.Warn("flaggen: flag switched off by a monitor", "flag", flag, "reason", reason)
	}
	return nil
}

// trippedIn reports whether a live patch has a non-empty "tripped".
func trippedIn(patch json.RawMessage) bool {
	var p struct {
		Tripped string `json:"tripped"`
	}
	return json.Unmarshal(patch, &p) == nil && p.Tripped != ""
}

// TrafficMonitor switches a flag off when traffic drops too far while it
// is on (the Python system's traffic_monitor.py), through live state with the
// reason recorded.
type TrafficMonitor struct {
	// Client is the client whose flags are watched.
	Client *Client
	// DropThreshold is the traffic drop, in percent, above which the flag
	// is switched off. Zero means the Python system's default, 30.
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
	empty := make([]engine.Value, len(c.spec.m.Context))
	if !s.Bool(i, empty) || s.Pinned(i) || drop <= threshold {
		return false, nil
	}
	reason := fmt.Sprintf("traffic drop %s%% > %s%%", strconv.FormatFloat(drop, 'g', -1, 64), strconv.FormatFloat(threshold, 'g', -1, 64))
	return true, c.trip(ctx, h.Name(), "traffic-monitor", reason)
}
