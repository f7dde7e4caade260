package spec

import (
	"encoding/json"
	"maps"
	"slices"
	"testing"
)

func TestSegmentsParse(t *testing.T) {
	src := `{
  "segments": {
    "eu_beta": {"description": "EU beta testers", "regions": ["RO", "DE"], "beta_program": true,
                "include": [7], "exclude": [8], "segments": ["paying"]},
    "paying": {"account_types": ["premium"], "rules": [{"attribute": "user_id", "operator": "gt", "values": [0]}]},
    "staff": {"include": [1, 2]}
  },
  "flags": {"a": {"active": true, "segments": ["eu_beta", "staff"]}, "b": {"active": true}}
}`
	s, err := Parse("t.json", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := segmentNames(s); !slices.Equal(got, []string{"eu_beta", "paying", "staff"}) {
		t.Fatalf("segments %v", got)
	}
	g := s.Segment("eu_beta")
	if g.Description != "EU beta testers" || !slices.Equal(g.Regions, []string{"RO", "DE"}) || !g.BetaProgram ||
		!g.Include.HasInt(7) || !g.Exclude.HasInt(8) || !slices.Equal(g.Segments, []string{"paying"}) || !g.Targets() {
		t.Errorf("eu_beta = %+v", g)
	}
	if p := s.Segment("paying"); len(p.Rules) != 1 || p.Rules[0].Values[0] != int64(0) {
		t.Errorf("paying rules %+v", p.Rules)
	}
	if s.Segment("staff").Targets() {
		t.Error("staff targets something; it has only include")
	}
	if s.Segment("nope") != nil {
		t.Error("Segment(nope) != nil")
	}
	if f := s.Flag("a"); !slices.Equal(f.Segments, []string{"eu_beta", "staff"}) {
		t.Errorf("a.Segments = %v", f.Segments)
	}
	flags, segs := s.SegmentUsers("paying")
	if len(flags) != 0 || !slices.Equal(segs, []string{"eu_beta"}) {
		t.Errorf("SegmentUsers(paying) = %v, %v", flags, segs)
	}
	if flags, _ := s.SegmentUsers("staff"); !slices.Equal(flags, []string{"a"}) {
		t.Errorf("SegmentUsers(staff) flags = %v", flags)
	}
}

func TestSegmentChecks(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []string
	}{
		{"unknown segment in a flag", `{"segments": {"eu_beta": {}}, "flags": {"a": {"segments": ["eu_bta"]}}}`, []string{
			`t.json:1:60: /flags/a/segments/0: unknown segment "eu_bta" (did you mean "eu_beta"?)`,
		}},
		{"unknown segment in a segment", `{"segments": {"x": {"segments": ["y"]}}, "flags": {}}`, []string{
			`t.json:1:34: /segments/x/segments/0: unknown segment "y"`,
		}},
		{"cycle", `{"segments": {"c": {"segments": ["a"]}, "a": {"segments": ["b"]}, "b": {"segments": ["c"]}}, "flags": {}}`, []string{
			`t.json:1:60: /segments/a/segments/0: segment cycle a → b → c → a`,
		}},
		{"self cycle", `{"segments": {"s": {"segments": ["s"]}}, "flags": {}}`, []string{
			`t.json:1:34: /segments/s/segments/0: segment cycle s → s`,
		}},
		{"include and exclude", `{"segments": {"s": {"include": [1, 2], "exclude": [3, 2]}}, "flags": {}}`, []string{
			`t.json:1:55: /segments/s/exclude/1: 2 is in both include and exclude: list it in one`,
		}},
		{"include of the wrong type", `{"context": {"id": {"type": "string", "key": true}}, "segments": {"s": {"include": [1]}}, "flags": {}}`, []string{
			`t.json:1:85: /segments/s/include/0: must be a string, got number (key attribute "id" is string)`,
		}},
		{"exclude without a key", `{"context": {"r": {"type": "string"}}, "segments": {"s": {"exclude": ["x"]}}, "flags": {}}`, []string{
			`t.json:1:70: /segments/s/exclude: exclude needs a key attribute to match (declare one with "key": true)`,
		}},
		{"rule on an undeclared attribute", `{"segments": {"s": {"rules": [{"attribute": "plan", "operator": "eq", "values": ["pro"]}]}}, "flags": {}}`, []string{
			`t.json:1:45: /segments/s/rules/0/attribute: unknown attribute "plan": declare it in context`,
		}},
		{"region not in the enum", `{"context": {"user_id": {"type": "int"}, "region": {"type": "string", "enum": ["EU"]}}, "segments": {"s": {"regions": ["US"]}}, "flags": {}}`, []string{
			`t.json:1:120: /segments/s/regions/0: "US" is not a value of attribute "region" (one of EU)`,
		}},
		{"unknown segment field", `{"segments": {"s": {"users": [1]}}, "flags": {}}`, []string{
			`t.json:1:21: /segments/s/users: unknown field "users"`,
		}},
		{"segment names follow the rules of flag names", `{"segments": {"p → q": {}, "": {}, "eu_beta": {}}, "flags": {}}`, []string{
			`t.json:1:26: /segments/p → q: segment "p → q" does not make an exported Go identifier ("P→Q"): name it as a flag is named, like eu_beta`,
			`t.json:1:34: /segments/: segment "" does not make an exported Go identifier (""): name it as a flag is named, like eu_beta`,
		}},
		{"a flag cannot take a segment patch's name", `{"flags": {"segment:x": {}}}`, []string{
			`t.json:1:25: /flags/segment:x: flag "segment:x" does not make an exported Go identifier ("Segment:x")`,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := errorLines(t, tc.src)
			if !slices.Equal(got, tc.want) {
				t.Errorf("got\n  %q\nwant\n  %q", got, tc.want)
			}
		})
	}
}

