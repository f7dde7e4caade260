package cli

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/flaggen/flaggen/internal/redistest"
	"github.com/flaggen/flaggen/runtime/store"
)

// storedLive returns flag's stored live patch in namespace default.
func storedLive(t *testing.T, srv *redistest.Server, flag string) string {
	t.Helper()
	v, err := redistest.Do(srv.Addr(), "HGET", "flaggen:{default}:patches", flag)
	if err != nil && !strings.Contains(err.Error(), "nil") {
		t.Fatal(err)
	}
	return v
}

// TestOpsPatchNullAndRevert: null removes a field (no check at all), while
// -revert deletes it from the live patch (back to the spec's value).
func TestOpsPatchNullAndRevert(t *testing.T) {
	srv := opsEnv(t)
	ro := `{"user_id":999,"region":"RO","account_type":"premium","beta_program":true}`
	de := `{"user_id":999,"region":"DE","account_type":"premium","beta_program":true}`
	evalUI := func(ctx string) string {
		t.Helper()
		return strings.TrimSpace(mustRun(t, "eval", "-redis", "redis://"+srv.Addr(), "-flag", "new_ui", "-explain", ctx))
	}
	if out := evalUI(de); !strings.Contains(out, `"step":"regions"`) {
		t.Fatalf("spec limits new_ui to US and RO, DE should be refused by regions: %s", out)
	}
	mustRun(t, "patch", "new_ui", `{"regions": null, "percentage_rollout": 100}`, "-reason", "worldwide")
	if got := storedLive(t, srv, "new_ui"); got != `{"percentage_rollout":100,"regions":null}` {
		t.Errorf("stored patch %s", got)
	}
	if out := evalUI(de); strings.Contains(out, `"step":"regions"`) || !strings.Contains(out, `"value":true`) {
		t.Errorf("regions null should remove the restriction: %s", out)
	}
	get := mustRun(t, "get", "new_ui")
	if l := strings.Fields(lineWith(get, "regions ")); strings.Join(l[1:], " ") != `null live (spec: ["US","RO"])` {
		t.Errorf("get regions: %q", l)
	}

	// -revert: the field leaves the live patch; the spec's value is back.
	before := liveMark(t, srv, "default")
	out := mustRun(t, "patch", "new_ui", "-revert", "regions", "-reason", "back to the spec")
	if !strings.HasPrefix(out, "new_ui: on") {
		t.Errorf("revert printed %q", out)
	}
	if got := storedLive(t, srv, "new_ui"); got != `{"percentage_rollout":100}` {
		t.Errorf("after -revert regions: stored patch %s", got)
	}
	if after := liveMark(t, srv, "default"); after == before {
		t.Errorf("revert wrote nothing")
	}
	if out := evalUI(de); !strings.Contains(out, `"step":"regions"`) {
		t.Errorf("after revert DE is refused again by regions: %s", out)
	}
	if out := evalUI(ro); !strings.Contains(out, `"value":true`) {
		t.Errorf("after revert RO is served: %s", out)
	}
	var entries []store.AuditEntry
	if err := json.Unmarshal([]byte(mustRun(t, "audit", "new_ui", "-json", "-n", "1")), &entries); err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Reason != "back to the spec" || compact(t, entries[0].Flags["new_ui"]) != `{"percentage_rollout":100}` {
		t.Errorf("revert audit: %+v", entries)
	}
	// Reverting the last field leaves {}; reverting absent fields is no change.
	mustRun(t, "patch", "new_ui", "-revert", "percentage_rollout, regions")
	if got := storedLive(t, srv, "new_ui"); got != `{}` {
		t.Errorf("after reverting every field: %s", got)
	}
	before = liveMark(t, srv, "default")
	if out := mustRun(t, "patch", "new_ui", "-revert", "regions"); !strings.HasPrefix(out, "new_ui: no change (nothing written): on") {
		t.Errorf("revert of an absent field printed %q", out)
	}
	if after := liveMark(t, srv, "default"); after != before {
		t.Errorf("no-change revert wrote: %s → %s", before, after)
	}

	for _, tc := range []struct {
		args []string
		errs string
	}{
		{[]string{"patch", "new_ui", "-revert", "region"}, `"region" is not a patchable field (did you mean regions?)`},
		{[]string{"patch", "new_ui", "-revert", "variants"}, `"variants" is not a patchable field`},
		{[]string{"patch", "new_ui", "-revert", ","}, "-revert needs at least one FIELD"},
		{[]string{"patch", "new_ui", `{}`, "-revert", "regions"}, "-revert takes no JSON argument"},
		{[]string{"patch", "new_ui", "-revert", "regions", "-replace"}, "-revert and -replace do not go together"},
	} {
		if code, _, errs := run(t, tc.args...); code != 2 || !strings.Contains(errs, tc.errs) {
			t.Errorf("flaggen %s: exit %d, %q; want 2, %q", strings.Join(tc.args, " "), code, errs, tc.errs)
		}
	}
}

