package ops

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/flaggen/flaggen/internal/redistest"
)

// TestReview8ResetAuditWithPatchTheSpecRefuses: the reset's audit entry
// re-applies the flag's stored patch. When the session's spec refuses
// that patch (written under another version of the spec, or by hand),
// the store deletes the counts, then refuses the audit write: the reset
// is done, unaudited, and the patch must still be as it was.
func TestReview8ResetAuditWithPatchTheSpecRefuses(t *testing.T) {
	s := openTest(t)
	addr := strings.TrimPrefix(s.URL, "redis://")
	key := s.Store.Key("patches")
	const patch = `{"percentage_rollout": 150}`
	if _, err := redistest.Do(addr, "HSET", key, "other", patch); err != nil {
		t.Fatal(err)
	}
	if _, err := redistest.Do(addr, "INCR", s.Store.Key("version")); err != nil {
		t.Fatal(err)
	}
	_, err := s.ResetExposure(ExposureReset{Flag: "other", Actor: "alice", Reason: "r"})
	if err != nil {
		t.Errorf("ResetExposure of a flag whose stored patch the spec refuses: %v", err)
	}
	// The same JSON: the store keeps each field's text, not the white
	// space between fields.
	if got, err := redistest.Do(addr, "HGET", key, "other"); err != nil || !sameJSONText(got, patch) {
		t.Errorf("stored patch after the reset: %q, %v; want %q", got, err, patch)
	}
	if trail, err := s.Live.Audit(t.Context(), "other", 0); err != nil || len(trail) != 1 {
		t.Errorf("audit trail after the reset: %+v, %v; want its entry", trail, err)
	}
}

// sameJSONText reports whether a and b are the same JSON once compacted.
func sameJSONText(a, b string) bool {
	var ca, cb bytes.Buffer
	return json.Compact(&ca, []byte(a)) == nil && json.Compact(&cb, []byte(b)) == nil && ca.String() == cb.String()
}
