package runtime

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/flaggen/flaggen/runtime/memstore"
	"github.com/flaggen/flaggen/runtime/store"
)

// TestReloadDecodesOnlyChanges: the decoded-patch cache makes a reload
// after one change decode that flag's patch alone, and reuses the other
// flags' decoded patches as they were.
func TestReloadDecodesOnlyChanges(t *testing.T) {
	s := loadTestSpec(t, "../testdata/seed/flags.json")
	backend := memstore.New()
	c := newClient(t, s, WithStore(backend))
	ctx := context.Background()
	if err := c.Set(ctx, "new_ui", json.RawMessage(`{"percentage_rollout": 50}`), "ops", ""); err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	cache := c.lcache.Clone()
	c.mu.Unlock()
	st, _ := backend.Load(ctx)
	before, _, fresh := cache.Clone().Decode(s.m, st.Flags)
	if len(fresh) != 0 {
		t.Fatalf("current state decoded again: %v", fresh)
	}
	if _, err := backend.Apply(ctx, store.Change{Actor: "ops", Flags: map[string]json.RawMessage{"advanced_search": json.RawMessage(`{"active": false}`)}}); err != nil {
		t.Fatal(err)
	}
	st, _ = backend.Load(ctx)
	decoded, _, fresh := cache.Decode(s.m, st.Flags)
	if !slices.Equal(fresh, []string{"advanced_search"}) {
		t.Fatalf("decoded %v after one change, want [advanced_search]", fresh)
	}
	if decoded["new_ui"] != before["new_ui"] {
		t.Error("an unchanged flag's patch was not reused")
	}
}
