package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/flaggen/flaggen/internal/ops"
	"github.com/flaggen/flaggen/internal/redistest"
	"github.com/flaggen/flaggen/runtime/redisstore"
	"github.com/flaggen/flaggen/runtime/store"
)

// opsEnv starts a throwaway Redis and points the operator commands at it
// and at the demo spec through the environment, as an operator's shell
// would. The OS user is "tester".
func opsEnv(t *testing.T) *redistest.Server {
	t.Helper()
	srv := redistest.Start(t)
	t.Setenv(envRedisURL, "redis://"+srv.Addr())
	t.Setenv(envSpec, demoSpec)
	t.Setenv(envNamespace, "")
	t.Setenv("USER", "tester")
	recordSpec(t, srv.Addr(), "default", demoSpec)
	return srv
}

// recordSpec records the spec file in namespace ns, as an app does at
// start-up: writes to the namespace are then not refused as reaching no
// app.
func recordSpec(t *testing.T, addr, ns, file string) {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	s := nsStore(t, addr, ns)
	defer s.Close() // its subscription must not count as an app's
	if err := s.RecordSpec(context.Background(), filepath.Base(file), src); err != nil {
		t.Fatal(err)
	}
}

// mustRun runs a command that must succeed and returns its stdout.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errs := run(t, args...)
	if code != 0 {
		t.Fatalf("flaggen %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

// liveMark is the version and audit length of a namespace: equal marks
// mean nothing was written.
func liveMark(t *testing.T, srv *redistest.Server, ns string) string {
	t.Helper()
	v, err := redistest.Do(srv.Addr(), "GET", "flaggen:{"+ns+"}:version")
	if err != nil && !strings.Contains(err.Error(), "nil") {
		t.Fatal(err)
	}
	n, err := redistest.Do(srv.Addr(), "XLEN", "flaggen:{"+ns+"}:audit")
	if err != nil {
		t.Fatal(err)
	}
	h, err := redistest.Do(srv.Addr(), "HLEN", "flaggen:{"+ns+"}:patches")
	if err != nil {
		t.Fatal(err)
	}
	return "version " + v + ", audit " + n + ", patches " + h
}

func TestOpsDisableShowsInLsGetAudit(t *testing.T) {
	srv := opsEnv(t)
	// An app looked up a name the spec lacks: the runtime registered it.
	if _, err := redistest.Do(srv.Addr(), "HSET", "flaggen:{default}:patches", "ghost_flag", `{"active":false}`); err != nil {
		t.Fatal(err)
	}
	// Options after the positional argument.
	out := mustRun(t, "disable", "new_ui", "-reason", "checkout errors up 5x", "-actor", "alice")
	if !strings.HasPrefix(out, "new_ui: off (active: false)") {
		t.Errorf("disable printed %q", out)
	}

	ls := mustRun(t, "ls")
	line := lineWith(ls, "new_ui ")
	for _, want := range []string{"off", "90%", "winter_launch", "alice: checkout errors up 5x"} {
		if !strings.Contains(line, want) {
			t.Errorf("ls line of new_ui lacks %q:\n%s", want, ls)
		}
	}
	if l := lineWith(ls, "ghost_flag "); !strings.Contains(l, "unknown (not in the spec: off)") {
		t.Errorf("ls does not list the unknown name ghost_flag:\n%s", ls)
	}
	if l := lineWith(ls, "advanced_search "); !strings.Contains(l, " on ") || !strings.HasSuffix(l, " -") {
		t.Errorf("ls: advanced_search should be on, never changed:\n%s", ls)
	}
	var lsj struct {
		Version uint64
		Flags   []lsRow
	}
	if err := json.Unmarshal([]byte(mustRun(t, "ls", "-json")), &lsj); err != nil {
		t.Fatal(err)
	}
	if lsj.Version != 1 || len(lsj.Flags) != 9 {
		t.Fatalf("ls -json: version %d, %d flags", lsj.Version, len(lsj.Flags))
	}
	for _, r := range lsj.Flags {
		if r.Flag == "new_ui" && (r.State != "off" || r.LastChange == nil || r.LastChange.Actor != "alice" || r.LastChange.Reason != "checkout errors up 5x") {
			t.Errorf("ls -json new_ui: %+v", r)
		}
	}

	get := mustRun(t, "get", "new_ui")
	for _, want := range []string{
		"state:       off (active: false)",
		`live patch:  {"active":false}`,
		"alice: checkout errors up 5x",
	} {
		if !strings.Contains(get, want) {
			t.Errorf("get lacks %q:\n%s", want, get)
		}
	}
	for field, want := range map[string][]string{
		"active":             {"false", "live (spec: true)"},
		"percentage_rollout": {"90", "spec"},
		"depends_on":         {"null", "default"},
	} {
		if l := strings.Fields(lineWith(get, field+" ")); len(l) < 3 || l[1] != want[0] || strings.Join(l[2:], " ") != want[1] {
			t.Errorf("get: field %s is %q, want value %s from %s", field, l, want[0], want[1])
		}
	}
	var gj getOutput
	if err := json.Unmarshal([]byte(mustRun(t, "get", "-json", "new_ui")), &gj); err != nil {
		t.Fatal(err)
	}
	if f := gj.Fields[0]; f.Field != "active" || string(f.Value) != "false" || f.Source != ops.SourceLive || string(f.Spec) != "true" {
		t.Errorf("get -json active: %+v", f)
	}

	audit := mustRun(t, "audit")
	if !strings.HasPrefix(audit, "v1  ") || !strings.Contains(audit, `alice  "checkout errors up 5x"  new_ui: null → {"active":false}`) {
		t.Errorf("audit:\n%s", audit)
	}
	if out := mustRun(t, "audit", "advanced_search"); out != "" {
		t.Errorf("audit advanced_search: %q, want nothing", out)
	}

	// The OS user is the default actor; enable needs no reason.
	mustRun(t, "enable", "new_ui")
	var entries []store.AuditEntry
	if err := json.Unmarshal([]byte(mustRun(t, "audit", "new_ui", "-json", "-n", "1")), &entries); err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Actor != "tester" || entries[0].Version != 2 || compact(t, entries[0].Flags["new_ui"]) != `{"active":true}` {
		t.Errorf("audit after enable: %+v", entries)
	}
}

func compact(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// lineWith returns the first line of s containing sub.
func lineWith(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}

func TestOpsRelease(t *testing.T) {
	srv := opsEnv(t)
	mustRun(t, "disable", "-reason", "rollback", "advanced_search")
	if out := mustRun(t, "release", "status", "winter_launch"); !strings.HasPrefix(out, "winter_launch: 1 of 2 enabled\n") ||
		!strings.Contains(out, "advanced_search: off") {
		t.Errorf("release status:\n%s", out)
	}
	if out := mustRun(t, "release", "ls"); !strings.Contains(lineWith(out, "winter_launch"), "1 of 2") {
		t.Errorf("release ls:\n%s", out)
	}

	before := liveMark(t, srv, "default")
	code, _, errs := run(t, "release", "disable", "winter_launch")
	if code != 2 || !strings.Contains(errs, "-reason is required") {
		t.Errorf("release disable without reason: exit %d, %q", code, errs)
	}
	code, _, errs = run(t, "release", "enable", "winter")
	if code != 1 || !strings.Contains(errs, `unknown release "winter" (releases: winter_launch)`) {
		t.Errorf("unknown release: exit %d, %q", code, errs)
	}
	if code, _, errs = run(t, "release", "toggle", "winter_launch"); code != 2 || !strings.Contains(errs, `unknown subcommand "toggle"`) {
		t.Errorf("unknown subcommand: exit %d, %q", code, errs)
	}
	if after := liveMark(t, srv, "default"); after != before {
		t.Errorf("refused release commands wrote: %s → %s", before, after)
	}

	out := mustRun(t, "release", "enable", "winter_launch", "-actor", "carol")
	if !strings.HasPrefix(out, "winter_launch: 2 of 2 enabled\n") {
		t.Errorf("release enable printed:\n%s", out)
	}
	if out := mustRun(t, "release", "status", "winter_launch"); !strings.HasPrefix(out, "winter_launch: 2 of 2 enabled\n") {
		t.Errorf("release status:\n%s", out)
	}
	audit := mustRun(t, "audit", "-n", "1")
	if !strings.Contains(audit, `carol  "release winter_launch on"  advanced_search: {"active":false} → {"active":true}  new_ui: null → {"active":true}`) {
		t.Errorf("release enable is not one audited change:\n%s", audit)
	}
	var st struct {
		Enabled, Total int
		States         []struct{ Flag, State string }
	}
	if err := json.Unmarshal([]byte(mustRun(t, "release", "status", "winter_launch", "-json")), &st); err != nil {
		t.Fatal(err)
	}
	if st.Enabled != 2 || st.Total != 2 || len(st.States) != 2 {
		t.Errorf("release status -json: %+v", st)
	}
}

// TestOpsRefusedWritesNothing checks that names and values are checked
// before anything is written.
func TestOpsRefusedWritesNothing(t *testing.T) {
	srv := opsEnv(t)
	mustRun(t, "rollout", "new_ui", "40")
	before := liveMark(t, srv, "default")
	for _, tc := range []struct {
		args []string
		code int
		errs string
	}{
		{[]string{"disable", "new_iu", "-reason", "x"}, 1, `flaggen: unknown flag "new_iu" (did you mean new_ui?)`},
		{[]string{"get", "advanced-search"}, 1, `did you mean advanced_search?`},
		{[]string{"disable", "new_ui"}, 2, "-reason is required"},
		{[]string{"disable", "new_ui", "-reason", "  "}, 2, "-reason is required"},
		{[]string{"rollout", "new_ui", "150"}, 2, `PCT must be a percentage from 0 to 100, not "150"`},
		{[]string{"rollout", "new_ui", "half"}, 2, `not "half"`},
		{[]string{"rollout", "new_ui"}, 2, "missing PCT"},
		{[]string{"rollout", "checkout_button", "50"}, 1, `live change refused: flag "checkout_button"`},
		{[]string{"patch", "new_ui", `{"bogus": 1}`}, 1, `unknown field "bogus"`},
		{[]string{"patch", "new_ui", `{"active": "yes"}`}, 1, `live change refused: flag "new_ui"`},
		{[]string{"patch", "new_ui", `{"variants": {}}`}, 1, `live change refused`},
		{[]string{"patch", "new_ui", `{"depends_on": ["advanced_search"]}`}, 1, "live change refused"},
		{[]string{"patch", "checkout_button", `{"default": "purple"}`}, 1, "live change refused"},
		{[]string{"patch", "new_ui", `not json`}, 1, "want a JSON object"},
		{[]string{"patch", "new_ui", `null`}, 1, "want a JSON object"},
		{[]string{"patch", "new_ui"}, 2, "missing JSON"},
		{[]string{"enable", "new_ui", "extra"}, 2, `unexpected argument "extra"`},
		{[]string{"enable"}, 2, "missing NAME"},
		{[]string{"enable", "new_ui", "-bogus"}, 2, "flag provided but not defined: -bogus"},
	} {
		code, out, errs := run(t, tc.args...)
		if code != tc.code || out != "" || !strings.Contains(errs, tc.errs) {
			t.Errorf("flaggen %s: exit %d, stdout %q, stderr %q; want exit %d, %q",
				strings.Join(tc.args, " "), code, out, errs, tc.code, tc.errs)
		}
	}
	if after := liveMark(t, srv, "default"); after != before {
		t.Errorf("refused commands wrote: %s → %s", before, after)
	}
	if out := mustRun(t, "audit"); strings.Count(out, "\n") != 1 {
		t.Errorf("audit has more than the rollout:\n%s", out)
	}
}

func TestOpsPatchRolloutReset(t *testing.T) {
	srv := opsEnv(t)
	if out := mustRun(t, "rollout", "new_ui", "12.5%"); !strings.HasPrefix(out, "new_ui: on, rollout 12.5%") {
		t.Errorf("rollout printed %q", out)
	}
	mustRun(t, "patch", "new_ui", `{"regions": ["US", "CA"], "users": null}`, "-reason", "Canada beta")
	get := mustRun(t, "get", "new_ui")
	for field, want := range map[string]string{
		"percentage_rollout": "12.5 live (spec: 90)",
		"regions":            `["US","CA"] live (spec: ["US","RO"])`,
		"users":              "null live (spec: [123,456,789])",
		"active":             "true spec",
	} {
		if l := strings.Fields(lineWith(get, field+" ")); strings.Join(l[1:], " ") != want {
			t.Errorf("get: %s is %q, want %q", field, l[1:], want)
		}
	}
	// Evaluation over the live state agrees: user 123 left the allow-list.
	code, out, errs := run(t, "eval", "-spec", demoSpec, "-redis", "redis://"+srv.Addr(), "-flag", "new_ui", "-explain",
		`{"user_id":123,"region":"US","account_type":"premium","beta_program":true}`)
	if code != 0 || !strings.Contains(out, `"step":"rollout"`) {
		t.Errorf("eval -redis: exit %d, %s %s", code, out, errs)
	}

	// A monitor trips the flag; the counters are shared.
	mustRun(t, "patch", "new_ui", `{"tripped": "error_threshold 100 exceeded: 101 errors reported"}`, "-actor", "monitor")
	if _, err := redistest.Do(srv.Addr(), "HSET", "flaggen:{default}:counters:new_ui", "errors", "101"); err != nil {
		t.Fatal(err)
	}
	if l := lineWith(mustRun(t, "ls"), "new_ui "); !strings.Contains(l, "tripped (error_threshold 100 exceeded") {
		t.Errorf("ls does not show the trip: %q", l)
	}
	if l := lineWith(mustRun(t, "get", "new_ui"), "counters:"); !strings.Contains(l, "errors 101 (error_threshold 100)") {
		t.Errorf("get counters line: %q", l)
	}
	if out := mustRun(t, "enable", "new_ui"); !strings.Contains(out, "tripped") || !strings.Contains(out, "flaggen reset new_ui") {
		t.Errorf("enable of a tripped flag should say it stays tripped: %q", out)
	}
	if out := mustRun(t, "reset", "new_ui", "-reason", "fixed in 1.2.3"); !strings.HasPrefix(out, "new_ui: on") {
		t.Errorf("reset printed %q", out)
	}
	if l := lineWith(mustRun(t, "get", "new_ui"), "counters:"); !strings.Contains(l, "errors 0 ") {
		t.Errorf("counters after reset: %q", l)
	}
	if l := lineWith(mustRun(t, "audit", "-n", "1"), "v"); !strings.Contains(l, `tester  "fixed in 1.2.3"`) {
		t.Errorf("reset audit: %q", l)
	}

	// -replace {} reverts to the spec.
	mustRun(t, "patch", "-replace", "new_ui", "{}")
	get = mustRun(t, "get", "new_ui")
	if !strings.Contains(get, "live patch:  {}") || strings.Contains(get, " live ") {
		t.Errorf("after -replace {}:\n%s", get)
	}
}

func TestOpsFeedback(t *testing.T) {
	srv := opsEnv(t)
	if code, out, errs := run(t, "feedback", "new_ui"); code != 0 || out != "" || !strings.Contains(errs, "no feedback about new_ui") {
		t.Errorf("no feedback: exit %d, %q, %q", code, out, errs)
	}
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer rdb.Close()
	st, err := redisstore.New(rdb)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	when := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, fb := range []store.Feedback{
		{Time: when, User: "u1", Text: "love it"},
		{Time: when.Add(time.Hour), Text: "too slow", Variant: "off"},
		{Time: when.Add(2 * time.Hour), User: "u3", Text: "shiny", Variant: "on"},
		{Time: when.Add(3 * time.Hour), User: "u4", Text: "where did it go", Variant: "off"},
		{Time: when.Add(4 * time.Hour), User: "u5", Text: "renamed", Variant: "retired"},
	} {
		if err := st.AppendFeedback(ctx, "new_ui", fb); err != nil {
			t.Fatal(err)
		}
	}
	// Grouped by variant: the spec's (on, off), then others, then unknown.
	out := mustRun(t, "feedback", "new_ui")
	var shape []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if f := strings.Split(l, "  "); len(f) == 4 {
			shape = append(shape, f[2]+" "+f[3]) // "  TIME  USER  TEXT"
		} else {
			shape = append(shape, l)
		}
	}
	if want := "variant on: 1 of 5|u3 shiny||variant off: 2 of 5|- too slow|u4 where did it go||variant retired: 1 of 5|u5 renamed||unknown variant: 1 of 5|u1 love it"; strings.Join(shape, "|") != want {
		t.Errorf("feedback:\n%s\nwant (shape) %s", out, want)
	}
	var js struct {
		Flag     string
		Total    int
		Variants []struct {
			Variant  string
			Count    int
			Feedback []store.Feedback
		}
	}
	if err := json.Unmarshal([]byte(mustRun(t, "feedback", "-json", "new_ui")), &js); err != nil || js.Flag != "new_ui" || js.Total != 5 || len(js.Variants) != 4 {
		t.Fatalf("feedback -json: %v %+v", err, js)
	}
	if g := js.Variants[1]; g.Variant != "off" || g.Count != 2 || len(g.Feedback) != 2 || !g.Feedback[0].Time.Equal(when.Add(time.Hour)) || g.Feedback[1].Variant != "off" {
		t.Errorf("feedback -json, off: %+v", g)
	}
	if g := js.Variants[3]; g.Variant != "" || g.Count != 1 || g.Feedback[0].User != "u1" {
		t.Errorf("feedback -json, unknown variant: %+v", g)
	}
	if out := mustRun(t, "feedback", "-json", "advanced_search"); !strings.Contains(out, `"total": 0`) || !strings.Contains(out, `"variants": []`) {
		t.Errorf("feedback -json without feedback: %s", out)
	}

	// A flag removed from the spec: its feedback is still shown; a name
	// with none is unknown.
	if code, _, errs := run(t, "feedback", "old_checkout"); code == 0 || !strings.Contains(errs, `unknown flag "old_checkout"`) {
		t.Errorf("feedback on an unknown flag: exit %d, %q", code, errs)
	}
	if err := st.AppendFeedback(ctx, "old_checkout", store.Feedback{Time: when, User: "u2", Text: "miss it"}); err != nil {
		t.Fatal(err)
	}
	if out := mustRun(t, "feedback", "old_checkout"); !strings.HasPrefix(out, "unknown variant: 1 of 1\n") || !strings.HasSuffix(strings.TrimSpace(out), "  u2  miss it") {
		t.Errorf("feedback on a removed flag:\n%s", out)
	}
}

func TestOpsNamespaces(t *testing.T) {
	srv := opsEnv(t)
	recordSpec(t, srv.Addr(), "shop", demoSpec)
	mustRun(t, "disable", "new_ui", "-reason", "shop only", "-namespace", "shop")
	t.Setenv(envNamespace, "shop")
	if l := lineWith(mustRun(t, "ls"), "new_ui "); !strings.Contains(l, " off ") {
		t.Errorf("ls in shop: %q", l)
	}
	if l := lineWith(mustRun(t, "ls", "-namespace", "default"), "new_ui "); !strings.Contains(l, " on ") {
		t.Errorf("ls in default: %q", l)
	}
	if m := liveMark(t, srv, "default"); m != "version , audit 0, patches 0" {
		t.Errorf("namespace default was written: %s", m)
	}
}

func TestOpsEvalIsReadOnly(t *testing.T) {
	srv := opsEnv(t)
	mustRun(t, "disable", "advanced_search", "-reason", "x")
	before := liveMark(t, srv, "default")
	in := `{"user_id":123,"region":"US","account_type":"premium","beta_program":true}` + "\n"
	code, out, errs := runIn(t, in, "eval", "-spec", demoSpec, "-redis", "redis://"+srv.Addr(), "-flag", "advanced_search", "-flag", "new_ui")
	if code != 0 || out != `{"advanced_search":false,"new_ui":true}`+"\n" {
		t.Errorf("eval -redis: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if after := liveMark(t, srv, "default"); after != before {
		t.Errorf("eval wrote to Redis: %s → %s", before, after)
	}
	// -redis defaults to $FLAGGEN_REDIS_URL, as for the operator commands.
	if _, out, errs := run(t, "eval", "-flag", "advanced_search", in); out != `{"advanced_search":false}`+"\n" {
		t.Errorf("eval with $FLAGGEN_REDIS_URL: %q %q", out, errs)
	}
	// A bare HOST:PORT is a single node.
	if _, out, errs := run(t, "eval", "-redis", srv.Addr(), "-flag", "advanced_search", in); out != `{"advanced_search":false}`+"\n" {
		t.Errorf("eval -redis HOST:PORT: %q %q", out, errs)
	}
	// -spec-only or -redis "": the spec alone.
	for _, args := range [][]string{{"-spec-only"}, {"-redis", ""}} {
		args = append(append([]string{"eval"}, args...), "-flag", "advanced_search", in)
		if _, out, errs := run(t, args...); out != `{"advanced_search":true}`+"\n" {
			t.Errorf("flaggen %s: %q %q", strings.Join(args, " "), out, errs)
		}
	}
	if code, _, errs := run(t, "eval", "-spec-only", "-redis", srv.Addr(), in); code != 2 || !strings.Contains(errs, "-spec-only and -redis do not go together") {
		t.Errorf("-spec-only -redis: exit %d, %q", code, errs)
	}
}

func TestOpsRedisDown(t *testing.T) {
	srv := opsEnv(t)
	mustRun(t, "ls")
	srv.Stop()
	url := "redis://" + srv.Addr()
	for _, args := range [][]string{
		{"ls"},
		{"get", "new_ui"},
		{"disable", "new_ui", "-reason", "x"},
		{"release", "enable", "winter_launch"},
		{"audit"},
		{"eval", "-spec", demoSpec, "-redis", url, "{}"},
	} {
		start := time.Now()
		code, out, errs := run(t, args...)
		if code != 1 || out != "" || !strings.HasPrefix(errs, "flaggen: redis at "+url+" unreachable: ") || strings.Count(errs, "\n") != 1 {
			t.Errorf("flaggen %s with Redis down: exit %d, stdout %q, stderr %q", strings.Join(args, " "), code, out, errs)
		}
		if d := time.Since(start); d > 4*time.Second {
			t.Errorf("flaggen %s took %v to fail", strings.Join(args, " "), d)
		}
	}
}

func TestOpsMissingConfig(t *testing.T) {
	t.Setenv(envRedisURL, "")
	t.Setenv(envSpec, "")
	for _, tc := range []struct {
		args []string
		code int
		errs string
	}{
		// No spec: the recorded one is read from Redis, which must answer.
		{[]string{"ls", "-redis", "redis://127.0.0.1:1"}, 1, "flaggen: redis at redis://127.0.0.1:1 unreachable"},
		{[]string{"ls", "-redis", "redis+sentinel://127.0.0.1:1"}, 2, "needs the master's name: ?master_name=NAME"},
		{[]string{"ls", "-redis", "redis://127.0.0.1:1?master_name=m"}, 2, "for Sentinel write redis+sentinel://"},
		{[]string{"ls", "-redis", "redis+cluster://127.0.0.1:1/3"}, 2, "a Cluster has only database 0"},
		{[]string{"ls", "-redis", "redis+shard://127.0.0.1:1"}, 2, `unknown URL scheme "redis+shard"`},
		{[]string{"ls", "-redis", "redis+sentinel://127.0.0.1:1?master_name=m&password=secret"}, 1, "redis at redis+sentinel://127.0.0.1:1?master_name=m&password=xxxxx unreachable"},
		{[]string{"ls", "-spec", demoSpec}, 2, "no Redis: pass -redis URL or set $FLAGGEN_REDIS_URL"},
		{[]string{"ls", "-spec", demoSpec, "-redis", "http://x"}, 2, "-redis http://x: "},
		{[]string{"ls", "-spec", demoSpec, "-redis", "127.0.0.1:1"}, 1, "redis at 127.0.0.1:1 unreachable"},
		{[]string{"ls", "-spec", demoSpec, "-redis", "nohost"}, 2, "-redis nohost: not a URL: want HOST:PORT"},
		{[]string{"ls", "-spec", "missing.json", "-redis", "redis://127.0.0.1:1"}, 1, "flaggen: open missing.json"},
		{[]string{"ls", "-spec", demoSpec, "-redis", "redis://u:secret@127.0.0.1:1"}, 1, "redis at redis://u:xxxxx@127.0.0.1:1 unreachable"},
		{[]string{"ls", "extra"}, 2, `unexpected argument "extra"`},
	} {
		code, _, errs := run(t, tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.errs) || strings.Contains(errs, "secret") {
			t.Errorf("flaggen %s: exit %d, stderr %q; want exit %d, %q", strings.Join(tc.args, " "), code, errs, tc.code, tc.errs)
		}
	}
	// -h anywhere prints the help.
	code, out, _ := run(t, "disable", "new_ui", "-h")
	if code != 0 || !strings.HasPrefix(out, "usage: flaggen disable NAME -reason TEXT") {
		t.Errorf("disable new_ui -h: exit %d, %q", code, out)
	}
}

// TestAuditNeedsNoSpec: audit reads the trail with no -spec, no
// $FLAGGEN_SPEC and no spec recorded in the namespace; NAME then just
// filters.
func TestAuditNeedsNoSpec(t *testing.T) {
	srv := redistest.Start(t)
	url := "redis://" + srv.Addr()
	recordedEnv(t, url, "fresh")
	mustRun(t, "disable", "new_ui", "-reason", "before any app", "-spec", demoSpec, "-force")
	mustRun(t, "rollout", "advanced_search", "5", "-spec", demoSpec, "-force")
	code, out, errs := run(t, "audit")
	warning := "flaggen: warning: no app ever recorded its spec in namespace fresh: is -namespace right? (default $FLAGGEN_NAMESPACE, else \"default\")\n"
	if code != 0 || errs != warning || !strings.Contains(out, `new_ui: null → {"active":false}`) || !strings.Contains(out, "advanced_search: null") {
		t.Errorf("audit without a spec: exit %d, stderr %q, stdout:\n%s", code, errs, out)
	}
	if _, out, _ := run(t, "audit", "new_ui"); strings.Count(out, "\n") != 1 || !strings.Contains(out, `"before any app"`) {
		t.Errorf("audit new_ui without a spec:\n%s", out)
	}
	if code, out, _ := run(t, "audit", "nosuch", "-json"); code != 0 || out != "[]\n" {
		t.Errorf("audit of an unknown name without a spec: exit %d, %q", code, out)
	}
}

// TestOpsRedisFailuresNamed: a Redis that accepts connections and never
// answers is reported with -timeout named; one that answers with an error
// (database 99 out of range) is not "unreachable".
func TestOpsRedisFailuresNamed(t *testing.T) {
	srv := opsEnv(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		var conns []net.Conn // held open, never answered
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	silent := "redis://" + ln.Addr().String()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"ls", "-redis", silent, "-timeout", "100ms"}, "flaggen: redis at " + silent + " unreachable: no reply within 100ms (-timeout)\n"},
		{[]string{"disable", "new_ui", "-reason", "x", "-redis", silent, "-timeout", "100ms"}, "flaggen: redis at " + silent + " unreachable: no reply within 100ms (-timeout)\n"},
		{[]string{"ls", "-redis", "redis://" + srv.Addr() + "/99"}, "flaggen: redis at redis://" + srv.Addr() + "/99 answered with an error: ERR DB index is out of range\n"},
	} {
		if code, out, errs := run(t, tc.args...); code != 1 || out != "" || errs != tc.want {
			t.Errorf("flaggen %s: exit %d, stdout %q, stderr %q; want exit 1, %q", strings.Join(tc.args, " "), code, out, errs, tc.want)
		}
	}
}