// TestOpsResetRemovesTripped: reset deletes "tripped" from the live patch
// (no "tripped": null left behind) and the counters; a reset with nothing
// to reset writes nothing.
func TestOpsResetRemovesTripped(t *testing.T) {
	srv := opsEnv(t)
	mustRun(t, "rollout", "new_ui", "50")
	mustRun(t, "patch", "new_ui", `{"tripped": "error_threshold 100 exceeded"}`, "-actor", "monitor")
	if _, err := redistest.Do(srv.Addr(), "HSET", "flaggen:{default}:counters:new_ui", "errors", "101"); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "reset", "new_ui")
	if got := storedLive(t, srv, "new_ui"); got != `{"percentage_rollout":50}` {
		t.Errorf("after reset: stored patch %s, want the rollout alone", got)
	}
	if n, _ := redistest.Do(srv.Addr(), "EXISTS", "flaggen:{default}:counters:new_ui"); n != "0" {
		t.Errorf("counters survive the reset")
	}
	if l := lineWith(mustRun(t, "audit", "-n", "1"), "v"); !strings.Contains(l, `"operator reset"`) {
		t.Errorf("reset audit: %q", l)
	}
	before := liveMark(t, srv, "default")
	if out := mustRun(t, "reset", "new_ui"); !strings.HasPrefix(out, "new_ui: no change (nothing written): on") {
		t.Errorf("second reset printed %q", out)
	}
	// Counters alone (not tripped) are reset, audited.
	if _, err := redistest.Do(srv.Addr(), "HSET", "flaggen:{default}:counters:new_ui", "slow", "3"); err != nil {
		t.Fatal(err)
	}
	if after := liveMark(t, srv, "default"); after != before {
		t.Errorf("no-change reset wrote: %s → %s", before, after)
	}
	if out := mustRun(t, "reset", "new_ui"); strings.Contains(out, "no change") {
		t.Errorf("reset with counters printed %q", out)
	}
	if n, _ := redistest.Do(srv.Addr(), "EXISTS", "flaggen:{default}:counters:new_ui"); n != "0" {
		t.Errorf("counters survive the reset")
	}
	if got := storedLive(t, srv, "new_ui"); got != `{"percentage_rollout":50}` {
		t.Errorf("after counter reset: stored patch %s", got)
	}
}

