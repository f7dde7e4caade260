package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/flaggen/flaggen/runtime/memstore"
	"github.com/flaggen/flaggen/runtime/store"
)

// Two releases of one spec: the new one makes f1 depend on f0.
const (
	refusedOldSpec = `{"flags": {"f0": {"active": true}, "f1": {"active": true}, "f2": {"active": true}, "f3": {"active": true}}}`
	refusedNewSpec = `{"flags": {"f0": {"active": true}, "f1": {"active": true, "depends_on": ["f0"]}, "f2": {"active": true}, "f3": {"active": true}}}`
)

// evalAll returns every flag's value for an empty context, by name.
func evalAll(c *Client) map[string]any {
	out := map[string]any{}
	for _, e := range c.EvaluateAll(context.Background(), nil) {
		out[e.Flag] = e.Value
	}
	return out
}

// refusedFlags returns the flags Health reports refused, or nil.
func refusedFlags(c *Client) map[string]error {
	var r *RefusedError
	if errors.As(c.Health(), &r) {
		return r.Flags
	}
	return nil
}

// TestCycleFromNewReleaseRefusesOneFlag is issue 9's repro: a live patch
// makes f0 depend on f1, then an instance of a release whose spec makes f1
// depend on f0 starts. Only f0's patch is refused (f0 serves its spec
// definition); f2's kill switch, and every later write, applies; Health
// names f0 and the cycle, logged once; a write that would close another
// cycle is refused, one to an unrelated flag succeeds, and the repair
// clears the refusal.
func TestCycleFromNewReleaseRefusesOneFlag(t *testing.T) {
	ctx := context.Background()
	backend := memstore.New()
	old := newClient(t, mustLoadSpec("flags.json", []byte(refusedOldSpec)), WithStore(backend))
	if err := old.Set(ctx, "f0", json.RawMessage(`{"depends_on": ["f1"], "percentage_rollout": 100}`), "ops", "f0 needs f1"); err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	c := newClient(t, mustLoadSpec("flags.json", []byte(refusedNewSpec)), WithStore(backend), WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	refused := refusedFlags(c)
	if len(refused) != 1 || !strings.Contains(refused["f0"].Error(), "dependency cycle f0 → f1 → f0") {
		t.Fatalf("Health = %v, want f0 refused for its cycle", c.Health())
	}
	if v := evalAll(c); v["f0"] != true || v["f1"] != true || v["f2"] != true {
		t.Fatalf("values %v", v)
	}
	// The kill switch of an unrelated flag applies, written by either
	// release.
	if err := old.Set(ctx, "f2", json.RawMessage(`{"active": false}`), "ops", "kill f2"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return evalAll(c)["f2"] == false })
	if err := c.Set(ctx, "f3", json.RawMessage(`{"active": false}`), "ops", "kill f3"); err != nil {
		t.Fatalf("a write to an unrelated flag while f0 is refused: %v", err)
	}
	if evalAll(c)["f3"] != false {
		t.Fatal("the write to f3 did not apply")
	}
	// A kill switch of the refused flag holds too.
	if err := c.Set(ctx, "f0", json.RawMessage(`{"active": false}`), "ops", "kill f0"); err != nil {
		t.Fatalf("disabling the refused flag: %v", err)
	}
	if v := evalAll(c); v["f0"] != false || v["f1"] != false {
		t.Fatalf("f0's kill switch beside its refused depends_on: %v", v)
	}
	// f3 depending on f1 closes no new cycle (f0's refused patch is out
	// of the graph); once f0 depends on f3 instead, it would: refused, and
	// nothing written.
	if err := c.Set(ctx, "f0", json.RawMessage(`{"depends_on": ["f3"]}`), "ops", ""); err != nil {
		t.Fatal(err)
	}
	st, _ := backend.Load(ctx)
	err := c.Set(ctx, "f3", json.RawMessage(`{"depends_on": ["f1"]}`), "ops", "")
	if err == nil || !strings.Contains(err.Error(), "dependency cycle") {
		t.Fatalf("a write closing a new cycle: %v", err)
	}
	if now, _ := backend.Load(ctx); now.Version != st.Version {
		t.Fatalf("a refused write moved the version %d → %d", st.Version, now.Version)
	}
	if got := strings.Count(logs.String(), "refusing live patch"); got != 1 {
		t.Errorf("refusal logged %d times, want once:\n%s", got, logs.String())
	}
	if !strings.Contains(logs.String(), "live patch applies again") {
		t.Errorf("the end of the refusal is not logged:\n%s", logs.String())
	}
	// Refused again, then repaired: f0's depends_on back to the spec's.
	if _, err := backend.Apply(ctx, store.Change{Actor: "rogue", Flags: map[string]json.RawMessage{"f0": json.RawMessage(`{"depends_on": ["f1"]}`)}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return refusedFlags(c)["f0"] != nil })
	if err := c.Change(ctx, Edit{Actor: "ops", Reason: "repair", Revert: map[string][]string{"f0": {"depends_on"}}}); err != nil {
		t.Fatalf("the repair: %v", err)
	}
	if c.Health() != nil {
		t.Fatalf("Health after the repair = %v", c.Health())
	}
	// A fresh instance agrees with the running one.
	fresh := newClient(t, mustLoadSpec("flags.json", []byte(refusedNewSpec)), WithStore(backend))
	if a, b := evalAll(c), evalAll(fresh); !mapsEqual(a, b) {
		t.Fatalf("running instance %v, fresh one %v", a, b)
	}
}

