package cli

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/flaggen/flaggen/internal/redistest"
	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/store"
)

// TestOpsExposure: 'flaggen exposure' prints the split served in each
// environment next to the split asked, from counts in a real Redis: counts
// added to the store, and counts of a Client with WithExposure.
func TestOpsExposure(t *testing.T) {
	srv := opsEnv(t)
	code, out, errs := run(t, "exposure", "new_ui")
	if code != 0 || !strings.Contains(errs, "no evaluations of new_ui counted") ||
		!strings.Contains(out, "new_ui: served split counts evaluations, not distinct users; asked: on 90.0% / off 10.0% of the users who reach the rollout step") {
		t.Errorf("before counting: exit %d\n%s%s", code, out, errs)
	}
	st := nsStore(t, srv.Addr(), "default")
	ctx := context.Background()
	now := time.Now()
	err := st.AddExposure(ctx, []store.ExposureDelta{
		{Flag: "new_ui", Env: "production", Variant: "on", Count: 880, Last: now.Add(-time.Minute)},
		{Flag: "new_ui", Env: "production", Variant: "off", Count: 120, Last: now},
		{Flag: "new_ui", Env: "staging", Variant: "on", Count: 3, Last: now},
		{Flag: "checkout_button", Env: "production", Variant: "green", Count: 30, Last: now},
		{Flag: "checkout_button", Env: "production", Variant: "blue", Count: 10, Last: now},
	})
	if err != nil {
		t.Fatal(err)
	}
	out = mustRun(t, "exposure", "new_ui")
	for _, want := range []string{
		"production: 1000 evaluations since ",
		"staging: 3 evaluations since ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("exposure new_ui: no %q in\n%s", want, out)
		}
	}
	prod := out[strings.Index(out, "production:"):strings.Index(out, "staging:")]
	if l := row(prod, "on"); l != "on 880 88.0% 90.0%" {
		t.Errorf("production on row: %q in\n%s", l, out)
	}
	if l := row(prod, "off"); l != "off 120 12.0% 10.0%" {
		t.Errorf("production off row: %q in\n%s", l, out)
	}
	out = mustRun(t, "exposure", "checkout_button")
	if !strings.Contains(out, "asked: blue 50.0% / green 50.0% of the users who pass its targeting (the others get the default blue)") ||
		row(out, "green") != "green 30 75.0% 50.0%" {
		t.Errorf("exposure checkout_button:\n%s", out)
	}

	var j exposureOutput
	if err := json.Unmarshal([]byte(mustRun(t, "exposure", "-json", "new_ui")), &j); err != nil {
		t.Fatal(err)
	}
	if len(j.Environments) != 2 || j.Environments[0].Env != "production" || j.Environments[0].Total != 1000 ||
		len(j.Asked.Shares) != 2 || j.Environments[0].Variants[0].Variant != "on" || *j.Environments[0].Variants[0].Asked != 90 ||
		j.Environments[0].PerMinute <= 0 || j.Environments[0].Since.IsZero() {
		t.Errorf("exposure -json: %+v", j)
	}

	// A Client counting evaluations: a bool flag without rollout asks for
	// no split.
	src, err := os.ReadFile(demoSpec)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := runtime.LoadSpec("flags.json", src)
	if err != nil {
		t.Fatal(err)
	}
	c, err := runtime.NewClient(sp, runtime.WithStore(st), runtime.WithEnvironment("dev"), runtime.WithExposure())
	if err != nil {
		t.Fatal(err)
	}
	for range 7 {
		c.Evaluate(ctx, "maintenance_mode", nil)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	out = mustRun(t, "exposure", "maintenance_mode")
	if !strings.Contains(out, "asked: no split: off for everyone (active: false)") || !strings.Contains(out, "dev: 7 evaluations") ||
		row(out, "off") != "off 7 100.0% -" {
		t.Errorf("exposure maintenance_mode:\n%s", out)
	}

	if code, _, errs := run(t, "exposure", "new_iu"); code != 1 || !strings.Contains(errs, `unknown flag "new_iu"`) {
		t.Errorf("unknown flag: exit %d, %q", code, errs)
	}
	if code, _, errs := run(t, "exposure"); code != 2 {
		t.Errorf("no flag: exit %d, %q", code, errs)
	}
}

