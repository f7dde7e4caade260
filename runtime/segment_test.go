package runtime

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/flaggen/flaggen/runtime/memstore"
)

// TestSegmentChangeNotifies: a live change of a segment reports every flag
// that lists it, directly or through another segment, to OnChange, and
// no other flag.
func TestSegmentChangeNotifies(t *testing.T) {
	s := mustLoadSpec("flags.json", []byte(`{
  "segments": {"beta": {"include": [1]}, "eu": {"regions": ["RO"], "segments": ["beta"]}, "other": {"include": [2]}},
  "flags": {"f": {"active": true, "segments": ["beta"]}, "g": {"active": true, "segments": ["eu"]},
            "h": {"active": true, "segments": ["other"]}, "i": {"active": true}}
}`))
	backend := memstore.New()
	t.Cleanup(func() { backend.Close() })
	c := newClient(t, s, WithStore(backend))
	other := newClient(t, s, WithStore(backend))
	got := make(chan []string, 10)
	stop := c.OnChange(func(changed []string) { got <- changed })
	defer stop()
	if err := other.Set(context.Background(), "segment:beta", json.RawMessage(`{"include": [1, 7]}`), "ops", "beta tester"); err != nil {
		t.Fatal(err)
	}
	select {
	case names := <-got:
		slices.Sort(names)
		if !slices.Equal(names, []string{"f", "g"}) {
			t.Errorf("changed = %v, want [f g]", names)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("no OnChange call within 3s")
	}
	if !c.evalBool(s.m.Flag("g").Index, []Value{Int(7), String("RO")}) {
		t.Error("g off for user 7 in RO after the segment change")
	}
}
