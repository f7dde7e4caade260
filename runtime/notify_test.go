package runtime

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"testing/synctest"
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

// TestOnChangeActivationDate: an activation date passing changes the
// flag's answers, so OnChange names the flag once the Client evaluates it
// on; a flag whose date has not come is not named. On synctest's fake
// clock, which starts at 2000-01-01 UTC.
func TestOnChangeActivationDate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := mustLoadSpec("flags.json", []byte(`{"flags": {
			"launch": {"active": true, "activation_date": "2000-01-01T00:00:05Z"},
			"later": {"active": true, "activation_date": "2000-01-02T00:00:00Z"},
			"always": {"active": true}}}`))
		c := newClient(t, s)
		launch := s.byName["launch"]
		if c.evalBool(launch, nil) {
			t.Fatal("launch on before its date")
		}
		got := make(chan []string, 10)
		stop := c.OnChange(func(changed []string) {
			if !c.evalBool(launch, nil) {
				t.Errorf("OnChange(%v) before the Client evaluates launch on", changed)
			}
			got <- changed
		})
		defer stop()
		// The receive blocks the bubble, whose clock then jumps to the
		// next timer: launch's date.
		select {
		case names := <-got:
			if !slices.Equal(names, []string{"launch"}) {
				t.Errorf("changed = %v, want [launch]", names)
			}
		case <-time.After(time.Hour):
			t.Fatal("no OnChange call within an hour of the fake clock after launch's date")
		}
		if d := time.Since(time.Date(2000, 1, 1, 0, 0, 5, 0, time.UTC)); d < 0 {
			t.Errorf("called %v before the date", -d)
		}
	})
}
