package runtime

import (
	"context"
	"testing"
	"time"
)

// TestPinnedOffDependencyWithClock: a dependency pinned off turns its
// dependants off whether or not the snapshot folds activation dates (with
// WithClock it does not, and the dependency is read on the hot path).
func TestPinnedOffDependencyWithClock(t *testing.T) {
	s, err := LoadSpec("flags.json", []byte(`{"flags": {
		"a": {"active": true},
		"b": {"active": true, "depends_on": ["a"], "activation_date": "2020-01-01"}
	}}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, opts := range [][]Option{nil, {WithClock(time.Now)}} {
		c := newClient(t, s, opts...)
		tb := &fakeTB{name: "TestPin"}
		ToggleNameAs(tb, c, "a", false)
		if tb.fatal != "" {
			t.Fatal(tb.fatal)
		}
		if got := c.Evaluate(context.Background(), "b", nil); got != false {
			t.Errorf("with %d options: b = %v with its dependency a pinned off", len(opts), got)
		}
		tb.done()
		if got := c.Evaluate(context.Background(), "b", nil); got != true {
			t.Errorf("with %d options: b = %v after the pin is removed", len(opts), got)
		}
	}
}
