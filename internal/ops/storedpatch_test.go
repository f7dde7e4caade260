package ops

import (
	"encoding/json"
	"testing"

	"github.com/flaggen/flaggen/runtime/store"
)

// TestStoredPatchEmptyIsNoEntry: StoredPatch reads a stored value as the
// runtime applies it (store.IsNull): nil, empty or JSON null is no entry;
// a value that is no JSON object is an error naming the flag.
func TestStoredPatchEmptyIsNoEntry(t *testing.T) {
	for _, raw := range []json.RawMessage{nil, {}, json.RawMessage("  "), json.RawMessage(" null ")} {
		st := store.State{Flags: map[string]json.RawMessage{"f": raw}}
		m, err := StoredPatch(st, "f")
		if err != nil || m != nil {
			t.Errorf("StoredPatch(%q) = %v, %v; want no entry", raw, m, err)
		}
	}
	for _, raw := range []string{`[1]`, `"x"`, `{bad`} {
		st := store.State{Flags: map[string]json.RawMessage{"f": json.RawMessage(raw)}}
		if _, err := StoredPatch(st, "f"); err == nil {
			t.Errorf("StoredPatch(%s): no error", raw)
		}
	}
	m, err := StoredPatch(store.State{Flags: map[string]json.RawMessage{"f": json.RawMessage(`{"active":false}`)}}, "f")
	if err != nil || string(m["active"]) != "false" {
		t.Errorf("StoredPatch of an object = %v, %v", m, err)
	}
}
