package runtime

import (
	"encoding/json"
	"testing"
)

func TestVariantsDemo(t *testing.T) {
	s := loadTestSpec(t, "../testdata/demo/flags.json")
	c := newClient(t, s)
	ctx := t.Context()
	se := s.byName["search_engine"]
	counts := map[string]int{}
	for uid := int64(1); uid <= 10000; uid++ {
		a, _ := s.ParseContext([]byte(`{"device": "web"}`))
		a[0] = Int(uid)
		v := c.evalString(se, a)
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
	if v := c.evalFloat(s.byName["discount_rate"], a); v != 0 {
		t.Errorf("discount for a small cart = %v", v)
	}
	a, _ = s.ParseContext([]byte(`{"user_id": 7, "cart_total": 60, "account_type": "premium"}`))
	if v := c.evalFloat(s.byName["discount_rate"], a); v != 0.1 {
		t.Errorf("discount for a large cart = %v", v)
	}
	a, _ = s.ParseContext([]byte(`{"device": "ios"}`))
	if e := c.explain(se, a); e.Value != "classic" || e.Step != "default" {
		t.Errorf("no key: %+v", e)
	}
	mr := s.byName["max_results"]
	if v := c.evalInt(mr, []Value{Int(1)}); v != 10 && v != 50 {
		t.Errorf("max_results = %d", v)
	}
	// Live default change.
	if err := c.Set(ctx, "search_engine", json.RawMessage(`{"active": false, "default": "hybrid"}`), "ops", ""); err != nil {
		t.Fatal(err)
	}
	if v, ok := c.constString(se); !ok || v != "hybrid" {
		t.Errorf("inactive variant flag = %q, %v; want constant live default hybrid", v, ok)
	}
}
