package redisstore_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/flaggen/flaggen/internal/redistest"
	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/flagimpl"
	"github.com/flaggen/flaggen/runtime/redisstore"
	"github.com/flaggen/flaggen/runtime/store"
)

const thresholdSpec = `{"flags": {
	"checkout": {"active": true, "error_threshold": 5},
	"banner":   {"active": true}
}}`

// TestSharedThresholdTripsEveryInstance: two instances, each over its own
// store and connection, report errors that cross error_threshold only when
// summed cluster-wide. The flag goes off on both, the reason is in the audit
// trail, an operator reset brings it back and zeroes the shared count, and
// the traffic monitor's disable takes the same path.
func TestSharedThresholdTripsEveryInstance(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	spec := flagimpl.MustLoadSpec("flags.json", []byte(thresholdSpec))
	checkout := flagimpl.NewFlag[bool](spec, 1, "checkout")
	banner := flagimpl.NewFlag[bool](spec, 0, "banner")
	newInstance := func() (*runtime.Client, *redisstore.Store) {
		s := newStore(t, srv.Addr(), redisstore.WithCheckInterval(100*time.Millisecond))
		c, err := runtime.NewClient(spec, runtime.WithStore(s), runtime.WithLogger(discard))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c, s
	}
	c1, s1 := newInstance()
	c2, _ := newInstance()
	on := func(c *runtime.Client, name string) bool { return c.Evaluate(ctx, name, nil) == true }

	// 3 + 2 = 5 errors: not more than the threshold, still on.
	for range 3 {
		c1.ReportError(checkout)
	}
	for range 2 {
		c2.ReportError(checkout)
	}
	if err := c1.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c2.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if !on(c1, "checkout") || !on(c2, "checkout") {
		t.Fatal("checkout off at 5 errors; the seed switches off only above error_threshold")
	}
	// One more error on the second instance: the shared total is 6 > 5.
	c2.ReportError(checkout)
	if err := c2.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, time.Second, "checkout off on both instances", func() bool { return !on(c1, "checkout") && !on(c2, "checkout") })
	if !on(c1, "banner") {
		t.Fatal("tripping checkout touched banner")
	}
	ex := c1.ExplainName(ctx, "checkout", nil)
	if ex.Step != "tripped" || !strings.Contains(ex.Reason, "error_threshold 5 exceeded: 6 errors") {
		t.Fatalf("explain after the trip = %+v", ex)
	}
	audit, err := s1.Audit(ctx, "checkout", 1)
	if err != nil || len(audit) != 1 || !strings.Contains(audit[0].Reason, "error_threshold 5 exceeded") {
		t.Fatalf("audit after the trip = %+v, %v", audit, err)
	}

	// An operator reset: on again everywhere, the shared count back to 0.
	if err := c1.Reset(ctx, "checkout", "oncall", "fixed the payment bug"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, time.Second, "checkout on again on both instances", func() bool { return on(c1, "checkout") && on(c2, "checkout") })
	if n, err := s1.Counters(ctx, "checkout"); err != nil || n[store.CounterErrors] != 0 {
		t.Fatalf("counters after reset = %v, %v", n, err)
	}

	// The traffic monitor disables through the same shared, audited path.
	tm := &runtime.TrafficMonitor{Client: c2, DropThreshold: 30}
	if off, err := tm.Observe(ctx, banner, 25); err != nil || off {
		t.Fatalf("a 25%% drop switched banner off (%v, %v)", off, err)
	}
	if off, err := tm.Observe(ctx, banner, 42); err != nil || !off {
		t.Fatalf("a 42%% drop did not switch banner off (%v, %v)", off, err)
	}
	waitFor(t, time.Second, "banner off on the other instance", func() bool { return !on(c1, "banner") })
	audit, err = s1.Audit(ctx, "banner", 1)
	if err != nil || len(audit) != 1 || audit[0].Actor != "traffic-monitor" || !strings.Contains(audit[0].Reason, "traffic drop 42% > 30%") {
		t.Fatalf("audit after the traffic trip = %+v, %v", audit, err)
	}
}

// TestTripOnceAcrossInstances: four instances whose flushes cross
// error_threshold together trip the flag once: one "exceeded" audit entry.
func TestTripOnceAcrossInstances(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	spec := flagimpl.MustLoadSpec("flags.json", []byte(thresholdSpec))
	checkout := flagimpl.NewFlag[bool](spec, 1, "checkout")
	var clients []*runtime.Client
	for range 4 {
		c, err := runtime.NewClient(spec, runtime.WithStore(newStore(t, srv.Addr())), runtime.WithLogger(discard), runtime.WithFlushInterval(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		clients = append(clients, c)
	}
	for _, c := range clients {
		for range 3 { // 12 > 5 whatever the order of the flushes
			c.ReportError(checkout)
		}
	}
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.Flush(ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	audit, err := clients[0].Audit(ctx, "checkout", 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range audit {
		if strings.Contains(e.Reason, "exceeded") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d \"exceeded\" audit entries, want 1: %+v", n, audit)
	}
}

// TestMalformedCounterHoldsBackNoOtherFlag: a counter that is not a number
// (written by hand into one flag's hash) fails that flag's counts only:
// another flag's errors still add up and trip it, and Flush names the
// flag whose counter is bad, whose reports are kept for later.
func TestMalformedCounterHoldsBackNoOtherFlag(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	spec := flagimpl.MustLoadSpec("flags.json", []byte(`{"flags": {
		"banner":   {"active": true, "error_threshold": 5},
		"checkout": {"active": true, "error_threshold": 5}
	}}`))
	banner := flagimpl.NewFlag[bool](spec, 0, "banner")
	checkout := flagimpl.NewFlag[bool](spec, 1, "checkout")
	s := newStore(t, srv.Addr())
	c, err := runtime.NewClient(spec, runtime.WithStore(s), runtime.WithLogger(discard), runtime.WithFlushInterval(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	rc := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { rc.Close() })
	if err := rc.HSet(ctx, s.Key("counters:banner"), store.CounterErrors, "x").Err(); err != nil {
		t.Fatal(err)
	}
	c.ReportError(banner)
	for range 10 {
		c.ReportError(checkout)
	}
	err = c.Flush(ctx)
	if err == nil || !strings.Contains(err.Error(), `"banner"`) || strings.Contains(err.Error(), `"checkout"`) {
		t.Fatalf("Flush = %v, want an error naming banner only", err)
	}
	waitFor(t, time.Second, "checkout tripped", func() bool { return c.Evaluate(ctx, "checkout", nil) == false })
	if c.Evaluate(ctx, "banner", nil) != true {
		t.Fatal("banner switched off by its bad counter")
	}
	// Repaired, the kept report is added at the next flush.
	if err := rc.HDel(ctx, s.Key("counters:banner"), store.CounterErrors).Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Counters(ctx, "banner"); err != nil || n[store.CounterErrors] != 1 {
		t.Fatalf("banner's counters after the repair: %v, %v", n, err)
	}
}
