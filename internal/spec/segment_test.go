package spec

import (
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
