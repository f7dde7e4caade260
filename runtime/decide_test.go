package runtime

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/flaggen/flaggen/internal/bridge"
	"github.com/flaggen/flaggen/runtime/memstore"
)

// demoSpec loads the repository's demo spec.
func demoSpec(t testing.TB) *Spec {
	t.Helper()
	src, err := os.ReadFile("../testdata/demo/flags.json")
	if err != nil {
		t.Fatal(err)
	}
	s, err := LoadSpec("flags.json", src)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestDecideMatchesExplain checks the bridge's Decide against ExplainName
// for every flag of the demo spec over a few contexts, and that it does not
// allocate.
func TestDecideMatchesExplain(t *testing.T) {
	s := demoSpec(t)
	c, err := NewClient(s, WithLogger(quietLogger))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ev := bridge.EvaluatorOf[Value](c)
	for _, ctx := range []string{`{}`, `{"user_id":123}`, `{"region":"US"}`, `{"user_id":4242,"region":"US","account_type":"premium","beta_program":true,"device":"ios","app_version":"2.4.0","cart_total":75.5}`} {
		a, err := s.ParseContext([]byte(ctx))
		if err != nil {
			t.Fatal(err)
		}
		for i, name := range s.FlagNames() {
			d, e := ev.Decide(i, a), c.ExplainName(context.Background(), name, a)
			if d.Value.Any() != e.Value || d.Step != e.Step {
				t.Errorf("%s %s: Decide %v %q, ExplainName %v %q", name, ctx, d.Value.Any(), d.Step, e.Value, e.Step)
			}
		}
		n := len(s.FlagNames())
		if n := testing.AllocsPerRun(50, func() {
			for i := range n {
				ev.Decide(i, a)
			}
		}); n != 0 {
			t.Errorf("Decide allocates %v times for %s", n, ctx)
		}
	}
}

// TestRevision checks that the revision changes with live state and pins,
// and that two Clients over the same store agree on it.
func TestRevision(t *testing.T) {
	s := demoSpec(t)
	st := memstore.New()
	defer st.Close()
	a, err := NewClient(s, WithStore(st), WithLogger(quietLogger))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := NewClient(s, WithStore(st), WithLogger(quietLogger))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ea, eb := bridge.EvaluatorOf[Value](a), bridge.EvaluatorOf[Value](b)
	r0 := ea.Revision()
	if r0 == "" || r0 != eb.Revision() {
		t.Fatalf("revisions %q and %q, want equal and set", r0, eb.Revision())
	}
	if err := a.Set(context.Background(), "new_ui", json.RawMessage(`{"active":false}`), "test", "revision"); err != nil {
		t.Fatal(err)
	}
	r1 := ea.Revision()
	if r1 == r0 || ea.Version() == 0 {
		t.Errorf("revision %q after a change, was %q (version %d)", r1, r0, ea.Version())
	}
	t.Run("pinned", func(t *testing.T) {
		ToggleNameAs(t, a, "new_ui", true)
		if ea.Revision() == r1 {
			t.Error("revision unchanged by a pin")
		}
	})
}

// TestParseAttribute checks the plain-value fast paths against the rules
// of ParseContext: JSON only, types and enums checked, the name in errors.
func TestParseAttribute(t *testing.T) {
	s := demoSpec(t)
	for _, c := range []struct {
		name, raw, want string // want: the value's GoString, or "error: …" text
	}{
		{"region", `"US"`, `"US"`},
		{"region", ` "RO" `, `"RO"`},
		{"region", `"a\"b"`, `"a\"b"`},
		{"region", `"\u00e9"`, `"é"`},
		{"region", `7`, `error: context: region: want a string, got a number`},
		{"region", `null`, `absent`},
		{"user_id", `42`, `42`},
		{"user_id", `012`, `error: context: user_id:`},
		{"user_id", `4.5`, `error: context: user_id: want an int`},
		{"cart_total", `0x1p3`, `error: context: cart_total:`},
		{"cart_total", `1e400`, `error: context: cart_total: want a number`},
		{"cart_total", `-2.5e1`, `-25`},
		{"beta_program", `true`, `true`},
		{"beta_program", `[true]`, `error: context: beta_program: want a bool, got an array`},
		{"account_type", `"gold"`, `error: context: account_type: "gold" is not one of`},
		{"planet", `"mars"`, `error: context: undeclared attribute "planet"`},
		{"region", "\"a\x01\"", `error: context: region:`},
	} {
		_, v, err := s.ParseAttribute(c.name, []byte(c.raw))
		got := v.GoString()
		if err != nil {
			got = "error: " + err.Error()
		}
		if !strings.HasPrefix(got, c.want) {
			t.Errorf("ParseAttribute(%s, %s) = %s, want %s…", c.name, c.raw, got, c.want)
		}
	}
}
