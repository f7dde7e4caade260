package runtime

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/flaggen/flaggen/runtime/memstore"
)

// TestOnChange: a write through another Client sharing the store reaches a
// listener with the changed flag's name, after the Client evaluates with
// it; unchanged reloads and pins are not reported; stop and Close end it.
func TestOnChange(t *testing.T) {
	s := loadTestSpec(t, "../testdata/seed/flags.json")
	backend := memstore.New()
	t.Cleanup(func() { backend.Close() })
	c := newClient(t, s, WithStore(backend))
	other := newClient(t, s, WithStore(backend))
	ctx := context.Background()
	newUI := s.m.Flag("new_ui").Index

	got := make(chan []string, 10)
	stop := c.OnChange(func(changed []string) {
		if c.evalBool(newUI, nil) {
			t.Errorf("OnChange(%v) called before the Client evaluates new_ui off", changed)
		}
		got <- changed
	})
	recv := func() []string {
		t.Helper()
		select {
		case names := <-got:
			return names
		case <-time.After(3 * time.Second):
			t.Fatal("no OnChange call within 3s")
			return nil
		}
	}
	if err := other.Set(ctx, "new_ui", json.RawMessage(`{"active":false}`), "ops", "kill"); err != nil {
		t.Fatal(err)
	}
	if names := recv(); !slices.Equal(names, []string{"new_ui"}) {
		t.Errorf("changed = %v, want [new_ui] (advanced_search changes only through depends_on)", names)
	}

	// A write that changes nothing (same patch again) and a pin are silent.
	if err := other.Set(ctx, "new_ui", json.RawMessage(`{"active":false}`), "ops", "again"); err != nil {
		t.Fatal(err)
	}
	ToggleNameAs(t, c, "advanced_search", true)
	if err := other.Set(ctx, "advanced_search", json.RawMessage(`{"percentage_rollout":10}`), "ops", "narrow"); err != nil {
		t.Fatal(err)
	}
	if names := recv(); !slices.Equal(names, []string{"advanced_search"}) {
		t.Errorf("changed = %v, want [advanced_search] only", names)
	}

	stop()
	stop() // idempotent
	if err := other.Set(ctx, "new_ui", json.RawMessage(`{"active":true}`), "ops", "back"); err != nil {
		t.Fatal(err)
	}
	select {
	case names := <-got:
		t.Errorf("OnChange called after stop: %v", names)
	case <-time.After(100 * time.Millisecond):
	}

	c.Close()
	if s := c.OnChange(func([]string) { t.Error("called after Close") }); s == nil {
		t.Error("OnChange after Close returned a nil stop func")
	}
}
