package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flaggen/flaggen/runtime/memstore"
	"github.com/flaggen/flaggen/runtime/store"
)

func TestErrorThresholdTripsSharedAndReset(t *testing.T) {
	s := loadTestSpec(t, "../testdata/seed/flags.json") // new_ui: error_threshold 100
	backend := memstore.New()
	c1 := newClient(t, s, WithStore(backend))
	c2 := newClient(t, s, WithStore(backend))
	ctx := context.Background()
	newUI := newFlag[bool](s, s.byName["new_ui"], "new_ui")
	us := []Value{Int(123), String("US"), String("premium"), Bool(true)}
	for i := 0; i < 60; i++ {
		c1.ReportError(newUI)
	}
	for i := 0; i < 40; i++ {
		c2.ReportError(newUI)
	}
	if err := errors.Join(c1.Flush(ctx), c2.Flush(ctx)); err != nil {
		t.Fatal(err)
	}
	if !c1.evalBool(newUI.Index(), us) {
		t.Fatal("tripped at 100 errors; the seed trips only above error_threshold")
	}
	c2.ReportError(newUI)
	if err := c2.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*Client{c1, c2} {
		waitFor(t, func() bool { v, ok := c.constBool(newUI.Index()); return ok && !v })
	}
	e := c1.explain(newUI.Index(), us)
	if e.Step != "tripped" || !strings.Contains(e.Reason, "error_threshold 100 exceeded: 101 errors") {
		t.Errorf("explain: %+v", e)
	}
	// advanced_search depends on new_ui: off too.
	if c1.evalBool(s.byName["advanced_search"], us) {
		t.Error("dependant of a tripped flag is on")
	}
	audit, _ := backend.Audit(ctx, "new_ui", 1)
	if len(audit) != 1 || audit[0].Actor != "monitor" || !strings.Contains(audit[0].Reason, "error_threshold") {
		t.Errorf("audit %+v", audit)
	}
	// Stays off until an operator resets it: flushes and reloads do not
	// bring it back.
	if err := errors.Join(c1.Flush(ctx), c2.Flush(ctx), c2.reload(ctx)); err != nil {
		t.Fatal(err)
	}
	if v, _ := c2.constBool(newUI.Index()); v {
		t.Fatal("came back on by itself")
	}
	if err := c2.Reset(ctx, "new_ui", "oncall", "fixed in 1.2.3"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return c1.evalBool(newUI.Index(), us) })
	if n, _ := backend.Counters(ctx, "new_ui"); len(n) != 0 {
		t.Errorf("counters after reset: %v", n)
	}
}

func TestPerformanceThresholdAndMonitor(t *testing.T) {
	s := loadTestSpec(t, "../testdata/demo/flags.json") // new_ui: baseline 1s, performance_threshold 50
	c := newClient(t, s)
	ctx := context.Background()
	newUI := newFlag[bool](s, s.byName["new_ui"], "new_ui")
	for i := 0; i < 100; i++ {
		c.ReportPerformance(newUI, 500*time.Millisecond) // under the baseline: not counted
	}
	for i := 0; i < 50; i++ {
		c.ReportPerformance(newUI, 2*time.Second)
	}
	c.Flush(ctx)
	if v, ok := c.constBool(newUI.Index()); ok && !v {
		t.Fatal("tripped at 50 slow executions")
	}
	c.ReportPerformance(newUI, 2*time.Second)
	if err := c.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	e := c.explain(newUI.Index(), nil)
	if e.Value != false || !strings.Contains(e.Reason, "performance_threshold 50 exceeded: 51 executions slower than performance_baseline 1s") {
		t.Errorf("explain %+v", e)
	}

	// Monitor counts errors and panics, and re-panics.
	as := newFlag[bool](s, s.byName["advanced_search"], "advanced_search")
	boom := errors.New("boom")
	if err := c.Monitor(as, func() error { return boom }); err != boom {
		t.Errorf("Monitor returned %v", err)
	}
	func() {
		defer func() {
			if r := recover(); r != "kaboom" {
				t.Errorf("recovered %v, want the re-panic", r)
			}
		}()
		c.Monitor(as, func() error { panic("kaboom") })
	}()
	c.Monitor(as, func() error { return nil })
	// MonitorValue passes fn's result through and counts its error.
	if v, err := MonitorValue(c, as, func() (string, error) { return "results", nil }); v != "results" || err != nil {
		t.Errorf("MonitorValue = %q, %v", v, err)
	}
	if _, err := MonitorValue(c, as, func() (int, error) { return 0, boom }); err != boom {
		t.Errorf("MonitorValue error = %v", err)
	}
	c.Flush(ctx)
	if n, _ := c.Store().Counters(ctx, "advanced_search"); n[store.CounterErrors] != 3 {
		t.Errorf("counters %v, want 3 errors", n)
	}
}

