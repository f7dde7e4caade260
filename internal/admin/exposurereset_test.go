package admin

import (
	"context"
	"testing"
	"time"

	"github.com/flaggen/flaggen/internal/ops"
	"github.com/flaggen/flaggen/runtime/store"
)

// TestExposureReset: POST /admin/v1/flags/{name}/exposure/reset makes the
// flag's counts start afresh in env (every environment for ""), by the
// token's actor, audited with the reason, and answers the exposure after
// it; a missing reason, an environment the spec does not declare, an
// unknown flag and If-Match are refused, writing nothing.
func TestExposureReset(t *testing.T) {
	forStores(t, func(t *testing.T, a *api) {
		earlier := time.Now().Add(-time.Minute)
		err := a.s.Live.AddExposure(context.Background(), []store.ExposureDelta{
			{Flag: "new_ui", Env: "production", Variant: "on", Count: 9, Last: earlier},
			{Flag: "new_ui", Env: "staging", Variant: "on", Count: 1, Last: earlier},
		})
		if err != nil {
			t.Fatal(err)
		}
		const path = "/admin/v1/flags/new_ui/exposure/reset"
		a.wantErr(a.do("POST", path, `{"env": "production"}`), 422, "invalid", "/reason", "reason is required")
		a.wantErr(a.do("POST", path, `{"env": "qa", "reason": "r"}`), 422, "invalid", "/env", `unknown environment "qa" (environments: dev, staging, production)`)
		a.wantErr(a.do("POST", path, `{"env": "prod\u001b[2J", "reason": "r"}`), 422, "invalid", "/env", "control character")
		a.wantErr(a.do("POST", "/admin/v1/flags/new_iu/exposure/reset", `{"reason": "r"}`), 404, "not_found", "", `unknown flag "new_iu"`)
		a.wantErr(a.do("POST", path, `{"reason": "r", "actor": "mallory"}`), 422, "invalid", "/actor", `unknown field "actor"`)
		a.wantErr(a.doWith("POST", path, `{"reason": "r"}`, map[string]string{"Authorization": "Bearer tok-alice", "Content-Type": "application/json", "If-Match": `"1"`}),
			400, "bad_request", "", "If-Match")
		a.wantErr(a.do("GET", path, ""), 405, "method_not_allowed", "", "POST")
		if n := a.auditLen(); n != 0 {
			t.Fatalf("audit trail after refused resets: %d entries", n)
		}

		var out struct {
			Flag, Env string
			Since     time.Time
			Exposure  []ops.EnvExposure
		}
		a.want(a.do("POST", path, `{"env": "production", "reason": "rollout 10% → 50%"}`), 200).decode(t, &out)
		if out.Flag != "new_ui" || out.Env != "production" || out.Since.Before(earlier) || len(out.Exposure) != 2 {
			t.Fatalf("reset answer: %+v", out)
		}
		if p := out.Exposure[0]; p.Env != "production" || p.Total != 0 || !p.Reset || p.Since == nil || !p.Since.Equal(out.Since) || p.Last != nil {
			t.Errorf("production after its reset: %+v", p)
		}
		if s := out.Exposure[1]; s.Env != "staging" || s.Total != 1 || s.Reset {
			t.Errorf("staging after production's reset: %+v", s)
		}
		var f struct {
			LastChange *struct{ Actor, Reason string } `json:"last_change"`
			Exposure   []ops.EnvExposure
		}
		a.want(a.do("GET", "/admin/v1/flags/new_ui", ""), 200).decode(t, &f)
		if f.LastChange == nil || f.LastChange.Actor != "alice" || f.LastChange.Reason != "exposure counts reset in production: rollout 10% → 50%" {
			t.Errorf("last change after the reset: %+v", f.LastChange)
		}
		if len(f.Exposure) != 2 || !f.Exposure[0].Reset || f.Exposure[0].Since == nil || !f.Exposure[0].Since.Equal(out.Since) {
			t.Errorf("GET flags/new_ui after the reset: exposure %+v", f.Exposure)
		}

		a.want(a.do("POST", path, `{"reason": "weights"}`), 200).decode(t, &out)
		if out.Env != "" || len(out.Exposure) != 2 || !out.Exposure[1].Reset || out.Exposure[1].Total != 0 {
			t.Errorf("reset everywhere: %+v", out)
		}
		if n := a.auditLen(); n != 2 {
			t.Errorf("audit trail after two resets: %d entries", n)
		}
	})
}