// TestOpsNoChange: commands that change nothing write nothing.
func TestOpsNoChange(t *testing.T) {
	srv := opsEnv(t)
	before := liveMark(t, srv, "default")
	for _, args := range [][]string{
		{"enable", "new_ui"},                      // the spec has it on
		{"rollout", "new_ui", "90"},               // the spec's rollout
		{"patch", "new_ui", "{}"},                 // merges nothing
		{"patch", "new_ui", "-replace", "{}"},     // no entry is {}
		{"reset", "new_ui"},                       // not tripped, no counters
		{"release", "enable", "winter_launch"},    // all on
		{"patch", "new_ui", "-revert", "regions"}, // no live field
	} {
		code, out, errs := run(t, args...)
		if code != 0 || !strings.Contains(out, "no change (nothing written)") || strings.Contains(errs, "applied") {
			t.Errorf("flaggen %s: exit %d, stdout %q, stderr %q; want no change", strings.Join(args, " "), code, out, errs)
		}
	}
	if after := liveMark(t, srv, "default"); after != before {
		t.Errorf("no-change commands wrote: %s → %s", before, after)
	}
	mustRun(t, "patch", "new_ui", `{"regions": ["US"], "users": null}`)
	before = liveMark(t, srv, "default")
	for _, args := range [][]string{
		{"patch", "new_ui", `{"users": null, "regions": ["US"]}`},
		{"patch", "new_ui", "-replace", `{"regions":["US"],"users":null}`},
	} {
		if out := mustRun(t, args...); !strings.Contains(out, "no change") {
			t.Errorf("flaggen %s: %q", strings.Join(args, " "), out)
		}
	}
	mustRun(t, "disable", "new_ui", "-reason", "x")
	if out := mustRun(t, "disable", "new_ui", "-reason", "again"); !strings.HasPrefix(out, "new_ui: no change (nothing written): off") {
		t.Errorf("second disable: %q", out)
	}
	if after := liveMark(t, srv, "default"); !strings.HasPrefix(after, "version 2,") {
		t.Errorf("want exactly one write (the first disable) since %s, got %s", before, after)
	}
}

// TestOpsSubscribers: a write says how many app instances follow the
// namespace, and warns when none does.
func TestOpsSubscribers(t *testing.T) {
	srv := opsEnv(t)
	code, _, errs := run(t, "disable", "new_ui", "-reason", "x", "-namespace", "nobody", "-force")
	if code != 0 || !strings.Contains(errs, "flaggen: warning: no app instance is subscribed to namespace nobody and no app ever recorded its spec there") {
		t.Errorf("forced write to an empty namespace: exit %d, stderr %q", code, errs)
	}
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer rdb.Close()
	src, err := os.ReadFile(demoSpec)
	if err != nil {
		t.Fatal(err)
	}
	startApp(t, rdb, "default", string(src))
	startApp(t, redis.NewClient(&redis.Options{Addr: srv.Addr()}), "default", string(src))
	eventually(t, "both apps subscribe", func() bool {
		n, err := redistest.Do(srv.Addr(), "PUBSUB", "NUMSUB", "flaggen:{default}:changes")
		return err == nil && strings.HasSuffix(strings.TrimSpace(n), "2")
	})
	code, _, errs = run(t, "disable", "new_ui", "-reason", "x")
	if code != 0 || !strings.Contains(errs, "flaggen: applied; 2 app instances are subscribed to namespace default") {
		t.Errorf("write with two apps: exit %d, stderr %q", code, errs)
	}
	// An app recorded its spec in "other" and none runs there:
	recordSpec(t, srv.Addr(), "other", demoSpec)
	_, _, errs = run(t, "disable", "new_ui", "-reason", "x", "-namespace", "other")
	if !strings.Contains(errs, "warning: no app instance is subscribed to namespace other") {
		t.Errorf("stderr %q", errs)
	}
}

// TestOpsJSONNotHTMLEscaped: get, ls, audit -json print <, > and & as is;
// flag names are matched case-insensitively for the hint.
func TestOpsJSONNotHTMLEscaped(t *testing.T) {
	opsEnv(t)
	mustRun(t, "patch", "new_ui", `{"regions": ["R&D<1>"]}`, "-reason", "a <b> & c")
	for _, args := range [][]string{{"get", "-json", "new_ui"}, {"audit", "-json"}, {"get", "new_ui"}, {"audit"}} {
		out := mustRun(t, args...)
		if !strings.Contains(out, "R&D<1>") || strings.Contains(out, `\u00`) {
			t.Errorf("flaggen %s escapes HTML:\n%s", strings.Join(args, " "), out)
		}
	}
	for name, want := range map[string]string{"NEW_UI": "did you mean new_ui?", "New-UI": "did you mean new_ui?", "Advanced Search": "did you mean advanced_search?"} {
		if code, _, errs := run(t, "get", name); code != 1 || !strings.Contains(errs, want) {
			t.Errorf("get %q: exit %d, %q; want %q", name, code, errs, want)
		}
	}
}

