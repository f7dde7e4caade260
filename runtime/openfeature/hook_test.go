package openfeature

import (
	"context"
	"sync"
	"testing"

	of "github.com/open-feature/go-sdk/openfeature"

	"github.com/flaggen/flaggen/runtime"
)

// hookKey marks the ctx an app passes to the SDK, for hooks to find.
type hookKey struct{}

// TestHooksSeeProvider checks that the Client's hooks see each evaluation
// through the SDK once, with the ctx the app passed and the flag, variant
// and reason the SDK answered; none for an evaluation refused before the
// cascade ran (unknown flag, type mismatch, invalid context), and ERROR
// without a variant for TARGETING_KEY_MISSING.
func TestHooksSeeProvider(t *testing.T) {
	t.Parallel()
	var (
		mu   sync.Mutex
		seen []runtime.Evaluation
		ctxs []any
	)
	f := demoFlags(t, runtime.WithHook(runtime.HookFunc(func(ctx context.Context, e runtime.Evaluation) {
		mu.Lock()
		defer mu.Unlock()
		seen, ctxs = append(seen, e), append(ctxs, ctx.Value(hookKey{}))
	})))
	cl, _ := sdkClient(t, f.Runtime())
	take := func() ([]runtime.Evaluation, []any) {
		mu.Lock()
		defer mu.Unlock()
		s, c := seen, ctxs
		seen, ctxs = nil, nil
		return s, c
	}
	user := func(key string, attrs map[string]any) of.EvaluationContext {
		return of.NewEvaluationContext(key, attrs)
	}
	for n, c := range []struct {
		typ, flag string
		ec        of.EvaluationContext
		hooked    bool // the cascade ran
	}{
		{"bool", "new_ui", user("123", nil), true},
		{"bool", "new_ui", user("4242", map[string]any{"region": "DE", "account_type": "premium", "beta_program": true}), true},
		{"bool", "maintenance_mode", user("1", nil), true},
		{"string", "checkout_button", user("42", nil), true},
		{"string", "search_engine", user("42", map[string]any{"device": "web"}), true},
		{"int", "max_results", user("7", nil), true},
		{"float", "discount_rate", user("7", map[string]any{"account_type": "premium", "cart_total": 60}), true},
		{"bool", "new_ui", user("", map[string]any{"region": "US", "account_type": "premium", "beta_program": true}), true}, // TARGETING_KEY_MISSING
		{"bool", "new_uii", user("1", nil), false},
		{"bool", "checkout_button", user("1", nil), false},
		{"object", "new_ui", user("1", nil), false},
		{"bool", "new_ui", user("1", map[string]any{"region": 7}), false},
	} {
		ctx := context.WithValue(context.Background(), hookKey{}, n)
		var d of.InterfaceEvaluationDetails
		switch c.typ {
		case "bool":
			x, _ := cl.BooleanValueDetails(ctx, c.flag, false, c.ec)
			d.Value, d.EvaluationDetails = x.Value, x.EvaluationDetails
		case "string":
			x, _ := cl.StringValueDetails(ctx, c.flag, "", c.ec)
			d.Value, d.EvaluationDetails = x.Value, x.EvaluationDetails
		case "int":
			x, _ := cl.IntValueDetails(ctx, c.flag, 0, c.ec)
			d.Value, d.EvaluationDetails = x.Value, x.EvaluationDetails
		case "float":
			x, _ := cl.FloatValueDetails(ctx, c.flag, 0, c.ec)
			d.Value, d.EvaluationDetails = x.Value, x.EvaluationDetails
		case "object":
			d, _ = cl.ObjectValueDetails(ctx, c.flag, nil, c.ec)
		}
		got, gotCtx := take()
		if !c.hooked {
			if len(got) != 0 {
				t.Errorf("%s %s %v (%s): hooks saw %+v, want none", c.typ, c.flag, c.ec, d.ErrorCode, got)
			}
			continue
		}
		if len(got) != 1 {
			t.Errorf("%s %s %v: hooks saw %d evaluations, want 1", c.typ, c.flag, c.ec, len(got))
			continue
		}
		if gotCtx[0] != n {
			t.Errorf("%s %s %v: hook's ctx is not the one passed to the SDK", c.typ, c.flag, c.ec)
		}
		e := got[0]
		if e.Flag != c.flag || e.Reason != string(d.Reason) || e.Variant != d.Variant {
			t.Errorf("%s %s %v: hook saw %s %s %q, SDK answered %s %q", c.typ, c.flag, c.ec, e.Flag, e.Reason, e.Variant, d.Reason, d.Variant)
		}
		if d.ErrorCode == "" && e.Value.Any() != d.Value {
			t.Errorf("%s %s %v: hook's value %v, SDK's %v", c.typ, c.flag, c.ec, e.Value.Any(), d.Value)
		}
	}
}
