package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/flaggen/flaggen/internal/redistest"
	"github.com/flaggen/flaggen/runtime/store"
)

// TestResetLive: reset-live clears a kill switch (and every other patch)
// back to the spec in a running app, audited, and the app does not restore
// what it held: it registers the spec's flags again instead.
func TestResetLive(t *testing.T) {
	srv := redistest.Start(t)
	recordedEnv(t, "redis://"+srv.Addr(), "shop")
	app := startApp(t, redis.NewClient(&redis.Options{Addr: srv.Addr()}), "shop", appSpec)
	mustRun(t, "disable", "dark_mode", "-reason", "incident")
	mustRun(t, "rollout", "pay_later", "50")
	waitEval(t, app, "dark_mode", false)

	if code, _, errs := run(t, "reset-live"); code != 2 || !strings.Contains(errs, "-reason is required") {
		t.Fatalf("reset-live without -reason: exit %d, %q", code, errs)
	}
	if code, _, errs := run(t, "reset-live", "extra", "-reason", "x"); code != 2 || !strings.Contains(errs, `unexpected argument "extra"`) {
		t.Fatalf("reset-live with an argument: exit %d, %q", code, errs)
	}
	if live := liveMark(t, srv, "shop"); !strings.Contains(live, "patches 2") {
		t.Fatalf("a refused reset-live wrote: %s", live)
	}

	out := mustRun(t, "reset-live", "-reason", "start over")
	if !strings.HasPrefix(out, "namespace shop: live state reset to the spec (2 flag patches cleared, version ") {
		t.Fatalf("reset-live printed %q", out)
	}
	waitEval(t, app, "dark_mode", true)
	// The app registers the spec's flags again once it followed the reset
	// (after deciding not to restore).
	eventually(t, "the app registers the spec's flags again", func() bool {
		return strings.Contains(liveMark(t, srv, "shop"), "patches 2")
	})
	for _, f := range []string{"dark_mode", "pay_later"} {
		if got, err := redistest.Do(srv.Addr(), "HGET", "flaggen:{shop}:patches", f); err != nil || got != "{}" {
			t.Errorf("%s after reset-live: %s, want {} (the spec)", f, got)
		}
	}
	var entries []store.AuditEntry
	if err := json.Unmarshal([]byte(mustRun(t, "audit", "-json", "-n", "0")), &entries); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Actor, "flaggen-restore@") {
			t.Errorf("restored after reset-live: %+v", e)
		}
	}
	if e := entries[0]; e.Actor != "tester" || e.Reason != "start over" || string(e.Flags["dark_mode"]) != "null" ||
		compact(t, e.Before["dark_mode"]) != `{"active":false}` {
		t.Errorf("reset-live audit entry: %+v", e)
	}
}
