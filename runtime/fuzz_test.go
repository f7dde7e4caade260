package runtime

import (
	"context"
	"encoding/json"
	"testing"
	"time"
)

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
