package runtime

import (
	"context"
	"testing"
)

// TestHooksEvaluateAll checks that EvaluateAll runs the hooks once per
// flag, in index order, with the ctx passed, and that a Client with hooks
// binds every bool state as dynamic.
func TestHooksEvaluateAll(t *testing.T) {
	m := handModel(t, map[string]map[string]any{
		"a": {"active": true},
		"b": {"active": false},
	})
	type key struct{}
	var seen []Evaluation
	c := newTestClient(t, m, WithHook(HookFunc(func(ctx context.Context, e Evaluation) {
		if ctx.Value(key{}) != "x" {
			t.Errorf("%s: hook's ctx is not the one passed", e.Flag)
		}
		seen = append(seen, e)
	})))
	ctx := context.WithValue(context.Background(), key{}, "x")
	c.EvaluateAll(ctx, nil)
	if len(seen) != 2 {
		t.Fatalf("hooks saw %d evaluations, want 2", len(seen))
	}
	for i, want := range []Evaluation{
		{Flag: "a", Index: 0, Value: Bool(true), Variant: "on", Reason: "STATIC", Step: "targeting"},
		{Flag: "b", Index: 1, Value: Bool(false), Variant: "off", Reason: "DISABLED", Step: "active"},
	} {
		if got := seen[i]; got != want {
			t.Errorf("evaluation %d = %+v, want %+v", i, got, want)
		}
	}
	states := make([]uint32, 2)
	c.bindBoolStates(states)
	for i, st := range states {
		if st != 0 {
			t.Errorf("state %d = %d with hooks, want StateDynamic (0)", i, st)
		}
	}
}