func mapsEqual(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestBadPatchAffectsItsFlagOnly: a patch that does not decode (written
// behind the runtime's back) refuses that flag alone: it serves the spec's
// definition, its kill switch held, and running and fresh instances agree.
// A cycle written by hand refuses the flags whose live dependency closes
// it, and unrelated writes still succeed.
func TestBadPatchAffectsItsFlagOnly(t *testing.T) {
	ctx := context.Background()
	s := mustLoadSpec("flags.json", []byte(refusedOldSpec))
	backend := memstore.New()
	c := newClient(t, s, WithStore(backend))
	if err := c.Change(ctx, Edit{Actor: "ops", Flags: map[string]json.RawMessage{
		"f0": json.RawMessage(`{"active": false}`), "f1": json.RawMessage(`{"active": false}`)}}); err != nil {
		t.Fatal(err)
	}
	// Another writer bypasses validation.
	if _, err := backend.Apply(ctx, store.Change{Actor: "rogue", Flags: map[string]json.RawMessage{
		"f0": json.RawMessage(`{"percentage_rollout": "lots"}`),
		"f1": json.RawMessage(`{"percentage_rollout": "lots", "active": false}`),
		"f2": json.RawMessage(`{"depends_on": ["f3"]}`),
		"f3": json.RawMessage(`{"depends_on": ["f2"]}`),
	}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return len(refusedFlags(c)) == 4 })
	want := map[string]any{"f0": true, "f1": false, "f2": true, "f3": true}
	if v := evalAll(c); !mapsEqual(v, want) {
		t.Fatalf("values %v, want %v (the spec's, f1's kill switch held)", v, want)
	}
	fresh := newClient(t, s, WithStore(backend))
	if v := evalAll(fresh); !mapsEqual(v, want) {
		t.Fatalf("a fresh instance: %v, want %v", v, want)
	}
	// An unrelated write succeeds; a write merging into the bad patch
	// says the stored patch is at fault; reverting the bad field repairs.
	if _, err := backend.Apply(ctx, store.Change{Actor: "rogue", Flags: map[string]json.RawMessage{"f3": json.RawMessage(`{}`)}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return len(refusedFlags(c)) == 2 })
	if err := c.Set(ctx, "f3", json.RawMessage(`{"active": false}`), "ops", ""); err != nil {
		t.Fatalf("a write to an unrelated flag: %v", err)
	}
	err := c.Set(ctx, "f0", json.RawMessage(`{"active": true}`), "ops", "")
	if err == nil || !strings.Contains(err.Error(), "stored live patch is refused already") {
		t.Fatalf("a write merging into a refused patch: %v", err)
	}
	// A kill switch goes through, dropping the stored fields at fault.
	if err := c.Set(ctx, "f0", json.RawMessage(`{"active": false}`), "ops", "incident"); err != nil {
		t.Fatalf("a kill switch over a refused patch: %v", err)
	}
	if evalAll(c)["f0"] != false || refusedFlags(c)["f0"] != nil {
		t.Fatalf("after the kill switch: f0 %v, refused %v", evalAll(c)["f0"], refusedFlags(c))
	}
	if err := c.Change(ctx, Edit{Actor: "ops", Revert: map[string][]string{"f0": {"percentage_rollout"}, "f1": {"percentage_rollout"}}}); err != nil {
		t.Fatalf("the repair: %v", err)
	}
	if c.Health() != nil || evalAll(c)["f1"] != false || evalAll(c)["f3"] != false {
		t.Fatalf("after the repair: Health %v, values %v", c.Health(), evalAll(c))
	}
}

// TestMonitorTripsOverRefusedPatch: a monitor's trip, like an operator's
// kill switch, needs no repair of a stored patch refused for a bad field
// (the field at fault dropped) or refused as a whole (not a patch object:
// replaced); the audit trail keeps what was dropped.
func TestMonitorTripsOverRefusedPatch(t *testing.T) {
	for _, stored := range []string{`{"percentage_rollout": "lots"}`, `["x"]`, `"on"`, `7`} {
		t.Run(stored, func(t *testing.T) {
			ctx := context.Background()
			s := mustLoadSpec("flags.json", []byte(`{"flags": {"checkout": {"active": true, "error_threshold": 5}, "banner": {"active": true}}}`))
			backend := memstore.New()
			c := newClient(t, s, WithStore(backend))
			if _, err := backend.Apply(ctx, store.Change{Actor: "rogue", Flags: map[string]json.RawMessage{
				"checkout": json.RawMessage(stored)}}); err != nil {
				t.Fatal(err)
			}
			waitFor(t, func() bool { return refusedFlags(c)["checkout"] != nil })
			for range 10 {
				c.ReportError(newFlag[bool](s, s.byName["checkout"], "checkout"))
			}
			if err := c.Flush(ctx); err != nil {
				t.Fatalf("Flush: %v", err)
			}
			if v := evalAll(c)["checkout"]; v != false {
				t.Fatalf("checkout = %v after 10 errors over error_threshold 5, want tripped", v)
			}
			if a, err := backend.Audit(ctx, "checkout", 1); err != nil || len(a) != 1 || string(a[0].Before["checkout"]) != stored {
				t.Fatalf("audit of the trip: %+v, %v", a, err)
			}
		})
	}
}
