package cli

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/flaggen/flaggen/internal/ops"
	"github.com/flaggen/flaggen/runtime/store"
)

// neverCounted matches ls's EVALS/MIN and LAST EVAL cells of a flag never
// counted.
var neverCounted = regexp.MustCompile(`\s-\s+never\s`)

// TestOpsLsGetExposure: ls and get show each environment's evaluations per
// minute and last evaluation (get: total and split too), from counts in a
// real Redis, and "-"/"never" for a flag never counted; -json carries the
// same figures.
func TestOpsLsGetExposure(t *testing.T) {
	srv := opsEnv(t)
	if l := lineWith(mustRun(t, "ls"), "new_ui "); !neverCounted.MatchString(l) {
		t.Errorf("ls before counting: %q", l)
	}
	if out := mustRun(t, "get", "new_ui"); !strings.Contains(out, "evaluated:   never (apps count evaluations with runtime.WithExposure)") {
		t.Errorf("get before counting:\n%s", out)
	}
	st := nsStore(t, srv.Addr(), "default")
	now := time.Now()
	err := st.AddExposure(context.Background(), []store.ExposureDelta{
		{Flag: "new_ui", Env: "production", Variant: "on", Count: 90, Last: now.Add(-90 * time.Second)},
		{Flag: "new_ui", Env: "production", Variant: "off", Count: 10, Last: now.Add(-90 * time.Second)},
		{Flag: "new_ui", Env: "staging", Variant: "on", Count: 4, Last: now.Add(-3 * time.Hour)},
	})
	if err != nil {
		t.Fatal(err)
	}
	ls := mustRun(t, "ls")
	if h := strings.SplitN(ls, "\n", 2)[0]; !strings.Contains(h, "EVALS/MIN") || !strings.Contains(h, "LAST EVAL") {
		t.Errorf("ls header: %q", h)
	}
	l := lineWith(ls, "new_ui ")
	if !strings.Contains(l, "production 1m ago, staging 3h ago") || !strings.Contains(l, "production ") || !strings.Contains(l, ", staging 0.0") {
		t.Errorf("ls new_ui: %q", l)
	}
	if l := lineWith(ls, "checkout_button "); !neverCounted.MatchString(l) {
		t.Errorf("ls checkout_button, never counted: %q", l)
	}
	get := mustRun(t, "get", "new_ui")
	if !strings.Contains(get, "evaluated:   production: ") || !strings.Contains(get, "/min, last 1m ago, 100 in all: on 90 (90.0%), off 10 (10.0%)") ||
		!strings.Contains(get, "             staging: 0.0/min, last 3h ago, 4 in all: on 4 (100.0%)") {
		t.Errorf("get new_ui:\n%s", get)
	}

	var lsj struct {
		Flags []struct {
			Flag     string
			Exposure []ops.EnvExposure
		}
	}
	if err := json.Unmarshal([]byte(mustRun(t, "ls", "-json")), &lsj); err != nil {
		t.Fatal(err)
	}
	for _, f := range lsj.Flags {
		switch f.Flag {
		case "new_ui":
			if len(f.Exposure) != 2 || f.Exposure[0].Env != "production" || f.Exposure[0].Total != 100 || f.Exposure[0].Last == nil ||
				f.Exposure[0].PerMinute <= 0 || f.Exposure[1].Variants["on"] != 4 {
				t.Errorf("ls -json new_ui exposure: %+v", f.Exposure)
			}
		case "checkout_button":
			if f.Exposure == nil || len(f.Exposure) != 0 {
				t.Errorf("ls -json checkout_button exposure: %+v, want []", f.Exposure)
			}
		}
	}
	var gj getOutput
	if err := json.Unmarshal([]byte(mustRun(t, "get", "-json", "new_ui")), &gj); err != nil {
		t.Fatal(err)
	}
	if len(gj.Exposure) != 2 || gj.Exposure[0].Variants["off"] != 10 || gj.Exposure[0].Last == nil || now.Sub(*gj.Exposure[0].Last) < 89*time.Second || now.Sub(*gj.Exposure[0].Last) > 91*time.Second {
		t.Errorf("get -json exposure: %+v", gj.Exposure)
	}
}