const liveSegSpec = `{
  "segments": {
    "a": {"regions": ["US"]},
    "b": {"segments": ["a"], "include": [1]},
    "c": {"account_types": ["premium"]}
  },
  "flags": {"f": {"active": true, "segments": ["b"]}, "g": {"active": true}}
}`

func TestSegmentPatchDecode(t *testing.T) {
	s, err := Parse("t.json", []byte(liveSegSpec))
	if err != nil {
		t.Fatal(err)
	}
	p, err := DecodePatch(s, "segment:b", []byte(`{"include": [1, 9], "description": null}`))
	if err != nil {
		t.Fatal(err)
	}
	if g := p.Segment(); g == nil || !g.Include.HasInt(9) || !slices.Equal(g.Segments, []string{"a"}) {
		t.Fatalf("patched segment %+v", p.Segment())
	}
	if text, _ := p.MarshalJSON(); string(text) != `{"include":[1,9],"description":null}` {
		t.Errorf("MarshalJSON = %s", text)
	}
	for _, tc := range []struct{ key, patch, want string }{
		{"segment:b", `{"include": ["x"]}`, `patch:1:14: /include/0: must be an integer, got string (key attribute "user_id" is int)`},
		{"segment:b", `{"segments": ["nope"]}`, `patch:1:15: /segments/0: unknown segment "nope"`},
		{"segment:a", `{"segments": ["b"]}`, `patch:1:15: /segments/0: segment cycle a → b → a`},
		{"segment:a", `{"users": [1]}`, `patch:1:2: /users: unknown field "users"`},
		{"segment:a", `{"include": [1], "exclude": [1]}`, `patch:1:30: /exclude/0: 1 is in both include and exclude: list it in one`},
		{"segment:zz", `{}`, `patch: unknown segment "zz"`},
		{"segment:a", `[1]`, `patch:1:1: must be an object, got array`},
	} {
		_, err := DecodePatch(s, tc.key, []byte(tc.patch))
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s %s: %v\n  want %s", tc.key, tc.patch, err, tc.want)
		}
	}
}

