// Package storetest checks that a store.Store implementation behaves as
// the runtime expects, like testing/fstest.TestFS does for file systems.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/flaggen/flaggen/internal/jsonx"
	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/store"
)

// Spec is the spec of the flags the suite writes (a, b, c and n):
// TestStore hands it to a store that checks patches (store.SpecChecker).
var Spec = func() *runtime.Spec {
	s, err := runtime.LoadSpec("storetest.json", []byte(`{"flags": {
	"a": {"active": true}, "b": {"active": true}, "c": {"active": true}, "n": {"active": true}}}`))
	if err != nil {
		panic(err)
	}
	return s
}()

// TestShared checks what a store shared by several instances (processes,
// or Clients over one file or namespace) must do: a watcher of one
// instance is subscribed when Watch returns, so a change another instance
// makes right after is notified. newPair returns two fresh instances over
// the same, empty live state (it may return one instance twice when the
// store cannot be shared); TestShared closes them.
func TestShared(t *testing.T, newPair func(t *testing.T) (a, b store.Store)) {
	a, b := newPair(t)
	t.Cleanup(func() {
		a.Close()
		b.Close()
	})
	for _, s := range []store.Store{a, b} {
		if c, ok := s.(store.SpecChecker); ok {
			c.UseSpec(Spec)
		}
	}
	t.Run("WatchSubscribed", func(t *testing.T) {
		ch, err := a.Watch(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.Apply(t.Context(), store.Change{Actor: "t", Flags: map[string]json.RawMessage{"n": raw(`{"active":false}`)}}); err != nil {
			t.Fatal(err)
		}
		waitState(t, ch, a, "the other instance's change", func(st store.State) bool { return sameJSON(st.Flags["n"], raw(`{"active":false}`)) })
	})
}

// TestStore runs the conformance suite against stores made by newStore,
// which must return a fresh, empty store (its own namespace) for each call;
// TestStore closes it. Each aspect of the contract is a subtest, and the
// subtests run in parallel: newStore must be safe for concurrent use.
func TestStore(t *testing.T, newStore func(t *testing.T) store.Store) {
	open := func(t *testing.T) store.Store {
		t.Helper()
		s := newStore(t)
		if c, ok := s.(store.SpecChecker); ok {
			c.UseSpec(Spec)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	t.Run("Empty", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		st, err := s.Load(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if st.Version != 0 || len(st.Flags) != 0 {
			t.Fatalf("fresh store: version %d, flags %v; want 0 and none", st.Version, st.Flags)
		}
	})
	t.Run("Register", func(t *testing.T) { t.Parallel(); testRegister(t, open(t)) })
	t.Run("Apply", func(t *testing.T) { t.Parallel(); testApply(t, open(t)) })
	t.Run("Conflict", func(t *testing.T) { t.Parallel(); testConflict(t, open(t)) })
	t.Run("ConflictAtZero", func(t *testing.T) { t.Parallel(); testConflictAtZero(t, open(t)) })
	t.Run("Audit", func(t *testing.T) { t.Parallel(); testAudit(t, open(t)) })
	t.Run("Watch", func(t *testing.T) { t.Parallel(); testWatch(t, open(t)) })
	t.Run("Counters", func(t *testing.T) { t.Parallel(); testCounters(t, open(t)) })
	t.Run("Feedback", func(t *testing.T) { t.Parallel(); testFeedback(t, open(t)) })
	t.Run("Exposure", func(t *testing.T) { t.Parallel(); testExposure(t, open(t)) })
	t.Run("ExposureReset", func(t *testing.T) { t.Parallel(); testExposureReset(t, open(t)) })
	t.Run("ConcurrentApply", func(t *testing.T) { t.Parallel(); testConcurrentApply(t, open(t)) })
	t.Run("RefuseBadActor", func(t *testing.T) { t.Parallel(); testRefuseBadActor(t, open(t)) })
	t.Run("SpecChecker", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		if _, ok := s.(store.SpecChecker); !ok {
			t.Skipf("%T does not implement store.SpecChecker (optional)", s)
		}
		testSpecChecker(t, s)
	})
	t.Run("SpecRecorder", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		r, ok := s.(store.SpecRecorder)
		if !ok {
			t.Skipf("%T does not implement store.SpecRecorder (optional)", s)
		}
		testSpecRecorder(t, s, r)
	})
	t.Run("Close", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ch, err := s.Watch(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		waitClosed(t, ch)
	})
}

func raw(s string) json.RawMessage { return json.RawMessage(s) }

// sameJSON compares JSON documents by value.
var sameJSON = jsonx.Equal

func load(t *testing.T, s store.Store) store.State {
	t.Helper()
	st, err := s.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func testRegister(t *testing.T, s store.Store) {
	ctx := t.Context()
	if err := s.Register(ctx, map[string]json.RawMessage{"a": raw(`{}`), "b": raw(`{"active":false}`)}); err != nil {
		t.Fatal(err)
	}
	st := load(t, s)
	if st.Version == 0 || len(st.Flags) != 2 || !sameJSON(st.Flags["a"], raw(`{}`)) || !sameJSON(st.Flags["b"], raw(`{"active":false}`)) {
		t.Fatalf("after Register: %+v", st)
	}
	if _, err := s.Apply(ctx, store.Change{Actor: "t", Flags: map[string]json.RawMessage{"a": raw(`{"active":true}`)}}); err != nil {
		t.Fatal(err)
	}
	v := load(t, s).Version
	// Registering again never overwrites, and changes nothing when nothing is new.
	if err := s.Register(ctx, map[string]json.RawMessage{"a": raw(`{}`), "b": raw(`{}`)}); err != nil {
		t.Fatal(err)
	}
	st = load(t, s)
	if !sameJSON(st.Flags["a"], raw(`{"active":true}`)) || !sameJSON(st.Flags["b"], raw(`{"active":false}`)) {
		t.Fatalf("Register overwrote live state: %v", st.Flags)
	}
	if st.Version != v {
		t.Fatalf("Register adding nothing moved the version %d → %d", v, st.Version)
	}
	if err := s.Register(ctx, map[string]json.RawMessage{"c": raw(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if st = load(t, s); st.Version <= v || st.Flags["c"] == nil {
		t.Fatalf("Register adding c: version %d (was %d), flags %v", st.Version, v, st.Flags)
	}
	if a, _ := s.Audit(ctx, "c", 0); len(a) != 0 {
		t.Fatalf("Register wrote audit entries: %+v", a)
	}
}

func testApply(t *testing.T, s store.Store) {
	ctx := t.Context()
	s.Register(ctx, map[string]json.RawMessage{"a": raw(`{}`), "b": raw(`{}`), "c": raw(`{}`)})
	v0 := load(t, s).Version
	v, err := s.Apply(ctx, store.Change{Actor: "alice", Reason: "launch", Flags: map[string]json.RawMessage{
		"a": raw(`{"active":true,"regions":["US"]}`), "b": raw(`{"active":false}`), "c": nil,
	}})
	if err != nil {
		t.Fatal(err)
	}
	if v != v0+1 {
		t.Fatalf("Apply returned version %d, want %d", v, v0+1)
	}
	st := load(t, s)
	if st.Version != v {
		t.Fatalf("Load version %d after Apply returned %d", st.Version, v)
	}
	if !sameJSON(st.Flags["a"], raw(`{"active":true,"regions":["US"]}`)) || !sameJSON(st.Flags["b"], raw(`{"active":false}`)) {
		t.Fatalf("flags after Apply: %v", st.Flags)
	}
	if _, ok := st.Flags["c"]; ok {
		t.Fatalf("a nil patch did not delete c: %v", st.Flags)
	}
	// Load returns a copy.
	st.Flags["a"][0] = 'X'
	if st2 := load(t, s); !sameJSON(st2.Flags["a"], raw(`{"active":true,"regions":["US"]}`)) {
		t.Fatal("modifying a loaded State changed the store")
	}
}

// testConflictAtZero: on a store never written (version 0), IfVersion 0
// with CheckVersion is a condition (the second of two writers who read
// version 0 is refused), and without CheckVersion none.
func testConflictAtZero(t *testing.T, s store.Store) {
	ctx := t.Context()
	if v := load(t, s).Version; v != 0 {
		t.Fatalf("a new store at version %d, want 0", v)
	}
	at0 := func(active string) error {
		_, err := s.Apply(ctx, store.Change{IfVersion: 0, CheckVersion: true, Actor: "t", Flags: map[string]json.RawMessage{"a": raw(`{"active":` + active + `}`)}})
		return err
	}
	if err := at0("true"); err != nil {
		t.Fatalf("Apply at version 0 with CheckVersion on a new store: %v", err)
	}
	if err := at0("false"); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a second Apply at version 0 with CheckVersion: err %v, want ErrConflict", err)
	}
	if st := load(t, s); st.Version != 1 || !sameJSON(st.Flags["a"], raw(`{"active":true}`)) {
		t.Fatalf("a refused Apply wrote something: %+v", st)
	}
	if _, err := s.Apply(ctx, store.Change{Actor: "t", Flags: map[string]json.RawMessage{"a": raw(`{"active":false}`)}}); err != nil {
		t.Fatalf("Apply without a condition: %v", err)
	}
}

func testConflict(t *testing.T, s store.Store) {
	ctx := t.Context()
	s.Register(ctx, map[string]json.RawMessage{"a": raw(`{}`)})
	v := load(t, s).Version
	if _, err := s.Apply(ctx, store.Change{IfVersion: v, Actor: "t", Flags: map[string]json.RawMessage{"a": raw(`{"active":true}`)}}); err != nil {
		t.Fatalf("Apply at the current version: %v", err)
	}
	_, err := s.Apply(ctx, store.Change{IfVersion: v, Actor: "t", Flags: map[string]json.RawMessage{"a": raw(`{"active":false}`)}})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Apply at a stale version: err %v, want ErrConflict", err)
	}
	st := load(t, s)
	if st.Version != v+1 || !sameJSON(st.Flags["a"], raw(`{"active":true}`)) {
		t.Fatalf("a refused Apply wrote something: %+v", st)
	}

	// IfEpoch: the loaded epoch ("" for a store without epochs) passes;
	// another one, even at the current version, is refused.
	v, epoch := st.Version, st.Epoch
	_, err = s.Apply(ctx, store.Change{IfVersion: v, IfEpoch: epoch + "-other", Actor: "t", Flags: map[string]json.RawMessage{"a": raw(`{"active":false}`)}})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Apply with IfEpoch %q in epoch %q at the current version: err %v, want ErrConflict", epoch+"-other", epoch, err)
	}
	if st := load(t, s); st.Version != v || !sameJSON(st.Flags["a"], raw(`{"active":true}`)) {
		t.Fatalf("an Apply refused for its epoch wrote something: %+v", st)
	}
	if _, err := s.Apply(ctx, store.Change{IfVersion: v, IfEpoch: epoch, Actor: "t", Flags: map[string]json.RawMessage{"a": raw(`{"active":false}`)}}); err != nil {
		t.Fatalf("Apply with the loaded IfEpoch %q and version: %v", epoch, err)
	}
}

func testAudit(t *testing.T, s store.Store) {
	ctx := t.Context()
	before := time.Now().Add(-time.Minute)
	for i, ch := range []store.Change{
		{Actor: "alice", Reason: "one", Flags: map[string]json.RawMessage{"a": raw(`{"active":true}`)}},
		{Actor: "bob", Reason: "two", Flags: map[string]json.RawMessage{"a": raw(`{"active":false}`), "b": raw(`{}`)}},
		{Actor: "carol", Reason: "three", Flags: map[string]json.RawMessage{"b": raw(`{"active":true}`)}},
	} {
		if _, err := s.Apply(ctx, ch); err != nil {
			t.Fatalf("change %d: %v", i, err)
		}
	}
	all, err := s.Audit(ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 || all[0].Actor != "carol" || all[1].Actor != "bob" || all[2].Actor != "alice" {
		t.Fatalf("audit (newest first) = %+v", all)
	}
	for _, e := range all {
		if e.Time.Before(before) || e.Time.After(time.Now().Add(time.Minute)) {
			t.Errorf("audit entry %d has time %v", e.Version, e.Time)
		}
	}
	if all[0].Version != all[1].Version+1 || all[1].Version != all[2].Version+1 {
		t.Errorf("audit versions %d %d %d not consecutive", all[0].Version, all[1].Version, all[2].Version)
	}
	if all[1].Reason != "two" || len(all[1].Flags) != 2 || !sameJSON(all[1].Flags["a"], raw(`{"active":false}`)) {
		t.Errorf("audit entry two = %+v", all[1])
	}
	// Every entry reads before → after: a's patch before change two is
	// change one's; b had none (JSON null).
	if !sameJSON(all[1].Before["a"], raw(`{"active":true}`)) || !sameJSON(all[1].Before["b"], raw(`null`)) {
		t.Errorf("audit entry two: before = %s", fmtBefore(all[1].Before))
	}
	if !sameJSON(all[0].Before["b"], raw(`{}`)) {
		t.Errorf("audit entry three: before = %s", fmtBefore(all[0].Before))
	}
	a, _ := s.Audit(ctx, "a", 0)
	if len(a) != 2 || a[0].Actor != "bob" {
		t.Errorf("audit of a = %+v", a)
	}
	one, _ := s.Audit(ctx, "b", 1)
	if len(one) != 1 || one[0].Actor != "carol" {
		t.Errorf("audit of b, limit 1 = %+v", one)
	}
}

func waitClosed(t *testing.T, ch <-chan struct{}) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("watch channel not closed within 5s")
		}
	}
}

