package runtime

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

func TestVariantsDemo(t *testing.T) {
	s := loadTestSpec(t, "../testdata/demo/flags.json")
	c := newClient(t, s)
	ctx := t.Context()
	se := s.byName["search_engine"]
	counts := map[string]int{}
	for uid := int64(1); uid <= 10000; uid++ {
		a, _ := s.ParseContext([]byte(`{"device": "web"}`))
		a[0] = Int(uid)
		v := c.String(ctx, se, a)
		counts[v]++
		b := bucketInt(uid, "search_engine")
		want := "classic"
		if b >= 70 && b < 90 {
			want = "semantic"
		} else if b >= 90 {
			want = "hybrid"
		}
		if v != want {
			t.Fatalf("user %d bucket %d: %s, want %s", uid, b, v, want)
		}
	}
	if counts["classic"] < 6500 || counts["semantic"] < 1700 || counts["hybrid"] < 800 {
		t.Errorf("distribution %v", counts)
	}
	// Targeting fails → default; no key → default.
	a, _ := s.ParseContext([]byte(`{"user_id": 7, "cart_total": 10, "account_type": "premium"}`))
	if v := c.Float(ctx, s.byName["discount_rate"], a); v != 0 {
		t.Errorf("discount for a small cart = %v", v)
	}
	a, _ = s.ParseContext([]byte(`{"user_id": 7, "cart_total": 60, "account_type": "premium"}`))
	if v := c.Float(ctx, s.byName["discount_rate"], a); v != 0.1 {
		t.Errorf("discount for a large cart = %v", v)
	}
	a, _ = s.ParseContext([]byte(`{"device": "ios"}`))
	if e := c.Explain(ctx, se, a); e.Value != "classic" || e.Step != "default" {
		t.Errorf("no key: %+v", e)
	}
	mr := s.byName["max_results"]
	if v := c.Int(ctx, mr, []Value{Int(1)}); v != 10 && v != 50 {
		t.Errorf("max_results = %d", v)
	}
	// Live default change.
	if err := c.Set(ctx, "search_engine", json.RawMessage(`{"active": false, "default": "hybrid"}`), "ops", ""); err != nil {
		t.Fatal(err)
	}
	if v, ok := c.ConstString(se); !ok || v != "hybrid" {
		t.Errorf("inactive variant flag = %q, %v; want constant live default hybrid", v, ok)
	}
}
