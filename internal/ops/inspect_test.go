package ops

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/store"
)

const inspectSpec = `{
  "flags": {
    "a": {"active": true, "percentage_rollout": 50, "regions": ["US"]},
    "b": {"active": true, "depends_on": ["a"], "activation_date": "2030-01-01"},
    "c": {"type": "string", "default": "x", "variants": {"x": 30, "y": 70}},
    "d": {"active": true}
  },
  "releases": {"r": {"flags": ["a", "b"]}}
}`

func TestInspect(t *testing.T) {
	s, err := runtime.LoadSpec("flags.json", []byte(inspectSpec))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	st := store.State{Version: 7, Flags: map[string]json.RawMessage{
		"a":     json.RawMessage(`{"percentage_rollout": 20, "regions": null, "tripped": "errors"}`),
		"c":     json.RawMessage(`{"active": "yes"}`), // refused
		"ghost": json.RawMessage(`{"active":false}`),
	}}
	in, err := Inspect(s, st, now)
	if err != nil {
		t.Fatal(err)
	}
	if in.Version != 7 || !slices.Equal(in.Refused, []string{"c"}) || len(in.Flags) != 4 || string(in.Unknown["ghost"]) != `{"active":false}` {
		t.Fatalf("inspection: %+v", in)
	}
	a, b, c := in.Flag("a"), in.Flag("b"), in.Flag("c")
	if a.State != "tripped" || a.StateReason != "errors" || *a.Rollout != 20 || len(a.Releases) != 1 {
		t.Errorf("a: %+v", a)
	}
	field := func(f *FlagInfo, name string) FieldInfo {
		for _, fi := range f.Fields {
			if fi.Field == name {
				return fi
			}
		}
		t.Fatalf("%s has no field %s", f.Flag, name)
		return FieldInfo{}
	}
	for _, tc := range []struct {
		f                 *FlagInfo
		field, value, src string
		spec              string
	}{
		{a, "active", "true", SourceSpec, ""},
		{a, "percentage_rollout", "20", SourceLive, "50"},
		{a, "regions", "null", SourceLive, `["US"]`},
		{a, "tripped", `"errors"`, SourceLive, ""},
		{a, "users", "null", SourceDefault, ""},
		{b, "depends_on", `["a"]`, SourceSpec, ""},
		{c, "active", "false", SourceDefault, ""},
		{c, "default", `"x"`, SourceSpec, ""},
	} {
		fi := field(tc.f, tc.field)
		if string(fi.Value) != tc.value || fi.Source != tc.src || string(fi.Spec) != tc.spec {
			t.Errorf("%s.%s = %s from %s (spec %s), want %s from %s (spec %s)", tc.f.Flag, tc.field, fi.Value, fi.Source, fi.Spec, tc.value, tc.src, tc.spec)
		}
	}
	if b.State != "scheduled" || string(b.Live) != "null" {
		t.Errorf("b: %+v", b)
	}
	if c.State != "off" || c.Problem == "" || len(c.Variants) != 2 || c.Variants[1] != "y 70%" {
		t.Errorf("c: %+v", c)
	}
	if r := in.Releases[0]; r.Release != "r" || r.Enabled != 1 || r.Total != 2 {
		t.Errorf("release: %+v (a is tripped, b active)", r)
	}

	// Patches fine alone that together make a cycle are refused, and
	// those flags fall back to the spec, a kill switch held; the others
	// apply.
	in, err = Inspect(s, store.State{Version: 8, Flags: map[string]json.RawMessage{
		"a": json.RawMessage(`{"depends_on": ["d"]}`),
		"d": json.RawMessage(`{"active": false, "depends_on": ["a"]}`),
		"b": json.RawMessage(`{"activation_date": null}`),
	}}, now)
	if err != nil {
		t.Fatal(err)
	}
	a, d := in.Flag("a"), in.Flag("d")
	if !slices.Equal(in.Refused, []string{"a", "d"}) || a.State != "on" || field(a, "depends_on").Source != SourceDefault ||
		!strings.Contains(a.Problem, "dependency cycle a → d → a") || !slices.Equal(a.Revert, []string{"depends_on"}) {
		t.Errorf("cyclic live state: %+v; a: %+v", in.Refused, a)
	}
	if d.State != "off" || field(d, "active").Source != SourceLive || field(d, "depends_on").Source != SourceDefault {
		t.Errorf("d, refused with a kill switch: %+v", d)
	}
	if in.Flag("b").State != "on" {
		t.Errorf("b's patch not applied beside the refused ones: %+v", in.Flag("b"))
	}
}

// TestInspectKeepsHTMLCharacters: live values read back by operators are
// not HTML-escaped ("R&D", not "R\u0026D").
func TestInspectKeepsHTMLCharacters(t *testing.T) {
	s, err := runtime.LoadSpec("flags.json", []byte(inspectSpec))
	if err != nil {
		t.Fatal(err)
	}
	c, err := runtime.NewClient(s, runtime.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if err := c.Set(ctx, "a", json.RawMessage(`{"regions": ["R&D <lab>"]}`), "t", "setup"); err != nil {
		t.Fatal(err)
	}
	st, err := c.Store().Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	in, err := Inspect(c.Spec(), st, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range in.Flags {
		for _, fi := range f.Fields {
			if f.Flag == "a" && fi.Field == "regions" {
				if got := string(fi.Value); got != `["R&D <lab>"]` {
					t.Fatalf("regions as inspected = %s", got)
				}
				return
			}
		}
	}
	t.Fatal("a's regions not inspected")
}
