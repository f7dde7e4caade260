package engine

import (
	"encoding/json"
	"testing"
	"time"
)

func TestRuleOperators(t *testing.T) {
	// attributes: 0 str, 1 int, 2 float, 3 bool
	cases := []struct {
		op   string
		vals []any
		v    Value
		attr int
		want bool
	}{
		{"in", []any{"a", "b"}, String("b"), 0, true},
		{"in", []any{"a", "b"}, String("c"), 0, false},
		{"in", []any{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}, String("j"), 0, true},
		{"not_in", []any{"a", "b"}, String("c"), 0, true},
		{"not_in", []any{"a", "b"}, String("a"), 0, false},
		{"eq", []any{int64(3)}, Int(3), 1, true},
		{"eq", []any{int64(3)}, Float(3), 2, true},
		{"neq", []any{int64(3)}, Int(4), 1, true},
		{"lt", []any{int64(3)}, Int(2), 1, true},
		{"lt", []any{int64(3)}, Int(3), 1, false},
		{"lte", []any{int64(3)}, Int(3), 1, true},
		{"gt", []any{50.0}, Float(50.5), 2, true},
		{"gte", []any{int64(50)}, Float(49.9), 2, false},
		{"lt", []any{"m"}, String("a"), 0, true},
		{"starts_with", []any{"iP"}, String("iPhone 15"), 0, true},
		{"ends_with", []any{"15"}, String("iPhone 15"), 0, true},
		{"contains", []any{"hon"}, String("iPhone 15"), 0, true},
		{"contains", []any{"x"}, String("iPhone 15"), 0, false},
		{"matches", []any{`^iPhone 1[5-9]$`}, String("iPhone 15"), 0, true},
		{"matches", []any{`^iPhone 1[5-9]$`}, String("iPhone 14"), 0, false},
		{"before", []any{"2024-01-01"}, String("2023-12-31"), 0, true},
		{"before", []any{"2024-01-01"}, String("2024-01-01T00:00:01Z"), 0, false},
		{"after", []any{time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}, String("2024-01-01T00:30:00+01:00"), 0, false}, // D3: offsets honoured
		{"after", []any{"2024-01-01"}, Int(1704067201), 1, true},
		{"after", []any{"2024-01-01"}, String("not a date"), 0, false},
		{"semver_gt", []any{"2.3.0"}, String("2.10.0"), 0, true},
		{"semver_gt", []any{"2.3.0"}, String("v2.3.0"), 0, false},
		{"semver_lt", []any{"2.3.0"}, String("2.2"), 0, false}, // strict: not a version, fails (spec.ParseSemver)
		{"semver_lt", []any{"2.3.0"}, String("2.3.0-rc.1"), 0, true},
		{"semver_eq", []any{"2.3.0"}, String("2.3.0+build5"), 0, true},
		{"semver_gt", []any{"1.0.0-alpha"}, String("1.0.0-alpha.1"), 0, true},
		{"semver_gt", []any{"1.0.0-alpha.1"}, String("1.0.0-beta"), 0, true},
		{"semver_lt", []any{"1.0.0-rc.1"}, String("1.0.0-beta.11"), 0, true},
		{"semver_lt", []any{"1.0.0-beta"}, String("1.0.0-alpha.beta"), 0, true},
		{"semver_gt", []any{"2.3.0"}, String("garbage"), 0, false},
		{"eq", []any{"x"}, Value{}, 0, false}, // D2: absent fails
		{"not_in", []any{"x"}, Value{}, 0, false},
		{"neq", []any{"x"}, Value{}, 0, false},
		// An undeclared value (an enum field outside its constants) fails
		// every operator too, not_in and neq included.
		{"in", []any{"x"}, Undeclared(), 0, false},
		{"not_in", []any{"x"}, Undeclared(), 0, false},
		{"neq", []any{"x"}, Undeclared(), 0, false},
		{"lt", []any{"zzz"}, Undeclared(), 0, false},
		{"starts_with", []any{""}, Undeclared(), 0, false},
		{"matches", []any{".*"}, Undeclared(), 0, false},
		{"matches", []any{".*"}, String(""), 0, true},
	}
	for _, tc := range cases {
		r, err := compileRule(tc.attr, "attr", "rules[0]", tc.op, tc.vals)
		if err != nil {
			t.Fatalf("%s %v: %v", tc.op, tc.vals, err)
		}
		a := make([]Value, 4)
		a[tc.attr] = tc.v
		if got := r.match(a); got != tc.want {
			t.Errorf("%s %s %v = %v, want %v", tc.v.GoString(), tc.op, tc.vals, got, tc.want)
		}
	}
	for _, bad := range []struct {
		op   string
		vals []any
	}{{"regex", []any{"x"}}, {"matches", []any{"("}}, {"before", []any{"soon"}}, {"semver_eq", []any{"1.x"}}, {"eq", nil}} {
		if _, err := compileRule(0, "attr", "rules[0]", bad.op, bad.vals); err == nil {
			t.Errorf("compileRule(%s, %v) accepted", bad.op, bad.vals)
		}
	}
	// Undeclared attribute: always fails.
	r, _ := compileRule(-1, "ghost", "rules[0]", "eq", []any{"x"})
	if r.match([]Value{String("x")}) {
		t.Error("rule over an undeclared attribute matched")
	}
}

// FuzzRules compiles arbitrary rules and evaluates them over arbitrary
// attribute values: errors are fine, panics are not.
func FuzzRules(f *testing.F) {
	f.Add("in", `["a","b"]`, "a", int64(0), 0.0, uint8(0))
	f.Add("semver_gt", `["2.3.0"]`, "2.10.0-rc.1+b", int64(0), 0.0, uint8(0))
	f.Add("matches", `["^a+$"]`, "aaa", int64(0), 0.0, uint8(0))
	f.Add("before", `["2024-01-01"]`, "2023-01-01T00:00:00+02:00", int64(5), 0.0, uint8(1))
	f.Add("gte", `[50]`, "", int64(5), 51.5, uint8(2))
	f.Fuzz(func(t *testing.T, op, values, s string, i int64, fl float64, kind uint8) {
		var vals []any
		if json.Unmarshal([]byte(values), &vals) != nil {
			return
		}
		for k, v := range vals {
			if n, ok := v.(float64); ok && n == float64(int64(n)) {
				vals[k] = int64(n)
			}
		}
		r, err := compileRule(int(kind%5)-1, "attr", "rules[0]", op, vals)
		if err != nil {
			return
		}
		a := []Value{String(s), Int(i), Float(fl), Bool(i%2 == 0)}
		r.match(a)
		r.describe()
	})
}
