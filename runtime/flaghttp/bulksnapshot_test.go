package flaghttp

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/flaggen/flaggen/internal/bridge"
	"github.com/flaggen/flaggen/internal/engine"
	"github.com/flaggen/flaggen/runtime"
)

// TestBulkOneSnapshot checks that a bulk response evaluates every flag on
// one snapshot: a release switched off (new_ui and advanced_search at once)
// while the response is being built shows in none of its flags or in
// both, never in one. The switch is made right after the handler's first
// evaluation, so the test needs no race to hit.
func TestBulkOneSnapshot(t *testing.T) {
	s := start(t, Config{}, false)
	h := s.h.(*handler)
	ctx := context.Background()
	if err := s.c.SetRelease(ctx, "winter_launch", true, "test", "on"); err != nil {
		t.Fatal(err)
	}
	switched := false
	switchOff := func() {
		if !switched {
			switched = true
			if err := s.c.SetRelease(ctx, "winter_launch", false, "test", "off"); err != nil {
				t.Error(err)
			}
		}
	}
	ev := h.ev
	h.ev.DecideOn = func(rctx context.Context, snap *engine.Snapshot, i int, a []runtime.Value) bridge.Decision {
		d := ev.DecideOn(rctx, snap, i, a)
		switchOff()
		return d
	}
	h.ev.Decide = func(rctx context.Context, i int, a []runtime.Value) bridge.Decision {
		d := ev.Decide(rctx, i, a)
		switchOff()
		return d
	}
	req := httptest.NewRequest("POST", "/ofrep/v1/evaluate/flags", strings.NewReader(`{"context":{"targetingKey":"123","region":"US","account_type":"premium","beta_program":true}}`))
	req.Header.Set("Authorization", "Bearer "+serverKey)
	w := httptest.NewRecorder()
	s.h.ServeHTTP(w, req)
	if !switched {
		t.Fatal("the release was not switched while the response was built")
	}
	reasons := map[string]any{}
	for _, f := range decode[bulkResponse](t, w.Body.Bytes()).Flags {
		reasons[f["key"].(string)] = f["reason"]
	}
	if (reasons["new_ui"] == "DISABLED") != (reasons["advanced_search"] == "DISABLED") {
		t.Errorf("one bulk response mixed two live states: new_ui %v, advanced_search %v", reasons["new_ui"], reasons["advanced_search"])
	}
}
