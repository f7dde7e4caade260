package openfeature

import (
	"context"
	"fmt"
	"strings"
	"testing"

	of "github.com/open-feature/go-sdk/openfeature"

	"github.com/flaggen/flaggen/generated/demo"
	"github.com/flaggen/flaggen/runtime"
)

// detail is what a test checks of an evaluation's details.
type detail struct {
	value   any
	reason  of.Reason
	variant string
	code    of.ErrorCode
	msg     string // a part of the error message
}

// evaluate evaluates flag as type typ through the SDK client.
func evaluate(t *testing.T, cl *of.Client, typ, flag string, ec of.EvaluationContext) (detail, of.FlagMetadata) {
	t.Helper()
	ctx := context.Background()
	var d of.InterfaceEvaluationDetails
	switch typ {
	case "bool":
		x, _ := cl.BooleanValueDetails(ctx, flag, false, ec)
		d.Value, d.EvaluationDetails = x.Value, x.EvaluationDetails
	case "string":
		x, _ := cl.StringValueDetails(ctx, flag, "dflt", ec)
		d.Value, d.EvaluationDetails = x.Value, x.EvaluationDetails
	case "int":
		x, _ := cl.IntValueDetails(ctx, flag, -1, ec)
		d.Value, d.EvaluationDetails = x.Value, x.EvaluationDetails
	case "float":
		x, _ := cl.FloatValueDetails(ctx, flag, -1, ec)
		d.Value, d.EvaluationDetails = x.Value, x.EvaluationDetails
	case "object":
		d, _ = cl.ObjectValueDetails(ctx, flag, "obj", ec)
	default:
		t.Fatalf("type %s", typ)
	}
	return detail{d.Value, d.Reason, d.Variant, d.ErrorCode, d.ErrorMessage}, d.FlagMetadata
}

// TestEvaluate evaluates the demo flags through the SDK's client: values,
// reasons, variants and error codes.
func TestEvaluate(t *testing.T) {
	t.Parallel()
	f := demoFlags(t)
	cl, _ := sdkClient(t, f.Runtime())
	user := func(key string, attrs map[string]any) of.EvaluationContext {
		return of.NewEvaluationContext(key, attrs)
	}
	premium := map[string]any{"region": "US", "account_type": "premium", "beta_program": true}
	for _, c := range []struct {
		typ, flag string
		ec        of.EvaluationContext
		want      detail
	}{
		{"bool", "new_ui", user("123", nil), detail{true, of.TargetingMatchReason, "on", "", ""}},
		{"bool", "new_ui", of.EvaluationContext{}, detail{true, of.TargetingMatchReason, "on", "", ""}},
		{"bool", "new_ui", user("4242", map[string]any{"region": "DE", "account_type": "premium", "beta_program": true}), detail{false, of.DefaultReason, "off", "", ""}},
		{"bool", "new_ui", user("4242", map[string]any{"region": "US", "account_type": "free", "beta_program": true, "user_id": 4242}), detail{false, of.DefaultReason, "off", "", ""}},
		{"bool", "maintenance_mode", user("1", nil), detail{false, of.DisabledReason, "off", "", ""}},
		{"string", "checkout_button", user("42", nil), detail{"green", of.SplitReason, "green", "", ""}},
		{"string", "search_engine", user("42", map[string]any{"device": "web"}), detail{"classic", of.SplitReason, "classic", "", ""}},
		{"string", "search_engine", user("42", map[string]any{"region": "US"}), detail{"classic", of.DefaultReason, "classic", "", ""}},
		{"int", "max_results", user("7", nil), detail{int64(50), of.SplitReason, "many", "", ""}},
		{"float", "discount_rate", user("7", map[string]any{"account_type": "premium", "cart_total": 60}), detail{0.1, of.SplitReason, "some", "", ""}},
		{"float", "discount_rate", user("7", map[string]any{"account_type": "free", "cart_total": 60.0}), detail{0.0, of.DefaultReason, "none", "", ""}},
		// Errors: the default value, reason ERROR and a code.
		{"bool", "new_uii", user("1", nil), detail{false, of.ErrorReason, "", of.FlagNotFoundCode, `"new_uii" is not in the spec (did you mean new_ui?)`}},
		{"bool", "checkout_button", user("1", nil), detail{false, of.ErrorReason, "", of.TypeMismatchCode, `flag "checkout_button" has type string: evaluate it as string, not boolean`}},
		{"float", "max_results", user("1", nil), detail{-1.0, of.ErrorReason, "", of.TypeMismatchCode, "evaluate it as int, not float"}},
		{"object", "new_ui", user("1", nil), detail{"obj", of.ErrorReason, "", of.TypeMismatchCode, "evaluate it as boolean, not object"}},
		{"object", "nope", user("1", nil), detail{"obj", of.ErrorReason, "", of.FlagNotFoundCode, `"nope"`}},
		{"bool", "new_ui", user("1", map[string]any{"region": 7, "planet": "mars"}), detail{false, of.ErrorReason, "", of.InvalidContextCode,
			`context: region: want a string, got a number; context: undeclared attribute "planet"`}},
		{"bool", "new_ui", user("abc", nil), detail{false, of.ErrorReason, "", of.InvalidContextCode, `targetingKey: want a decimal integer (the key attribute user_id is an int), got "abc"`}},
		{"bool", "new_ui", user("5", map[string]any{"user_id": 6}), detail{false, of.ErrorReason, "", of.InvalidContextCode, "targetingKey 5 and user_id 6 differ"}},
		{"bool", "new_ui", user("", map[string]any{"account_type": "gold"}), detail{false, of.ErrorReason, "", of.InvalidContextCode, `"gold" is not one of`}},
		{"bool", "new_ui", user("", premium), detail{false, of.ErrorReason, "", of.TargetingKeyMissingCode, "needs targetingKey (the key attribute user_id)"}},
		{"string", "checkout_button", user("", map[string]any{"region": "US"}), detail{"dflt", of.ErrorReason, "", of.TargetingKeyMissingCode, "targetingKey"}},
	} {
		got, _ := evaluate(t, cl, c.typ, c.flag, c.ec)
		msg := got.msg
		got.msg = ""
		want := c.want
		want.msg = ""
		if fmt.Sprint(got) != fmt.Sprint(want) || !strings.Contains(msg, c.want.msg) {
			t.Errorf("%s %s %v: got %v %q, want %v %q", c.typ, c.flag, c.ec, got, msg, want, c.want.msg)
		}
	}
}

