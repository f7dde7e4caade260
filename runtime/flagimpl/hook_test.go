package flagimpl_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/flagimpl"
)

// TestEvaluatorHooks checks the Evaluator of a Client with a hook: the
// Const methods report nothing, every Eval method runs the hook with its
// ctx and returns the value the hook saw, and the methods of older
// generated code (Bool, String, Int, Float) run it with
// context.Background().
func TestEvaluatorHooks(t *testing.T) {
	type key struct{}
	var seen []runtime.Evaluation
	var marks []any
	s := flagimpl.MustLoadSpec("flags.json", []byte(testSpec))
	c, err := runtime.NewClient(s, runtime.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))),
		runtime.WithHook(runtime.HookFunc(func(ctx context.Context, e runtime.Evaluation) {
			seen = append(seen, e)
			marks = append(marks, ctx.Value(key{}))
		})))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	states := make([]uint32, len(s.FlagNames()))
	e := flagimpl.Bind(c, states)
	kill, eng, max, rate := index(t, s, "kill"), index(t, s, "engine"), index(t, s, "max"), index(t, s, "rate")
	if _, ok := e.ConstBool(kill); ok {
		t.Error("ConstBool reports a constant with a hook")
	}
	if _, ok := e.ConstString(eng); ok {
		t.Error("ConstString reports a constant with a hook")
	}
	if _, ok := e.ConstInt(max); ok {
		t.Error("ConstInt reports a constant with a hook")
	}
	if _, ok := e.ConstFloat(rate); ok {
		t.Error("ConstFloat reports a constant with a hook")
	}
	if states[kill] != flagimpl.StateDynamic {
		t.Errorf("bound state of kill = %d with a hook, want StateDynamic", states[kill])
	}
	ctx := context.WithValue(context.Background(), key{}, "mine")
	us := []flagimpl.Value{{}, flagimpl.String("US")}
	got := []any{
		e.EvalBool(ctx, kill, nil), e.EvalString(ctx, eng, nil), e.EvalInt(ctx, max, nil), e.EvalFloat(ctx, rate, us),
		e.Bool(kill, nil), e.String(eng, nil), e.Int(max, nil), e.Float(rate, us),
	}
	want := []any{true, "classic", int64(10), 0.5, true, "classic", int64(10), 0.5}
	if len(seen) != len(want) {
		t.Fatalf("hook saw %d evaluations, want %d", len(seen), len(want))
	}
	for i := range want {
		if got[i] != want[i] || seen[i].Value.Any() != want[i] {
			t.Errorf("evaluation %d: returned %#v, hook saw %#v, want %#v", i, got[i], seen[i].Value.Any(), want[i])
		}
		if wantMark := map[bool]any{true: "mine", false: nil}[i < 4]; marks[i] != wantMark {
			t.Errorf("evaluation %d: hook's ctx mark %v, want %v", i, marks[i], wantMark)
		}
	}
}
