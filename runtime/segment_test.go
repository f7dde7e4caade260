package runtime

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flaggen/flaggen/runtime/memstore"
	"github.com/flaggen/flaggen/runtime/store"
)

// TestSegmentChangeNotifies: a live change of a segment reports every flag
// that lists it, directly or through another segment, to OnChange, and
// no other flag.
func TestSegmentChangeNotifies(t *testing.T) {
	s := mustLoadSpec("flags.json", []byte(`{
  "segments": {"beta": {"include": [1]}, "eu": {"regions": ["RO"], "segments": ["beta"]}, "other": {"include": [2]}},
  "flags": {"f": {"active": true, "segments": ["beta"]}, "g": {"active": true, "segments": ["eu"]},
            "h": {"active": true, "segments": ["other"]}, "i": {"active": true}}
}`))
	backend := memstore.New()
	t.Cleanup(func() { backend.Close() })
	c := newClient(t, s, WithStore(backend))
	other := newClient(t, s, WithStore(backend))
	got := make(chan []string, 10)
	stop := c.OnChange(func(changed []string) { got <- changed })
	defer stop()
	if err := other.Set(context.Background(), "segment:beta", json.RawMessage(`{"include": [1, 7]}`), "ops", "beta tester"); err != nil {
		t.Fatal(err)
	}
	select {
	case names := <-got:
		slices.Sort(names)
		if !slices.Equal(names, []string{"f", "g"}) {
			t.Errorf("changed = %v, want [f g]", names)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("no OnChange call within 3s")
	}
	if !c.evalBool(s.m.Flag("g").Index, []Value{Int(7), String("RO")}) {
		t.Error("g off for user 7 in RO after the segment change")
	}
}

// TestSegmentCycleRefusedAlone: a segment patch that closes a cycle with a
// new release's spec is refused alone, logged and reported as a segment's
// (no kill switch to hold), and a flag's kill switch still applies.
func TestSegmentCycleRefusedAlone(t *testing.T) {
	ctx := context.Background()
	backend := memstore.New()
	t.Cleanup(func() { backend.Close() })
	old := newClient(t, mustLoadSpec("flags.json", []byte(`{"segments": {"a": {"include": [1]}, "b": {"include": [2]}},
  "flags": {"f": {"active": true, "segments": ["a"]}, "g": {"active": true}}}`)), WithStore(backend))
	if err := old.Set(ctx, "segment:a", json.RawMessage(`{"segments": ["b"]}`), "ops", ""); err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	c := newClient(t, mustLoadSpec("flags.json", []byte(`{"segments": {"a": {"include": [1]}, "b": {"include": [2], "segments": ["a"]}},
  "flags": {"f": {"active": true, "segments": ["a"]}, "g": {"active": true}}}`)), WithStore(backend), WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if r := refusedFlags(c); len(r) != 1 || r["segment:a"] == nil {
		t.Fatalf("Health = %v, want segment:a refused", c.Health())
	}
	if msg := c.Health().Error(); !strings.Contains(msg, "live patch of 1 segment(s) refused") || strings.Contains(msg, "kill switch") {
		t.Errorf("Health = %s", msg)
	}
	if l := logs.String(); !strings.Contains(l, "the segment takes its spec definition") || !strings.Contains(l, "segment=a") || strings.Contains(l, "kill switch") {
		t.Errorf("log:\n%s", l)
	}
	if err := c.Set(ctx, "g", json.RawMessage(`{"active": false}`), "ops", "kill"); err != nil {
		t.Fatal(err)
	}
	if v := evalAll(c); v["g"] != false {
		t.Errorf("g = %v after its kill switch, want false", v["g"])
	}
}

// TestEditDeleteOrphanSegment: Edit.Delete removes the patch of a segment
// the spec lacks, and refuses a segment of the spec or a flag.
func TestEditDeleteOrphanSegment(t *testing.T) {
	ctx := context.Background()
	backend := memstore.New()
	t.Cleanup(func() { backend.Close() })
	old := newClient(t, mustLoadSpec("flags.json", []byte(`{"segments": {"a": {"include": [1]}, "ghost": {"include": [2]}}, "flags": {"f": {"active": true}}}`)), WithStore(backend))
	if err := old.Set(ctx, "segment:ghost", json.RawMessage(`{"include": [3]}`), "ops", ""); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, mustLoadSpec("flags.json", []byte(`{"segments": {"a": {"include": [1]}}, "flags": {"f": {"active": true}}}`)), WithStore(backend))
	for _, name := range []string{"segment:a", "f"} {
		if err := c.Change(ctx, Edit{Actor: "ops", Delete: []string{name}}); err == nil {
			t.Errorf("deleting %s: no error", name)
		}
	}
	if err := c.Change(ctx, Edit{Actor: "ops", Delete: []string{"segment:ghost"}}); err != nil {
		t.Fatal(err)
	}
	st, err := backend.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := st.Flags["segment:ghost"]; ok {
		t.Errorf("segment:ghost still stored: %s", st.Flags["segment:ghost"])
	}
	wrote, err := c.Update(ctx, func(store.State) (Edit, error) {
		return Edit{Actor: "ops", Delete: []string{"segment:ghost"}}, nil
	})
	if err != nil || wrote {
		t.Errorf("deleting it again: wrote %v, %v", wrote, err)
	}
}

// TestFlagSegmentsPatch: a flag's own segments are live-patchable: the
// patch moves the flag to other segments, null lifts the segment step,
// an unknown segment is refused, and a later change of a segment the
// patch lists reaches the flag (OnChange included).
func TestFlagSegmentsPatch(t *testing.T) {
	ctx := context.Background()
	s := mustLoadSpec("flags.json", []byte(`{
  "segments": {"beta": {"include": [1]}, "eu": {"regions": ["RO"]}},
  "flags": {"f": {"active": true, "segments": ["beta"]}, "g": {"active": true}}
}`))
	backend := memstore.New()
	t.Cleanup(func() { backend.Close() })
	c := newClient(t, s, WithStore(backend))
	f := s.m.Flag("f").Index
	on := func(user int64, region string) bool { return c.evalBool(f, []Value{Int(user), String(region)}) }
	if !on(1, "US") || on(7, "RO") {
		t.Fatalf("spec: f for 1/US %v, 7/RO %v; want on, off", on(1, "US"), on(7, "RO"))
	}
	if err := c.Set(ctx, "f", json.RawMessage(`{"segments": ["eu"]}`), "ops", "EU launch"); err != nil {
		t.Fatal(err)
	}
	if on(1, "US") || !on(7, "RO") {
		t.Errorf("segments [eu]: f for 1/US %v, 7/RO %v; want off, on", on(1, "US"), on(7, "RO"))
	}
	err := c.Set(ctx, "f", json.RawMessage(`{"segments": ["eu", "betta"]}`), "ops", "")
	if err == nil || !strings.Contains(err.Error(), `/segments/1: unknown segment "betta" (did you mean "beta"?)`) {
		t.Errorf("unknown segment: err %v", err)
	}
	got := make(chan []string, 10)
	stop := c.OnChange(func(changed []string) { got <- changed })
	defer stop()
	if err := c.Set(ctx, "segment:eu", json.RawMessage(`{"include": [9]}`), "ops", ""); err != nil {
		t.Fatal(err)
	}
	select {
	case names := <-got:
		if !slices.Equal(names, []string{"f"}) {
			t.Errorf("changed = %v, want [f] (it lists eu through its patch)", names)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("no OnChange call within 3s")
	}
	if !on(9, "US") {
		t.Error("f off for user 9, whom eu's patch includes")
	}
	if err := c.Set(ctx, "f", json.RawMessage(`{"segments": null}`), "ops", ""); err != nil {
		t.Fatal(err)
	}
	if !on(5, "US") {
		t.Error(`segments null: f off for user 5, want on (no segment step)`)
	}
}