func TestTrafficMonitorAndFeedback(t *testing.T) {
	s := loadTestSpec(t, "../testdata/seed/flags.json")
	c := newClient(t, s)
	ctx := context.Background()
	newUI := newFlag[bool](s, s.byName["new_ui"], "new_ui")
	m := &TrafficMonitor{Client: c}
	if off, err := m.Observe(ctx, newUI, 25); off || err != nil {
		t.Fatalf("25%% drop: %v %v", off, err)
	}
	if off, err := m.Observe(ctx, newUI, 35); !off || err != nil {
		t.Fatalf("35%% drop: %v %v", off, err)
	}
	if e := c.explain(newUI.Index(), nil); e.Value != false || !strings.Contains(e.Reason, "traffic drop 35% > 30%") {
		t.Errorf("explain %+v", e)
	}
	if off, _ := m.Observe(ctx, newUI, 50); off {
		t.Error("tripped an off flag again")
	}
	fc := NewFeedbackCollector(c)
	fc.Collect(ctx, newUI, "u1", "love it")
	fc.Collect(ctx, newUI, "u2", "too blue")
	fb, err := fc.Get(ctx, newUI)
	if err != nil || len(fb) != 2 || fb[0].Text != "love it" || fb[1].User != "u2" {
		t.Errorf("feedback %+v %v", fb, err)
	}
}

func TestReportingDoesNotAllocate(t *testing.T) {
	s := loadTestSpec(t, "../testdata/seed/flags.json")
	c := newClient(t, s, WithFlushInterval(time.Hour))
	newUI := newFlag[bool](s, s.byName["new_ui"], "new_ui")
	var h Handle = newUI
	if n := testing.AllocsPerRun(1000, func() {
		c.ReportError(h)
		c.ReportPerformance(h, time.Millisecond)
	}); n != 0 {
		t.Errorf("reporting allocates %v times", n)
	}
}

// failingApplyStore is a memory store whose Apply fails while fail is set.
type failingApplyStore struct {
	*memstore.Store
	fail atomic.Bool
}

func (s *failingApplyStore) Apply(ctx context.Context, ch store.Change) (uint64, error) {
	if s.fail.Load() {
		return 0, errors.New("store down for writes")
	}
	return s.Store.Apply(ctx, ch)
}

// TestTripRetriedAndLoweredThreshold: a trip that failed after the counts
// were added is retried at the next flush; a live change that lowers
// error_threshold below the shared count trips the flag at the next flush.
func TestTripRetriedAndLoweredThreshold(t *testing.T) {
	s := loadTestSpec(t, "../testdata/seed/flags.json") // new_ui: error_threshold 100
	ctx := context.Background()
	newUI := newFlag[bool](s, s.byName["new_ui"], "new_ui")
	tripped := func(c *Client) bool { return c.snap.Load().Tripped(newUI.Index()) != "" }

	backend := &failingApplyStore{Store: memstore.New()}
	c := newClient(t, s, WithStore(backend), WithFlushInterval(time.Hour))
	for range 101 {
		c.ReportError(newUI)
	}
	backend.fail.Store(true)
	if err := c.Flush(ctx); err == nil {
		t.Fatal("Flush reported no error while the trip failed")
	}
	if tripped(c) {
		t.Fatal("tripped while the store refused writes")
	}
	backend.fail.Store(false)
	if err := c.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if !tripped(c) {
		t.Fatal("the failed trip was not retried at the next flush")
	}

	// A threshold lowered below the shared count, by another instance.
	other := memstore.New()
	c1 := newClient(t, s, WithStore(other), WithFlushInterval(time.Hour))
	c2 := newClient(t, s, WithStore(other), WithFlushInterval(time.Hour))
	for range 10 {
		c1.ReportError(newUI)
	}
	if err := c1.Flush(ctx); err != nil || tripped(c1) {
		t.Fatalf("10 errors of 100: %v, tripped %v", err, tripped(c1))
	}
	if err := c2.Set(ctx, "new_ui", json.RawMessage(`{"error_threshold": 5}`), "oncall", "tighter"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		return c1.snap.Load().Live().Flags[newUI.Index()].ErrorThreshold != nil && *c1.snap.Load().Live().Flags[newUI.Index()].ErrorThreshold == 5
	})
	if err := c2.Flush(ctx); err != nil { // c2 never reported: it reads the shared count
		t.Fatal(err)
	}
	if !tripped(c2) {
		t.Fatal("lowering error_threshold below the shared count did not trip at the next flush")
	}
	audit, _ := other.Audit(ctx, "new_ui", 0)
	if err := c1.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if again, _ := other.Audit(ctx, "new_ui", 0); len(again) != len(audit) {
		t.Errorf("a second instance's flush tripped again: %d audit entries, then %d", len(audit), len(again))
	}
}
