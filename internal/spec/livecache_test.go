package spec

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestLiveCacheHoldsNoLargeText: a LiveCache keeps a SHA-256 sum of a
// long patch text, never the text, whether the patch decoded or not.
func TestLiveCacheHoldsNoLargeText(t *testing.T) {
	s := mustParse(t, `{"flags": {"a": {"active": true}, "b": {"active": true}}}`)
	long := `{"tripped": "` + strings.Repeat("x", 10_000) + `"}`
	bad := `{"percentage_rollout": "` + strings.Repeat("x", 10_000) + `"}`
	var c LiveCache
	l := s.ApplyLiveState(&c, map[string]json.RawMessage{"a": json.RawMessage(long), "b": json.RawMessage(bad)})
	if l.Undecoded["b"] == nil || l.Undecoded["a"] != nil {
		t.Fatalf("undecoded = %v, want b's alone", l.Undecoded)
	}
	for name, d := range c.decoded {
		if len(d.raw) > 32 {
			t.Errorf("the cache holds %d bytes of %s's patch", len(d.raw), name)
		}
	}
	if _, _, fresh := c.Decode(s, map[string]json.RawMessage{"a": json.RawMessage(long), "b": json.RawMessage(bad)}); len(fresh) != 0 {
		t.Errorf("decoded %v again", fresh)
	}
}

// TestApplyLiveChangesDeletes: a deleted entry (nil) takes its flag back
// to the spec and ends its refusal; flags the spec lacks are skipped.
func TestApplyLiveChangesDeletes(t *testing.T) {
	s := mustParse(t, `{"flags": {"a": {"active": true}, "b": {"active": true}}}`)
	var c LiveCache
	l := s.ApplyLiveState(&c, map[string]json.RawMessage{"a": json.RawMessage(`{"active": false}`), "b": json.RawMessage(`nope`), "ghost": json.RawMessage(`{}`)})
	if l.Spec.Flag("a").Active || len(l.Refused()) != 1 {
		t.Fatalf("state: a active %v, refused %v", l.Spec.Flag("a").Active, l.Refused())
	}
	next, err := s.ApplyLiveChanges(&c, l, map[string]json.RawMessage{"a": nil, "b": nil, "ghost": nil})
	if err != nil {
		t.Fatal(err)
	}
	if !next.Spec.Flag("a").Active || next.Refused() != nil || len(next.Patches) != 0 {
		t.Fatalf("after deleting: a active %v, refused %v, patches %v", next.Spec.Flag("a").Active, next.Refused(), next.Patches)
	}
	if l.Spec.Flag("a").Active || len(l.Refused()) != 1 {
		t.Error("ApplyLiveChanges changed the state it started from")
	}
}