// TestRolloutNegativePercent: a negative PCT after the name is the
// argument it looks like, refused as out of range, not taken for an
// unknown option; nothing is written (no Redis is needed to refuse it).
func TestRolloutNegativePercent(t *testing.T) {
	t.Setenv(envRedisURL, "redis://127.0.0.1:1")
	for _, pct := range []string{"-5", "-0.5%", "-.5"} {
		code, _, errs := run(t, "rollout", "new_ui", pct, "-reason", "x")
		if want := `PCT must be a percentage from 0 to 100, not "` + pct + `"`; code != 2 || !strings.Contains(errs, want) {
			t.Errorf("rollout new_ui %s: exit %d, stderr %q; want %q", pct, code, errs, want)
		}
	}
}

// TestOpsWriteWhereNoAppRecorded: a write to a namespace where no app ever
// recorded its spec (a mistyped -namespace, most often) fails, names the
// namespace and the way out, and writes nothing, unless -force; ls and get
// there warn.
func TestOpsWriteWhereNoAppRecorded(t *testing.T) {
	srv := opsEnv(t)
	url := "redis://" + srv.Addr()
	want := "flaggen: no app ever recorded its spec in namespace typo at " + url + ": a write there reaches no app (a wrong namespace?); check -namespace (default $FLAGGEN_NAMESPACE, else \"default\"), or pass -force to write anyway\n"
	for _, args := range [][]string{
		{"disable", "new_ui", "-reason", "x"},
		{"enable", "new_ui"},
		{"rollout", "new_ui", "5"},
		{"patch", "new_ui", `{"regions": ["CA"]}`},
		{"patch", "new_ui", "-revert", "regions"},
		{"reset", "new_ui"},
		{"release", "disable", "winter_launch", "-reason", "x"},
		{"release", "enable", "winter_launch"},
		{"reset-live", "-reason", "x"},
	} {
		args = append(args, "-namespace", "typo")
		code, out, errs := run(t, args...)
		if code != 1 || out != "" || errs != want {
			t.Errorf("flaggen %s: exit %d, stdout %q, stderr %q; want exit 1, %q", strings.Join(args, " "), code, out, errs, want)
		}
	}
	if m := liveMark(t, srv, "typo"); m != "version , audit 0, patches 0" {
		t.Errorf("namespace typo was written: %s", m)
	}
	for _, args := range [][]string{{"ls"}, {"get", "new_ui"}} {
		args = append(args, "-namespace", "typo")
		code, out, errs := run(t, args...)
		if want := "flaggen: warning: no app ever recorded its spec in namespace typo: is -namespace right? (default $FLAGGEN_NAMESPACE, else \"default\")\n"; code != 0 || out == "" || errs != want {
			t.Errorf("flaggen %s: exit %d, stderr %q; want the warning %q", strings.Join(args, " "), code, errs, want)
		}
	}
	mustRun(t, "disable", "new_ui", "-reason", "x", "-namespace", "typo", "-force")
	if m := liveMark(t, srv, "typo"); m != "version 1, audit 1, patches 1" {
		t.Errorf("forced write: %s", m)
	}
}

// TestOpsPatchOffNeedsReason: a patch that switches a flag off is the
// kill switch, and needs -reason as disable does (internal/ops checkKill).
func TestOpsPatchOffNeedsReason(t *testing.T) {
	srv := opsEnv(t)
	code, out, errs := run(t, "patch", "new_ui", `{"active": false}`)
	if code != 2 || out != "" || !strings.Contains(errs, "a reason for switching new_ui off is required") {
		t.Errorf("patch active false without -reason: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if got := storedLive(t, srv, "new_ui"); got != "" {
		t.Errorf("refused patch stored %s", got)
	}
	mustRun(t, "patch", "new_ui", `{"active": false}`, "-reason", "incident 7")
	if got := storedLive(t, srv, "new_ui"); got != `{"active":false}` {
		t.Errorf("stored patch %s", got)
	}
}
