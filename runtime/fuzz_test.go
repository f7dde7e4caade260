package runtime

import (
	"context"
	"encoding/json"
	"testing"
	"time"
)

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

// FuzzLivePatch sends arbitrary patches through the live-change path: they
// are applied or refused, never panic, and a refused one leaves the
// snapshot as it was.
func FuzzLivePatch(f *testing.F) {
	for _, p := range []string{`{"active":false}`, `{"regions":null}`, `{"percentage_rollout":150}`,
		`{"depends_on":["advanced_search"]}`, `{"rules":[{"attribute":"region","operator":"matches","values":["("]}]}`,
		`{"tripped":"x"}`, `{"users":["a"]}`, `{"activation_date":"2030-01-01"}`, `[]`, `null`, `{"type":"int"}`} {
		f.Add("new_ui", p)
	}
	s := loadTestSpec(f, "../testdata/demo/flags.json")
	f.Fuzz(func(t *testing.T, flag, patch string) {
		c, err := NewClient(s, WithLogger(quietLogger), WithClock(func() time.Time { return time.Unix(1e9, 0) }))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		before := c.snap.Load()
		ctx := context.Background()
		a := []Value{Int(123), String("US"), String("premium"), Bool(true), String("ios"), String("2.4.0"), String("2024-01-01"), Float(60)}
		if err := c.Set(ctx, flag, json.RawMessage(patch), "fuzz", ""); err != nil {
			if c.snap.Load() != before {
				t.Fatalf("refused patch %s swapped the snapshot: %v", patch, err)
			}
		}
		c.EvaluateAll(ctx, a)
		c.EvaluateAll(ctx, nil)
	})
}
