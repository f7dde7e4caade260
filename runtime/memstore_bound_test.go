package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
)

// TestMemoryStoreBounded: the audit trail and feedback keep the newest
// entries up to their bounds, like the Redis store's streams.
func TestMemoryStoreBounded(t *testing.T) {
	m := NewMemoryStore()
	ctx := context.Background()
	for i := range MaxAuditEntries + 5 {
		if _, err := m.Apply(ctx, Change{Actor: "t", Reason: fmt.Sprint(i), Flags: map[string]json.RawMessage{"a": json.RawMessage(`{}`)}}); err != nil {
			t.Fatal(err)
		}
		if err := m.AppendFeedback(ctx, "a", Feedback{Text: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	audit, _ := m.Audit(ctx, "", 0)
	if len(audit) != MaxAuditEntries || audit[0].Reason != fmt.Sprint(MaxAuditEntries+4) || audit[len(audit)-1].Reason != "5" {
		t.Fatalf("audit: %d entries, newest %q, oldest %q", len(audit), audit[0].Reason, audit[len(audit)-1].Reason)
	}
	fb, _ := m.Feedback(ctx, "a")
	if len(fb) != MaxFeedbackEntries || fb[0].Text != "5" {
		t.Fatalf("feedback: %d entries, oldest %q", len(fb), fb[0].Text)
	}
}