// testWatch checks that a watcher is subscribed when Watch returns: a
// change made right after is notified, with no wait in between.
func testWatch(t *testing.T, s store.Store) {
	ctx, cancel := context.WithCancel(t.Context())
	ch, err := s.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Register(t.Context(), map[string]json.RawMessage{"a": raw(`{}`)}); err != nil {
		t.Fatal(err)
	}
	waitState(t, ch, s, "Register", func(st store.State) bool { return st.Flags["a"] != nil })
	if _, err := s.Apply(t.Context(), store.Change{Actor: "t", Flags: map[string]json.RawMessage{"a": raw(`{"active":true}`)}}); err != nil {
		t.Fatal(err)
	}
	waitState(t, ch, s, "Apply", func(st store.State) bool { return sameJSON(st.Flags["a"], raw(`{"active":true}`)) })
	cancel()
	waitClosed(t, ch)
}

// waitState waits for notifications on ch until Load (of s) shows a state
// for which ok holds: notifications may be coalesced, or come from earlier
// changes, so each one is followed by a Load.
func waitState(t *testing.T, ch <-chan struct{}, s store.Store, what string, ok func(store.State) bool) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case _, open := <-ch:
			if !open {
				t.Fatalf("watch channel closed, waiting for %s", what)
			}
			if ok(load(t, s)) {
				return
			}
		case <-deadline:
			t.Fatalf("no notification showing %s within 5s", what)
		}
	}
}

