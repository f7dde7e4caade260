package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/flaggen/flaggen/runtime/memstore"
	"github.com/flaggen/flaggen/runtime/store"
)

// TestUpdateRecomputesAfterConflict: when another writer changes the live
// state between Update's read and its write, fn runs again over the new
// state and the edit it then returns is the one written: nothing computed
// from the old state overwrites the other writer's change.
func TestUpdateRecomputesAfterConflict(t *testing.T) {
	mem := memstore.New()
	c := newTestClient(t, seedModel(t), WithStore(mem))
	ctx := context.Background()
	var seen []string // new_ui's stored patch as each call of fn saw it
	wrote, err := c.Update(ctx, func(st store.State) (Edit, error) {
		seen = append(seen, string(st.Flags["new_ui"]))
		if len(seen) == 1 { // another writer gets in first
			if _, err := mem.Apply(ctx, store.Change{IfVersion: st.Version, IfEpoch: st.Epoch, Actor: "other",
				Flags: map[string]json.RawMessage{"new_ui": json.RawMessage(`{"percentage_rollout":10}`)}}); err != nil {
				t.Fatal(err)
			}
		}
		// Double the stored rollout (10 → 20), replacing the patch.
		next := `{}`
		if string(st.Flags["new_ui"]) == `{"percentage_rollout":10}` {
			next = `{"percentage_rollout":20}`
		}
		return Edit{Actor: "t", Replace: true, Flags: map[string]json.RawMessage{"new_ui": json.RawMessage(next)}}, nil
	})
	if err != nil || !wrote {
		t.Fatalf("Update = %v, %v; want true, nil", wrote, err)
	}
	if len(seen) != 2 || seen[1] != `{"percentage_rollout":10}` {
		t.Errorf("fn saw %q; want a second call over the other writer's state", seen)
	}
	st, err := mem.Load(ctx)
	if err != nil || string(st.Flags["new_ui"]) != `{"percentage_rollout":20}` {
		t.Errorf("stored %s, %v; want the edit computed over the newer state", st.Flags["new_ui"], err)
	}
}

// TestUpdateNothingToWrite: an empty Edit writes nothing, an error from fn
// is returned as is, and an edit Change would refuse is refused.
func TestUpdateNothingToWrite(t *testing.T) {
	mem := memstore.New()
	c := newTestClient(t, seedModel(t), WithStore(mem))
	ctx := context.Background()
	before, err := mem.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if wrote, err := c.Update(ctx, func(store.State) (Edit, error) { return Edit{}, nil }); wrote || err != nil {
		t.Errorf("empty edit: %v, %v; want false, nil", wrote, err)
	}
	stop := errors.New("stop")
	if wrote, err := c.Update(ctx, func(store.State) (Edit, error) { return Edit{}, stop }); wrote || err != stop {
		t.Errorf("fn error: %v, %v; want false, stop", wrote, err)
	}
	for name, e := range map[string]Edit{
		"no actor":     {Flags: map[string]json.RawMessage{"new_ui": json.RawMessage(`{}`)}},
		"unknown flag": {Actor: "t", Flags: map[string]json.RawMessage{"nope": json.RawMessage(`{}`)}},
		"bad value":    {Actor: "t", Flags: map[string]json.RawMessage{"new_ui": json.RawMessage(`{"percentage_rollout":500}`)}},
	} {
		if wrote, err := c.Update(ctx, func(store.State) (Edit, error) { return e, nil }); wrote || err == nil {
			t.Errorf("%s: %v, %v; want refused", name, wrote, err)
		}
	}
	after, err := mem.Load(ctx)
	if err != nil || after.Version != before.Version {
		t.Errorf("version %d → %d (%v): something was written", before.Version, after.Version, err)
	}
}
