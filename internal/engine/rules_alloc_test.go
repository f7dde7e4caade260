package engine

import "testing"

// TestRulesDoNotAllocate: every rule operator matches without allocating,
// date and version attributes included (they are parsed per evaluation).
func TestRulesDoNotAllocate(t *testing.T) {
	cases := []struct {
		op   string
		vals []any
		v    Value
	}{
		{"after", []any{"2024-01-01"}, String("2024-05-01")},
		{"before", []any{"2024-01-01"}, String("2023-05-01T10:00:00")},
		{"after", []any{"2024-01-01"}, String("2024-05-01T10:00:00+02:00")},
		{"semver_gt", []any{"2.3.0"}, String("2.4.1")},
		{"semver_lt", []any{"2.3.0"}, String("2.3.0-beta.1")},
		{"matches", []any{"^ios-"}, String("ios-17")},
		{"in", []any{"US", "RO"}, String("RO")},
		{"gte", []any{int64(50)}, Int(80)},
		{"starts_with", []any{"beta-"}, String("beta-7")},
	}
	for _, c := range cases {
		r, err := compileRule(0, "attr", "rules[0]", c.op, c.vals)
		if err != nil {
			t.Fatalf("%s %v: %v", c.op, c.vals, err)
		}
		a := []Value{c.v}
		if !r.match(a) {
			t.Errorf("%s %v does not match %v", c.op, c.vals, c.v.Any())
		}
		if n := testing.AllocsPerRun(100, func() { r.match(a) }); n != 0 {
			t.Errorf("%s %v over %v: %v allocs per match, want 0", c.op, c.vals, c.v.Any(), n)
		}
	}
}
