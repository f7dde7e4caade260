package runtime

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// TestRevertFallsBackToSpec: Edit.Revert deletes fields from a live patch,
// so they take the spec's value again (null would make them absent), and
// Reset leaves no "tripped" key behind.
func TestRevertFallsBackToSpec(t *testing.T) {
	c := newTestClient(t, seedModel(t))
	ctx := context.Background()
	if err := c.Set(ctx, "new_ui", json.RawMessage(`{"regions": ["DE"], "tripped": "error_threshold exceeded"}`), "t", "setup"); err != nil {
		t.Fatal(err)
	}
	if err := c.Change(ctx, Edit{Actor: "t", Reason: "back to the spec's regions", Revert: map[string][]string{"new_ui": {"regions"}}}); err != nil {
		t.Fatal(err)
	}
	st, err := c.Store().Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(st.Flags["new_ui"]); strings.Contains(got, "regions") || !strings.Contains(got, "tripped") {
		t.Fatalf("live patch after reverting regions = %s", got)
	}
	if err := c.Reset(ctx, "new_ui", "oncall", "fixed"); err != nil {
		t.Fatal(err)
	}
	st, _ = c.Store().Load(ctx)
	if got := string(st.Flags["new_ui"]); got != "{}" {
		t.Fatalf("live patch after Reset = %s, want {}", got)
	}
	user := seedCtx{UserID: 123, Region: "US", AccountType: "premium", BetaProgram: true}
	if !accessor(c, 1, ctx, user) {
		t.Fatal("new_ui off for the seed user after the revert and reset")
	}
	err = c.Change(ctx, Edit{Actor: "t", Revert: map[string][]string{"new_ui": {"regons"}}})
	if err == nil || !strings.Contains(err.Error(), `cannot revert "regons"`) {
		t.Fatalf("revert of an unknown field = %v", err)
	}
}