// row returns the table row of variant v in out, its fields joined by
// one space.
func row(out, v string) string {
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) > 0 && f[0] == v {
			return strings.Join(f, " ")
		}
	}
	return ""
}

// TestOpsMalformedExposureWarns: a bad value under one flag's exposure
// field (and a stray field) fails neither ls, get nor exposure: they show
// the rest and warn on stderr, naming the key and field, once prefixed;
// another flag's read does not see them.
func TestOpsMalformedExposureWarns(t *testing.T) {
	srv := opsEnv(t)
	st := nsStore(t, srv.Addr(), "default")
	now := time.Now()
	err := st.AddExposure(context.Background(), []store.ExposureDelta{
		{Flag: "new_ui", Env: "production", Variant: "on", Count: 7, Last: now},
		{Flag: "checkout_button", Env: "production", Variant: "green", Count: 3, Last: now},
	})
	if err != nil {
		t.Fatal(err)
	}
	key := "flaggen:{default}:exposure:counts"
	for _, kv := range [][2]string{{"10:production15:checkout_button4:blue", "abc"}, {"junk", "1"}} {
		if _, err := redistest.Do(srv.Addr(), "HSET", key, kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{{"ls"}, {"ls", "-json"}, {"get", "checkout_button"}, {"exposure", "checkout_button"}} {
		code, out, errs := run(t, args...)
		if code != 0 || !strings.Contains(errs, "flaggen: warning: malformed value in Redis: "+key) ||
			!strings.Contains(errs, `"10:production15:checkout_button4:blue"`) || strings.Contains(errs, "flaggen: flaggen:") {
			t.Errorf("flaggen %q: exit %d, stderr %q; want exit 0 and a warning naming %s and the field", args, code, errs, key)
		}
		if !strings.Contains(out, "3") {
			t.Errorf("flaggen %q: the good counts lost:\n%s", args, out)
		}
	}
	code, out, errs := run(t, "exposure", "new_ui")
	if code != 0 || errs != "" || !strings.Contains(out, "production: 7 evaluations") {
		t.Errorf("exposure new_ui: exit %d\n%s%s", code, out, errs)
	}
}

// TestOpsEmptyFlagName: an empty flag name is an unknown flag (exit 1),
// not a panic.
func TestOpsEmptyFlagName(t *testing.T) {
	opsEnv(t)
	for _, cmd := range []string{"exposure", "get"} {
		code, out, errs := run(t, cmd, "")
		if code != 1 || out != "" || !strings.Contains(errs, `flaggen: unknown flag ""`) {
			t.Errorf("flaggen %s \"\": exit %d\n%s%s", cmd, code, out, errs)
		}
	}
}

// TestOpsExposureAskedOff: a flag switched off live asks for no split (off
// for everyone, with the reason), and -json's shares are [] then, not null.
func TestOpsExposureAskedOff(t *testing.T) {
	opsEnv(t)
	mustRun(t, "disable", "new_ui", "-reason", "incident 7")
	out := mustRun(t, "exposure", "new_ui")
	if !strings.Contains(out, "asked: no split: off for everyone") {
		t.Errorf("exposure of a disabled flag:\n%s", out)
	}
	out = mustRun(t, "exposure", "new_ui", "-json")
	if !strings.Contains(out, `"shares": []`) {
		t.Errorf("exposure -json of a disabled flag: shares not []:\n%s", out)
	}
}

// TestOpsExposureReset: 'flaggen exposure NAME -reset' makes the counts
// start afresh (in -env, else everywhere), prints since when, records the
// reset in the audit trail, drops counts made before it; it requires
// -reason, checks the flag and the environment, and refuses -env and
// -reason without -reset, writing nothing.
func TestOpsExposureReset(t *testing.T) {
	srv := opsEnv(t)
	st := nsStore(t, srv.Addr(), "default")
	ctx := context.Background()
	before := time.Now().Add(-time.Minute)
	err := st.AddExposure(ctx, []store.ExposureDelta{
		{Flag: "new_ui", Env: "production", Variant: "on", Count: 10, Last: before},
		{Flag: "new_ui", Env: "staging", Variant: "on", Count: 3, Last: before},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"exposure", "new_ui", "-reset"}, 2, "-reason is required"},
		{[]string{"exposure", "new_ui", "-reset", "-reason", " "}, 2, "-reason is required"},
		{[]string{"exposure", "new_ui", "-env", "production"}, 2, "-env given without -reset"},
		{[]string{"exposure", "new_ui", "-reason", "x", "-force"}, 2, "-force and -reason given without -reset"},
		{[]string{"exposure", "new_iu", "-reset", "-reason", "x"}, 1, `unknown flag "new_iu" (did you mean new_ui?)`},
		{[]string{"exposure", "new_ui", "-reset", "-env", "qa", "-reason", "x"}, 1, `unknown environment "qa" (environments: dev, staging, production)`},
	} {
		code, out, errs := run(t, c.args...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("flaggen %q: exit %d\n%s%s\nwant exit %d and %q", c.args, code, out, errs, c.code, c.want)
		}
	}
	if trail, err := st.Audit(ctx, "new_ui", 0); err != nil || len(trail) != 0 {
		t.Fatalf("audit trail after refused resets: %+v, %v", trail, err)
	}
	if es, err := st.Exposure(ctx, "new_ui"); err != nil || len(es) != 2 || es[0].Variants["on"] != 10 {
		t.Fatalf("exposure after refused resets: %+v, %v", es, err)
	}

	out := mustRun(t, "exposure", "new_ui", "-reset", "-env", "production", "-reason", "rollout 10% → 50%")
	for _, want := range []string{
		"new_ui: exposure counts reset in production: counting afresh since ",
		"production: 0 evaluations since the reset at ",
		"staging: 3 evaluations since " + before.Local().Format(time.RFC3339),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("exposure -reset: no %q in\n%s", want, out)
		}
	}
	trail, err := st.Audit(ctx, "new_ui", 0)
	if err != nil || len(trail) != 1 || trail[0].Actor != "tester" || trail[0].Reason != "exposure counts reset in production: rollout 10% → 50%" {
		t.Fatalf("audit trail after the reset: %+v, %v", trail, err)
	}
	es, err := st.Exposure(ctx, "new_ui")
	if err != nil || len(es) != 2 || es[0].Env != "production" || es[0].Since.IsZero() {
		t.Fatalf("exposure after the reset: %+v, %v", es, err)
	}
	err = st.AddExposure(ctx, []store.ExposureDelta{
		{Flag: "new_ui", Env: "production", Variant: "on", Count: 5, Last: before}, // flushed late: dropped
		{Flag: "new_ui", Env: "production", Variant: "off", Count: 2, Last: es[0].Since},
	})
	if err != nil {
		t.Fatal(err)
	}
	var j exposureOutput
	if err := json.Unmarshal([]byte(mustRun(t, "exposure", "-json", "new_ui")), &j); err != nil {
		t.Fatal(err)
	}
	if p := j.Environments[0]; p.Env != "production" || p.Total != 2 || !p.Reset || !p.Since.Equal(es[0].Since) || j.Environments[1].Reset {
		t.Errorf("exposure -json after the reset: %+v", j)
	}

	// Every environment counted in (dev never was), with -json.
	if err := json.Unmarshal([]byte(mustRun(t, "exposure", "new_ui", "-reset", "-reason", "weights", "-json")), &j); err != nil {
		t.Fatal(err)
	}
	if len(j.Environments) != 2 {
		t.Fatalf("exposure -reset -json: %+v", j)
	}
	for _, e := range j.Environments {
		if e.Total != 0 || !e.Reset {
			t.Errorf("%s after the reset everywhere: %+v", e.Env, e)
		}
	}
}