func drain(ch <-chan struct{}) {
	for {
		select {
		case <-ch:
		case <-time.After(100 * time.Millisecond):
			return
		}
	}
}

func testCounters(t *testing.T, s store.Store) {
	ctx := t.Context()
	tot, err := s.AddCounters(ctx, []store.CounterDelta{{Flag: "a", Name: "errors", Delta: 3}, {Flag: "a", Name: "slow", Delta: 1}, {Flag: "b", Name: "errors", Delta: 5}})
	if err != nil {
		t.Fatal(err)
	}
	if len(tot) != 3 || tot[0] != 3 || tot[1] != 1 || tot[2] != 5 {
		t.Fatalf("totals %v, want [3 1 5]", tot)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				if _, err := s.AddCounters(ctx, []store.CounterDelta{{Flag: "a", Name: "errors", Delta: 1}}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	c, err := s.Counters(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if c["errors"] != 203 || c["slow"] != 1 || len(c) != 2 {
		t.Fatalf("counters of a = %v, want errors 203, slow 1", c)
	}
	if err := s.ResetCounters(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.Counters(ctx, "a"); len(c) != 0 {
		t.Fatalf("after reset: %v", c)
	}
	if c, _ := s.Counters(ctx, "b"); c["errors"] != 5 {
		t.Fatalf("reset of a touched b: %v", c)
	}
	if c, err := s.Counters(ctx, "never"); err != nil || len(c) != 0 {
		t.Fatalf("unknown flag counters: %v, %v", c, err)
	}
	// A Change can zero counters in the same atomic write (operator reset).
	if _, err := s.AddCounters(ctx, []store.CounterDelta{{Flag: "a", Name: "errors", Delta: 7}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Apply(ctx, store.Change{Actor: "t", Reason: "reset", Flags: map[string]json.RawMessage{"a": raw(`{}`)}, ResetCounters: []string{"a"}}); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.Counters(ctx, "a"); len(c) != 0 {
		t.Fatalf("counters of a after a Change resetting them: %v", c)
	}
	if c, _ := s.Counters(ctx, "b"); c["errors"] != 5 {
		t.Fatalf("a Change resetting a's counters touched b's: %v", c)
	}
}

func testFeedback(t *testing.T, s store.Store) {
	ctx := t.Context()
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	variants := []string{"on", "", "blue"} // "": collected without the variant served
	for i, text := range []string{"one", "two", "three"} {
		if err := s.AppendFeedback(ctx, "a", store.Feedback{Time: at.Add(time.Duration(i) * time.Second), User: "u", Text: text, Variant: variants[i]}); err != nil {
			t.Fatal(err)
		}
	}
	s.AppendFeedback(ctx, "b", store.Feedback{Time: at, Text: "other"})
	fb, err := s.Feedback(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if len(fb) != 3 || fb[0].Text != "one" || fb[2].Text != "three" || fb[0].User != "u" || !fb[1].Time.Equal(at.Add(time.Second)) {
		t.Fatalf("feedback of a = %+v", fb)
	}
	for i, v := range variants {
		if fb[i].Variant != v {
			t.Errorf("feedback %d of a: variant %q, want %q", i, fb[i].Variant, v)
		}
	}
	if fb, _ := s.Feedback(ctx, "none"); len(fb) != 0 {
		t.Fatalf("feedback of an unknown flag = %+v", fb)
	}
}

// testConcurrentApply has writers race with optimistic concurrency: every
// change lands exactly once.
func testConcurrentApply(t *testing.T, s store.Store) {
	ctx := t.Context()
	s.Register(ctx, map[string]json.RawMessage{"n": raw(`{"percentage_rollout":0}`)})
	const writers, each = 4, 10
	var wg sync.WaitGroup
	for g := 0; g < writers; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				for {
					st, err := s.Load(ctx)
					if err != nil {
						t.Error(err)
						return
					}
					var n struct {
						Count int `json:"percentage_rollout"`
					}
					json.Unmarshal(st.Flags["n"], &n)
					next := raw(fmt.Sprintf(`{"percentage_rollout":%d}`, n.Count+1))
					_, err = s.Apply(ctx, store.Change{IfVersion: st.Version, Actor: "t", Flags: map[string]json.RawMessage{"n": next}})
					if errors.Is(err, store.ErrConflict) {
						continue
					}
					if err != nil {
						t.Error(err)
						return
					}
					break
				}
			}
		}()
	}
	wg.Wait()
	if st := load(t, s); !sameJSON(st.Flags["n"], raw(fmt.Sprintf(`{"percentage_rollout":%d}`, writers*each))) {
		t.Fatalf("after %d increments: %s", writers*each, st.Flags["n"])
	}
}

func fmtBefore(m map[string]json.RawMessage) string {
	b, _ := json.Marshal(m)
	return string(b)
}

// testSpecRecorder checks the optional store.SpecRecorder: the spec
// round-trips byte for byte, a new record replaces the old one, and
// recording is not live state (no version, audit entry or notification).
func testSpecRecorder(t *testing.T, s store.Store, r store.SpecRecorder) {
	ctx := t.Context()
	if file, src, ok, err := r.RecordedSpec(ctx); err != nil || ok || file != "" || src != nil {
		t.Fatalf("fresh store: RecordedSpec = %q, %q, %v, %v; want nothing recorded, no error", file, src, ok, err)
	}
	s.Register(ctx, map[string]json.RawMessage{"a": raw(`{}`)})
	v := load(t, s).Version
	w, err := s.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	drain(w)
	// Not compact, not ASCII, trailing newline: kept exactly.
	src1 := []byte("{\n  \"flags\": {\"a\": {\"active\": true, \"metadata\": {\"description\": \"caf\u00e9 \u2192 \\\"ok\\\"\"}}}\n}\n")
	if err := r.RecordSpec(ctx, "flags.json", src1); err != nil {
		t.Fatal(err)
	}
	file, src, ok, err := r.RecordedSpec(ctx)
	if err != nil || !ok || file != "flags.json" || string(src) != string(src1) {
		t.Fatalf("after RecordSpec: RecordedSpec = %q, %q, %v, %v; want %q, %q, true, nil", file, src, ok, err, "flags.json", src1)
	}
	src2 := []byte(`{"flags": {"a": {"active": false}}}`)
	if err := r.RecordSpec(ctx, "other/flags.json", src2); err != nil {
		t.Fatal(err)
	}
	if file, src, ok, err = r.RecordedSpec(ctx); err != nil || !ok || file != "other/flags.json" || string(src) != string(src2) {
		t.Fatalf("after a second RecordSpec: RecordedSpec = %q, %q, %v, %v; want the second spec", file, src, ok, err)
	}
	if st := load(t, s); st.Version != v || len(st.Flags) != 1 {
		t.Fatalf("RecordSpec changed live state: version %d → %d, flags %v", v, st.Version, st.Flags)
	}
	if a, err := s.Audit(ctx, "", 0); err != nil || len(a) != 0 {
		t.Fatalf("RecordSpec wrote audit entries: %+v, %v", a, err)
	}
	select {
	case <-w:
		t.Fatal("RecordSpec notified watchers: a recorded spec is not live state")
	case <-time.After(100 * time.Millisecond):
	}
}

// testRefuseBadActor checks that Apply refuses a blank actor, and control
// characters in actor or reason (forged audit lines, terminal escapes),
// writing nothing.
func testRefuseBadActor(t *testing.T, s store.Store) {
	ctx := t.Context()
	s.Register(ctx, map[string]json.RawMessage{"a": raw(`{}`)})
	v := load(t, s).Version
	for _, ch := range []store.Change{
		{Actor: ""},
		{Actor: " \t "},
		{Actor: "alice\nv9  2025-01-01  mallory"},
		{Actor: "alice\x1b[2K"},
		{Actor: "alice", Reason: "ok\r\nforged line"},
		{Actor: "alice", Reason: "\u202egnp.exe"},
		{Actor: "alice\xff"},
	} {
		ch.Flags = map[string]json.RawMessage{"a": raw(`{"active":false}`)}
		if _, err := s.Apply(ctx, ch); err == nil {
			t.Errorf("Apply with actor %q, reason %q: no error", ch.Actor, ch.Reason)
		}
	}
	if st := load(t, s); st.Version != v || !sameJSON(st.Flags["a"], raw(`{}`)) {
		t.Fatalf("a refused Apply wrote something: %+v", st)
	}
	if a, err := s.Audit(ctx, "", 0); err != nil || len(a) != 0 {
		t.Fatalf("a refused Apply wrote audit entries: %+v, %v", a, err)
	}
}

// testSpecChecker checks an optional store.SpecChecker, given Spec: a
// patch that is not a live patch of it (an unknown flag or field, a value
// out of range) is refused by Apply and Register, writing nothing.
func testSpecChecker(t *testing.T, s store.Store) {
	ctx := t.Context()
	s.Register(ctx, map[string]json.RawMessage{"a": raw(`{}`)})
	v := load(t, s).Version
	for _, p := range []map[string]json.RawMessage{
		{"nope": raw(`{"active":false}`)},
		{"a": raw(`{"colour":"red"}`)},
		{"a": raw(`{"percentage_rollout":500}`)},
		{"a": raw(`{"active":"yes"}`)},
		{"a": raw(`[1]`)},
		{"a": raw(`{"active":false}`), "b": raw(`{"active":1}`)},
	} {
		if _, err := s.Apply(ctx, store.Change{Actor: "t", Flags: p}); err == nil {
			t.Errorf("Apply %s: no error", fmtBefore(p))
		}
		if err := s.Register(ctx, p); err == nil {
			t.Errorf("Register %s: no error", fmtBefore(p))
		}
	}
	if st := load(t, s); st.Version != v || len(st.Flags) != 1 || !sameJSON(st.Flags["a"], raw(`{}`)) {
		t.Fatalf("a refused write wrote something: %+v", st)
	}
}