func TestSegmentPatchLive(t *testing.T) {
	s, err := Parse("t.json", []byte(liveSegSpec))
	if err != nil {
		t.Fatal(err)
	}
	raw := map[string]json.RawMessage{
		"g":         json.RawMessage(`{"active": false}`),
		"segment:c": json.RawMessage(`{"include": [5]}`),
		"segment:x": json.RawMessage(`{"include": [5]}`), // no such segment: skipped
	}
	l := s.ApplyLiveState(nil, raw)
	if l.Spec.Segment("c").Include == nil || !l.Spec.Segment("c").Include.HasInt(5) || l.Spec.Flag("g").Active {
		t.Fatalf("live state not applied: %+v", l.Spec.Segment("c"))
	}
	if l.Spec.Segment("a") != s.Segment("a") {
		t.Error("an unpatched segment was copied")
	}
	if r := l.Refused(); len(r) != 0 {
		t.Errorf("refused %v", r)
	}
	// Two patches that each pass alone close a cycle together: both are
	// refused, and their segments keep the spec's definitions.
	raw2 := maps.Clone(raw)
	raw2["segment:a"] = json.RawMessage(`{"segments": ["c"]}`)
	raw2["segment:c"] = json.RawMessage(`{"segments": ["b"]}`)
	l2, err := s.ApplyLiveChanges(nil, l, map[string]json.RawMessage{"segment:a": raw2["segment:a"], "segment:c": raw2["segment:c"]})
	if err != nil {
		t.Fatal(err)
	}
	whole := s.ApplyLiveState(nil, raw2)
	for _, live := range []*Live{l2, whole} {
		r := live.Refused()
		if len(r) != 2 || r["segment:a"] == nil || r["segment:c"] == nil {
			t.Fatalf("refused %v, want segment:a and segment:c", r)
		}
		if got := r["segment:c"].Error(); got != "/segments/0: segment cycle a → c → b → a" {
			t.Errorf("segment:c refused for %q", got)
		}
		if live.Spec.Segment("a") != s.Segment("a") || live.Spec.Segment("c") != s.Segment("c") {
			t.Error("a refused segment patch applies")
		}
		if _, ok := live.Effective()["segment:a"]; ok {
			t.Error("a refused segment patch is in effect")
		}
		if live.Spec.Flag("g").Active {
			t.Error("a segment cycle in the live state let flag g's kill switch go")
		}
	}
	// Removing one of them lets the other apply.
	l3, err := s.ApplyLiveChanges(nil, l2, map[string]json.RawMessage{"segment:c": nil})
	if err != nil {
		t.Fatal(err)
	}
	if r := l3.Refused(); len(r) != 0 || !slices.Equal(l3.Spec.Segment("a").Segments, []string{"c"}) || l3.Spec.Segment("c").Include != nil {
		t.Errorf("after removing segment:c: refused %v, a %+v, c %+v", r, l3.Spec.Segment("a"), l3.Spec.Segment("c"))
	}
}

// TestSegmentPatchGarbage: a segment patch in the store that does not
// decode is refused alone: its segment keeps the spec's definition, and
// the other patches apply.
func TestSegmentPatchGarbage(t *testing.T) {
	s, err := Parse("t.json", []byte(liveSegSpec))
	if err != nil {
		t.Fatal(err)
	}
	l := s.ApplyLiveState(nil, map[string]json.RawMessage{
		"segment:a": json.RawMessage(`{"include":`),
		"segment:c": json.RawMessage(`{"regions": "US"}`),
		"segment:b": json.RawMessage(`{"include": [4]}`),
	})
	r := l.Refused()
	if len(r) != 2 || r["segment:a"] == nil || r["segment:c"] == nil {
		t.Fatalf("refused %v, want segment:a and segment:c", r)
	}
	if got := r["segment:c"].Error(); got != `patch:1:13: /regions: must be an array, got string` {
		t.Errorf("segment:c refused for %q", got)
	}
	if l.Spec.Segment("a") != s.Segment("a") || l.Spec.Segment("c") != s.Segment("c") || !l.Spec.Segment("b").Include.HasInt(4) {
		t.Error("a refused segment patch applies, or a good one does not")
	}
	if text, err := json.Marshal(s.Segment("b")); err != nil || string(text) != `{"include":[1],"segments":["a"]}` {
		t.Errorf("Segment JSON %s, %v", text, err)
	}
}
