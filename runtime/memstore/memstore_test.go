package memstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/flaggen/flaggen/runtime/memstore"
	"github.com/flaggen/flaggen/runtime/store"
	"github.com/flaggen/flaggen/runtime/storetest"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.TestStore(t, func(t *testing.T) store.Store { return memstore.New() })
}

// TestBounded: the audit trail and feedback keep the newest
// entries up to their bounds, like the Redis store's streams.
func TestBounded(t *testing.T) {
	t.Parallel()
	m := memstore.New()
	ctx := context.Background()
	for i := range store.MaxAuditEntries + 5 {
		if _, err := m.Apply(ctx, store.Change{Actor: "t", Reason: fmt.Sprint(i), Flags: map[string]json.RawMessage{"a": json.RawMessage(`{}`)}}); err != nil {
			t.Fatal(err)
		}
		if err := m.AppendFeedback(ctx, "a", store.Feedback{Text: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	audit, _ := m.Audit(ctx, "", 0)
	if len(audit) != store.MaxAuditEntries || audit[0].Reason != fmt.Sprint(store.MaxAuditEntries+4) || audit[len(audit)-1].Reason != "5" {
		t.Fatalf("audit: %d entries, newest %q, oldest %q", len(audit), audit[0].Reason, audit[len(audit)-1].Reason)
	}
	fb, _ := m.Feedback(ctx, "a")
	if len(fb) != store.MaxFeedbackEntries || fb[0].Text != "5" {
		t.Fatalf("feedback: %d entries, oldest %q", len(fb), fb[0].Text)
	}
}

func TestConformanceShared(t *testing.T) {
	t.Parallel()
	storetest.TestShared(t, func(t *testing.T) (store.Store, store.Store) {
		m := memstore.New()
		return m, m
	})
}
