package runtime

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/flaggen/flaggen/runtime/memstore"
)

// demoSpec loads the repository's demo spec.
func demoSpec(t *testing.T) *Spec {
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

// TestDecideMatchesExplain checks Decide against ExplainName for every flag
// of the demo spec over a few contexts, and that it does not allocate.
func TestDecideMatchesExplain(t *testing.T) {
	s := demoSpec(t)
	c, err := NewClient(s, WithLogger(quietLogger))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, ctx := range []string{`{}`, `{"user_id":123}`, `{"region":"US"}`, `{"user_id":4242,"region":"US","account_type":"premium","beta_program":true,"device":"ios","app_version":"2.4.0","cart_total":75.5}`} {
		a, err := s.ParseContext([]byte(ctx))
		if err != nil {
			t.Fatal(err)
		}
		for i, name := range s.FlagNames() {
			d, e := c.Decide(i, a), c.ExplainName(context.Background(), name, a)
			if d.Value.Any() != e.Value || d.Step != e.Step {
				t.Errorf("%s %s: Decide %v %q, ExplainName %v %q", name, ctx, d.Value.Any(), d.Step, e.Value, e.Step)
			}
		}
		n := len(s.FlagNames())
		if n := testing.AllocsPerRun(50, func() {
			for i := range n {
				c.Decide(i, a)
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
	r0 := a.Revision()
	if r0 == "" || r0 != b.Revision() {
		t.Fatalf("revisions %q and %q, want equal and set", r0, b.Revision())
	}
	if err := a.Set(context.Background(), "new_ui", json.RawMessage(`{"active":false}`), "test", "revision"); err != nil {
		t.Fatal(err)
	}
	r1 := a.Revision()
	if r1 == r0 || a.Version() == 0 {
		t.Errorf("revision %q after a change, was %q (version %d)", r1, r0, a.Version())
	}
	t.Run("pinned", func(t *testing.T) {
		ToggleNameAs(t, a, "new_ui", true)
		if a.Revision() == r1 {
			t.Error("revision unchanged by a pin")
		}
	})
}
