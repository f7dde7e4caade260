package openfeature

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"testing"

	of "github.com/open-feature/go-sdk/openfeature"

	"github.com/flaggen/flaggen/generated/demo"
	"github.com/flaggen/flaggen/internal/bridge"
	"github.com/flaggen/flaggen/internal/demotest"
	"github.com/flaggen/flaggen/runtime"
)

// randomContext returns a generated Context with values that hit and miss
// the demo's targeting (enum attributes within their enums or absent: the
// provider refuses an undeclared value, where the generated Context makes
// it absent), and the same context as an app would give it to OpenFeature.
// Every tenth context is empty.
func randomContext(r *rand.Rand) (*demo.Context, of.EvaluationContext) {
	pick := func(xs ...any) any { return xs[r.IntN(len(xs))] }
	if r.IntN(10) == 0 {
		return &demo.Context{}, of.EvaluationContext{}
	}
	c := &demo.Context{
		UserID:      int64(pick(0, 123, 456, 789, 1, 42).(int) + r.IntN(5000)*pick(0, 1).(int)),
		Region:      pick("US", "RO", "DE", "").(string),
		AccountType: pick(demo.AccountType(0), demo.AccountTypeFree, demo.AccountTypePremium, demo.AccountTypeEnterprise).(demo.AccountType),
		BetaProgram: pick(true, false).(bool),
		Device:      pick(demo.DeviceIos, demo.DeviceAndroid, demo.DeviceWeb).(demo.Device),
		AppVersion:  pick("2.2.9", "2.3.0", "2.4.1", "10.0.0", "").(string),
		SignupDate:  pick("2023-01-01", "2025-06-30").(string),
		CartTotal:   pick(0.0, 10.5, 49.99, 50.0, 120.0).(float64),
	}
	attrs := map[string]any{"region": c.Region, "beta_program": c.BetaProgram,
		"device": c.Device.String(), "app_version": c.AppVersion, "signup_date": c.SignupDate, "cart_total": c.CartTotal}
	if c.AccountType != 0 { // the zero value is absent
		attrs["account_type"] = c.AccountType.String()
	}
	// Go types an app may well use: a whole cart total as an int, the
	// key attribute by its own name.
	if c.CartTotal == float64(int(c.CartTotal)) && r.IntN(2) == 0 {
		attrs["cart_total"] = int(c.CartTotal)
	}
	key := ""
	if c.UserID != 0 {
		key = strconv.FormatInt(c.UserID, 10)
		if r.IntN(3) == 0 {
			attrs["user_id"] = c.UserID
			if r.IntN(2) == 0 {
				key = ""
			}
		}
	}
	return c, of.NewEvaluationContext(key, attrs)
}

// typeOf is the SDK evaluation for each demo flag's value.
func typeOf(v any) string {
	switch v.(type) {
	case bool:
		return "bool"
	case string:
		return "string"
	case int64:
		return "int"
	}
	return "float"
}

// wantReason is the reason an explanation's step maps to (the package doc).
func wantReason(e runtime.Explanation, constant bool) of.Reason {
	switch e.Step {
	case "pinned":
		return of.StaticReason
	case "active", "activation_date", "environments", "tripped":
		return of.DisabledReason
	case "users", "empty_context":
		return of.TargetingMatchReason
	case "targeting":
		if constant {
			return of.StaticReason
		}
		return of.TargetingMatchReason
	case "rollout", "variants":
		return of.SplitReason
	}
	return of.DefaultReason
}

// TestDifferential evaluates random contexts through the SDK's client and
// checks every flag's value against the generated accessor's, and its
// reason against the cascade's deciding step (Flags.Explain).
func TestDifferential(t *testing.T) {
	t.Parallel()
	f := demoFlags(t)
	// Live state too: a rollout changed live.
	if err := f.Runtime().Set(context.Background(), "advanced_search", json.RawMessage(`{"percentage_rollout":50}`), "test", "differential"); err != nil {
		t.Fatal(err)
	}
	cl, _ := sdkClient(t, f.Runtime())
	names := f.Runtime().Spec().FlagNames()
	r := rand.New(rand.NewPCG(3, 4))
	seen := map[string]bool{}
	for range 400 {
		gc, ec := randomContext(r)
		for i, name := range names {
			want := demotest.Accessor(f, name, gc)
			got, _ := evaluate(t, cl, typeOf(want), name, ec)
			if got.code == of.TargetingKeyMissingCode {
				if gc.UserID != 0 {
					t.Errorf("%s %+v: TARGETING_KEY_MISSING with user id %d", name, ec, gc.UserID)
				}
				seen[string(got.code)] = true
				continue
			}
			if got.code != "" {
				t.Fatalf("%s %+v: %v", name, ec, got)
			}
			if got.value != want {
				t.Errorf("%s %+v: OpenFeature %v (%v), accessor %v", name, ec, got.value, got, want)
			}
			e := f.Explain(context.Background(), handles[name], gc)
			var vals []runtime.Value // Decide's Const, through the same context
			if *gc != (demo.Context{}) {
				vals = demoValues(gc)
			}
			if w := wantReason(e, bridge.EvaluatorOf[runtime.Value](f.Runtime()).Decide(i, vals).Const); got.reason != w {
				t.Errorf("%s %+v: reason %s, want %s for %v", name, ec, got.reason, w, e)
			}
			seen[string(got.reason)] = true
		}
	}
	for _, r := range []string{"STATIC", "TARGETING_MATCH", "SPLIT", "DISABLED", "DEFAULT", "TARGETING_KEY_MISSING"} {
		if !seen[r] {
			t.Errorf("no evaluation answered %s", r)
		}
	}
}

// handles are the demo flags' handles by name.
var handles = map[string]runtime.Handle{
	"advanced_search": demo.AdvancedSearch, "checkout_button": demo.CheckoutButton, "discount_rate": demo.DiscountRate,
	"legacy_export": demo.LegacyExport, "maintenance_mode": demo.MaintenanceMode, "max_results": demo.MaxResults,
	"native_share": demo.NativeShare, "new_ui": demo.NewUI, "search_engine": demo.SearchEngine,
}

// demoValues is c's attribute values, as the generated code makes them.
func demoValues(c *demo.Context) []runtime.Value {
	v := []runtime.Value{{}, runtime.String(c.Region), {}, runtime.Bool(c.BetaProgram),
		{}, runtime.String(c.AppVersion), runtime.String(c.SignupDate), runtime.Float(c.CartTotal)}
	if c.UserID != 0 {
		v[0] = runtime.Int(c.UserID)
	}
	if c.AccountType.Valid() {
		v[2] = runtime.String(c.AccountType.String())
	}
	if c.Device.Valid() {
		v[4] = runtime.String(c.Device.String())
	}
	return v
}

// demoContext is BenchmarkEvaluate's context as a generated Context.
func demoContext() *demo.Context {
	return &demo.Context{UserID: 4242, Region: "US", AccountType: demo.AccountTypePremium, BetaProgram: true}
}