// TestPinned checks that a test pin answers STATIC without a variant.
func TestPinned(t *testing.T) {
	t.Parallel()
	f := demoFlags(t)
	cl, _ := sdkClient(t, f.Runtime())
	runtime.ToggleAs(t, f, demo.NewUI, false)
	got, _ := evaluate(t, cl, "bool", "new_ui", of.NewEvaluationContext("123", nil))
	if want := (detail{false, of.StaticReason, "", "", ""}); got != want {
		t.Errorf("pinned: %v, want %v", got, want)
	}
	got, _ = evaluate(t, cl, "bool", "legacy_export", of.EvaluationContext{})
	if want := (detail{true, of.StaticReason, "on", "", ""}); got != want {
		t.Errorf("constant flag: %v, want %v", got, want)
	}
}

// TestMetadata checks the flag metadata taken from the spec.
func TestMetadata(t *testing.T) {
	t.Parallel()
	f := demoFlags(t)
	cl, _ := sdkClient(t, f.Runtime())
	for flag, want := range map[string]string{
		"new_ui":           `map[description:New and improved UI with advanced features. kind:release owner:UI Team]`,
		"legacy_export":    `map[description:CSV export from the old reporting service. expired:true expires:2024-06-30 kind:ops owner:Data Team]`,
		"maintenance_mode": `map[description:Serve the maintenance page to everyone. kind:kill_switch owner:SRE]`,
	} {
		_, md := evaluate(t, cl, "bool", flag, of.NewEvaluationContext("1", nil))
		if got := fmt.Sprint(md); got != want {
			t.Errorf("%s: metadata %s, want %s", flag, got, want)
		}
	}
	// On errors too, for a flag of the spec.
	_, md := evaluate(t, cl, "string", "checkout_button", of.EvaluationContext{})
	if md["owner"] != "Checkout Team" || md["kind"] != "experiment" || md["expires"] != "2099-12-31" || md["expired"] != false {
		t.Errorf("checkout_button metadata %v", md)
	}
	_, md = evaluate(t, cl, "string", "new_ui", of.EvaluationContext{})
	if md["owner"] != "UI Team" {
		t.Errorf("new_ui metadata on TYPE_MISMATCH: %v", md)
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	if _, err := New(nil); err == nil {
		t.Error("New(nil) did not fail")
	}
	f := demoFlags(t)
	if _, err := New(f.Runtime(), WithHealthInterval(0)); err == nil || !strings.Contains(err.Error(), "health interval") {
		t.Errorf("New with a zero interval: %v", err)
	}
	p, err := New(f.Runtime())
	if err != nil {
		t.Fatal(err)
	}
	if p.Metadata().Name != "flaggen" || p.Hooks() != nil {
		t.Errorf("Metadata %v, Hooks %v", p.Metadata(), p.Hooks())
	}
	p.Shutdown() // before Init: nothing to do
}
