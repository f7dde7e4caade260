package redisstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/flaggen/flaggen/internal/redistest"
	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/flagimpl"
	"github.com/flaggen/flaggen/runtime/redisstore"
)

// refusedHealth returns the flags a Client's Health reports refused.
func refusedHealth(c *runtime.Client) map[string]error {
	var r *runtime.RefusedError
	if errors.As(c.Health(), &r) {
		return r.Flags
	}
	return nil
}

// TestCycleDoesNotFreezeLiveState is issue 9's repro over Redis: a live
// patch makes f0 depend on f1; instances of a new release, whose spec
// makes f1 depend on f0, refuse f0's patch alone: f2's kill switch and
// later writes apply there too, and Health names f0. A cycle written into
// Redis by hand refuses its flags alone, and a write to an unrelated flag
// still succeeds.
func TestCycleDoesNotFreezeLiveState(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	specOld := flagimpl.MustLoadSpec("flags.json", []byte(`{"flags": {"f0": {"active": true}, "f1": {"active": true}, "f2": {"active": true}, "f3": {"active": true}}}`))
	specNew := flagimpl.MustLoadSpec("flags.json", []byte(`{"flags": {"f0": {"active": true}, "f1": {"active": true, "depends_on": ["f0"]}, "f2": {"active": true}, "f3": {"active": true}}}`))
	start := func(sp *runtime.Spec) *runtime.Client {
		t.Helper()
		c, err := runtime.NewClient(sp, runtime.WithStore(newStore(t, srv.Addr(), redisstore.WithCheckInterval(100*time.Millisecond))), runtime.WithLogger(discard))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	eval := func(c *runtime.Client, name string) bool { return c.Evaluate(ctx, name, nil) == true }
	old := start(specOld)
	if err := old.Set(ctx, "f0", raw(`{"depends_on": ["f1"]}`), "ops", "f0 needs f1"); err != nil {
		t.Fatal(err)
	}
	nw := start(specNew)
	if r := refusedHealth(nw); len(r) != 1 || !strings.Contains(r["f0"].Error(), "dependency cycle f0 → f1 → f0") {
		t.Fatalf("new release's Health = %v, want f0 refused", nw.Health())
	}
	if err := old.Set(ctx, "f2", raw(`{"active": false}`), "ops", "kill f2"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 2*time.Second, "f2's kill switch on the new release", func() bool { return !eval(nw, "f2") })
	if err := nw.Set(ctx, "f3", raw(`{"active": false}`), "ops", "kill f3"); err != nil {
		t.Fatalf("a write by the new release: %v", err)
	}
	waitFor(t, 2*time.Second, "f3's kill switch on the old release", func() bool { return !eval(old, "f3") })
	if !eval(nw, "f0") || !eval(nw, "f1") || eval(nw, "f3") {
		t.Fatal("the new release does not serve f0 and f1 as its spec defines them")
	}

	// A cycle written by hand, between f2 and f3.
	rc := newClient(t, srv.Addr())
	backend := newStore(t, srv.Addr())
	rc.HSet(ctx, backend.Key("patches"), "f2", `{"depends_on":["f3"]}`, "f3", `{"depends_on":["f2"],"active":false}`)
	rc.Incr(ctx, backend.Key("version"))
	waitFor(t, 2*time.Second, "the hand-written cycle refused", func() bool {
		r := refusedHealth(old)
		return r["f2"] != nil && r["f3"] != nil && len(refusedHealth(nw)) == 3
	})
	if !eval(old, "f2") || eval(old, "f3") {
		t.Fatal("f2 and f3 do not serve their spec definitions (f3's kill switch held)")
	}
	for _, c := range []*runtime.Client{old, nw} {
		if err := c.Set(ctx, "f1", raw(`{"percentage_rollout": 100}`), "ops", "unrelated"); err != nil {
			t.Fatalf("a write to an unrelated flag while a cycle is stored: %v", err)
		}
	}
	// The repair.
	if err := old.Change(ctx, runtime.Edit{Actor: "ops", Reason: "repair", Flags: map[string]json.RawMessage{"f2": raw(`{"depends_on": null}`)}}); err != nil {
		t.Fatalf("the repair: %v", err)
	}
	waitFor(t, 2*time.Second, "the repaired state", func() bool {
		return old.Health() == nil && len(refusedHealth(nw)) == 1 && eval(old, "f2") && !eval(old, "f3")
	})
}
