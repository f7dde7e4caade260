package cli

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/flaggen/flaggen/internal/redistest"
	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/flagimpl"
	"github.com/flaggen/flaggen/runtime/redisstore"
	"github.com/flaggen/flaggen/runtime/store"
)

// lintTestdata is the lint package's fixture tree (a generated package, code
// that uses it, a clean module part and a package that does not compile).
const lintTestdata = "../lint/testdata"

func TestLintUsage(t *testing.T) {
	t.Setenv(envRedisURL, "") // the spec alone
	for _, tc := range []struct {
		args []string
		errs string
	}{
		{[]string{"lint"}, "flaggen lint: -spec is required (or $FLAGGEN_SPEC)\nusage: flaggen lint -spec FILE"},
		{[]string{"lint", "-spec", "f.json", "-now", "soon"}, `-now: "soon" is not a date (want 2006-01-02, 2006-01-02T15:04:05 in UTC, or RFC 3339`},
		{[]string{"lint", "-spec", "f.json", "-stale", "0s"}, "-stale must be positive"},
		{[]string{"lint", "-spec", "f.json", "-stale", "month"}, `invalid value "month" for flag -stale`},
		{[]string{"lint", "-bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"lint", "-spec", "f.json", "-namespace", "shop"}, "-namespace needs -redis (or $FLAGGEN_REDIS_URL)"},
		{[]string{"lint", "-spec", "f.json", "-redis", "redis://127.0.0.1:1", "-timeout", "0s"}, "-timeout must be positive"},
	} {
		code, stdout, stderr := run(t, tc.args...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, tc.errs) {
			t.Errorf("flaggen %s: exit %d, stdout %q, stderr %q; want exit 2, stderr with %q",
				strings.Join(tc.args, " "), code, stdout, stderr, tc.errs)
		}
	}
}

func TestLintFindings(t *testing.T) {
	t.Setenv(envRedisURL, "") // the spec alone
	t.Chdir(filepath.Join(lintTestdata, "app"))
	want := []string{
		`app_test.go:18: unknown flag "new_uii" (did you mean "new_ui"?)`,
		`app_test.go:19: unknown flag "dark_mod" (did you mean "dark_mode"?)`,
		`flags/flags.json:9: flag "dark_mode" is used only in tests: use it in the code or remove it from the spec`,
		`flags/flags.json:13: flag "legacy_export" expired after 2024-06-30: remove it; run flaggen remove -spec flags/flags.json -keep on legacy_export`,
		`flags/flags.json:15: flag "forgotten" is never used: remove it from the spec (it is "client": served to client keys over OFREP, so check the apps that fetch it over HTTP first)`,
	}
	// Whether "everyone" is reported as ready to remove depends on the
	// fixture's git history (lint's own tests pin it); nothing else may be.
	const maybe = `flags/flags.json:22: flag "everyone" is on for everyone (100% rollout)`
	for _, tc := range []struct {
		warn bool
		code int
	}{{false, 1}, {true, 0}} {
		args := []string{"lint", "-spec", "flags/flags.json", "-now", "2025-01-01"}
		if tc.warn {
			args = append(args, "-warn")
		}
		args = append(args, "./...")
		code, stdout, stderr := run(t, args...)
		if code != tc.code || stderr != "" {
			t.Errorf("-warn=%v: exit %d, stderr %q; want exit %d, no stderr", tc.warn, code, stderr, tc.code)
		}
		var got []string
		for _, l := range strings.Split(strings.TrimSuffix(stdout, "\n"), "\n") {
			if !strings.HasPrefix(l, maybe) {
				got = append(got, l)
			}
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("-warn=%v: stdout:\n%s\nwant (besides %q):\n%s", tc.warn, stdout, maybe, strings.Join(want, "\n"))
		}
	}
}

func TestLintClean(t *testing.T) {
	t.Setenv(envRedisURL, "") // the spec alone
	t.Chdir(filepath.Join(lintTestdata, "clean"))
	// Packages default to ./...
	if code, stdout, stderr := run(t, "lint", "-spec", "flags/flags.json", "-now", "2025-01-01"); code != 0 || stdout != "" || stderr != "" {
		t.Errorf("exit %d, stdout %q, stderr %q; want exit 0 and no output", code, stdout, stderr)
	}
	// -spec defaults to $FLAGGEN_SPEC.
	t.Setenv(envSpec, "flags/flags.json")
	if code, stdout, stderr := run(t, "lint", "-now", "2025-01-01"); code != 0 || stdout != "" || stderr != "" {
		t.Errorf("$FLAGGEN_SPEC: exit %d, stdout %q, stderr %q; want exit 0 and no output", code, stdout, stderr)
	}
}

func TestLintFailures(t *testing.T) {
	t.Setenv(envRedisURL, "") // the spec alone
	t.Chdir(lintTestdata)
	code, stdout, stderr := run(t, "lint", "-spec", "clean/flags/flags.json", "./broken")
	if code != 1 || stdout != "" || !strings.HasPrefix(stderr, "flaggen: cannot load packages:") || !strings.Contains(stderr, "broken/broken.go:4:") {
		t.Errorf("load error: exit %d, stdout %q, stderr %q; want exit 1 and the error", code, stdout, stderr)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	writeFile(t, bad, invalidSpec)
	code, stdout, stderr = run(t, "lint", "-spec", bad, "./clean")
	if code != 1 || stdout != "" || !strings.HasPrefix(stderr, bad+":3:") {
		t.Errorf("invalid spec: exit %d, stdout %q, stderr %q; want exit 1 and positioned errors", code, stdout, stderr)
	}
	code, _, stderr = run(t, "lint", "-spec", "missing.json")
	if code != 1 || !strings.Contains(stderr, "flaggen: open missing.json") {
		t.Errorf("missing spec: exit %d, stderr %q", code, stderr)
	}
}

// lintLiveSpec has flags that are, by the spec alone, at 50% (rolled_*),
// on for everyone (switched_off, never_live) and regional (untargeted).
const lintLiveSpec = `{
  "flags": {
    "rolled_long_ago": {"active": true, "percentage_rollout": 50},
    "rolled_recently": {"active": true, "percentage_rollout": 50},
    "switched_off": {"active": true},
    "untargeted": {"active": true, "regions": ["US"]},
    "never_live": {"active": true}
  }
}
`

// lintLiveRepo writes a module using no flag, with lintLiveSpec committed
// to git on 2024-01-01, and changes into it.
func lintLiveRepo(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "go.mod"), "module lintlive\n\ngo 1.21\n")
	writeFile(t, filepath.Join(dir, "main.go"), "package main\n\nfunc main() {}\n")
	writeFile(t, filepath.Join(dir, "flags.json"), lintLiveSpec)
	for _, args := range [][]string{{"init", "-q"}, {"add", "."}, {"commit", "-q", "-m", "spec"}} {
		cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_COMMITTER_DATE=2024-01-01T00:00:00Z", "GIT_AUTHOR_DATE=2024-01-01T00:00:00Z")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	t.Chdir(dir)
}

// readyLines returns the "ready to remove" findings of lint's output.
func readyLines(out string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(out, "\n") {
		if strings.Contains(l, "ready to remove") {
			b.WriteString(l)
		}
	}
	return b.String()
}

// isNeverCountedNote reports whether stderr is lint's one note that no
// evaluation was ever counted in production.
func isNeverCountedNote(stderr string) bool {
	return strings.Count(stderr, "\n") == 1 && strings.HasPrefix(stderr, "flaggen: lint: redis at ") &&
		strings.HasSuffix(stderr, `: no evaluations were ever counted in environment "production": flags not evaluated there are not reported (apps count them with runtime.WithExposure)`+"\n")
}

func TestLintLive(t *testing.T) {
	srv := redistest.Start(t)
	lintLiveRepo(t)
	t.Setenv(envRedisURL, "")
	t.Setenv(envNamespace, "")
	url := "redis://" + srv.Addr()

	// The live history, written through a store whose clock says when.
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer rdb.Close()
	var now time.Time
	w, err := redisstore.New(rdb, redisstore.WithNamespace("shop"), redisstore.WithClock(func() time.Time { return now }),
		redisstore.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.UseSpec(flagimpl.MustLoadSpec("flags.json", []byte(lintLiveSpec)))
	for _, c := range []struct{ when, flag, patch string }{
		{"2024-03-01T10:00:00Z", "rolled_long_ago", `{"percentage_rollout":100}`},
		{"2024-03-01T10:00:00Z", "switched_off", `{"active":false}`},
		{"2024-03-01T10:00:00Z", "untargeted", `{"regions":null}`},
		{"2025-05-28T10:00:00Z", "rolled_recently", `{"percentage_rollout":100}`},
	} {
		if now, err = time.Parse(time.RFC3339, c.when); err != nil {
			t.Fatal(err)
		}
		ch := store.Change{Actor: "alice", Reason: "ramp", Flags: map[string]json.RawMessage{c.flag: json.RawMessage(c.patch)}}
		if _, err := w.Apply(context.Background(), ch); err != nil {
			t.Fatal(err)
		}
	}
	before := liveMark(t, srv, "shop")

	// By the spec alone (-redis "" although $FLAGGEN_REDIS_URL is set).
	t.Setenv(envRedisURL, url)
	t.Setenv(envNamespace, "shop")
	code, out, errs := run(t, "lint", "-spec", "flags.json", "-now", "2025-06-01", "-redis", "")
	want := `flags.json:5: flag "switched_off" is on for everyone (no targeting) and flags.json is unchanged since 2024-01-01: ready to remove; run flaggen remove -spec flags.json -keep on switched_off` + "\n" +
		`flags.json:7: flag "never_live" is on for everyone (no targeting) and flags.json is unchanged since 2024-01-01: ready to remove; run flaggen remove -spec flags.json -keep on never_live` + "\n"
	if code != 1 || errs != "" || readyLines(out) != want {
		t.Errorf("spec alone: exit %d, stderr %q, findings:\n%s\nwant:\n%s", code, errs, readyLines(out), want)
	}

	// Live, from $FLAGGEN_REDIS_URL and $FLAGGEN_NAMESPACE, and from the
	// options: rolled_long_ago and untargeted count, rolled_recently was
	// changed four days ago, switched_off is off.
	want = `flags.json:3: flag "rolled_long_ago" is on for everyone (100% rollout; live patch {"percentage_rollout":100}) and flags.json is unchanged since 2024-01-01 (last live change 2024-03-01 by alice): ready to remove; run flaggen remove -spec flags.json -keep on rolled_long_ago` + "\n" +
		`flags.json:6: flag "untargeted" is on for everyone (no targeting; live patch {"regions":null}) and flags.json is unchanged since 2024-01-01 (last live change 2024-03-01 by alice): ready to remove; run flaggen remove -spec flags.json -keep on untargeted` + "\n" +
		`flags.json:7: flag "never_live" is on for everyone (no targeting) and flags.json is unchanged since 2024-01-01: ready to remove; run flaggen remove -spec flags.json -keep on never_live` + "\n"
	for _, args := range [][]string{
		{"lint", "-spec", "flags.json", "-now", "2025-06-01"},
		{"lint", "-spec", "flags.json", "-now", "2025-06-01", "-redis", srv.Addr(), "-namespace", "shop", "-warn", "./..."},
	} {
		code, out, errs := run(t, args...)
		wantCode := 1
		if strings.Contains(strings.Join(args, " "), "-warn") {
			wantCode = 0
		}
		if code != wantCode || !isNeverCountedNote(errs) || readyLines(out) != want {
			t.Errorf("flaggen %s: exit %d, stderr %q, findings:\n%s\nwant:\n%s", strings.Join(args, " "), code, errs, readyLines(out), want)
		}
	}
	// Another namespace has no live state: the spec alone.
	if code, out, _ := run(t, "lint", "-spec", "flags.json", "-now", "2025-06-01", "-namespace", "other"); code != 1 || !strings.Contains(out, `"switched_off" is on for everyone`) {
		t.Errorf("-namespace other: exit %d, stdout:\n%s", code, out)
	}
	// A month later rolled_recently is long unchanged too.
	if _, out, _ := run(t, "lint", "-spec", "flags.json", "-now", "2025-07-01"); !strings.Contains(out, `flags.json:4: flag "rolled_recently" is on for everyone (100% rollout; live patch {"percentage_rollout":100}) and flags.json is unchanged since 2024-01-01 (last live change 2025-05-28 by alice): ready to remove; run flaggen remove -spec flags.json -keep on rolled_recently`) {
		t.Errorf("a month later, rolled_recently is not ready to remove:\n%s", out)
	}
	if after := liveMark(t, srv, "shop"); after != before {
		t.Errorf("lint wrote to Redis: before %s, after %s", before, after)
	}

	// The apps run another spec: a warning, and lint goes on.
	if err := w.RecordSpec(context.Background(), "app/flags.json", []byte(`{"flags": {}}`)); err != nil {
		t.Fatal(err)
	}
	code, out, errs = run(t, "lint", "-spec", "flags.json", "-now", "2025-06-01")
	if first, rest, _ := strings.Cut(errs, "\n"); code != 1 || readyLines(out) != want || !strings.HasPrefix(first, "flaggen: warning: -spec flags.json (sha256 ") || !isNeverCountedNote(rest) {
		t.Errorf("recorded spec differs: exit %d, stderr %q, findings:\n%s", code, errs, readyLines(out))
	}

	// Redis down: the operator commands' one-line error, exit 1.
	srv.Stop()
	code, out, errs = run(t, "lint", "-spec", "flags.json", "-now", "2025-06-01", "-timeout", "1s")
	if code != 1 || out != "" || !strings.HasPrefix(errs, "flaggen: redis at "+url+" unreachable: ") || strings.Count(errs, "\n") != 1 {
		t.Errorf("redis down: exit %d, stdout %q, stderr %q; want exit 1 and one line \"redis at %s unreachable: …\"", code, out, errs, url)
	}
}

// TestLintUnevaluated: with -redis, lint reports the flags not evaluated
// in production for -eval-days, by the counts a real Client keeps in a
// real Redis (runtime.WithExposure), judged at -now.
func TestLintUnevaluated(t *testing.T) {
	srv := redistest.Start(t)
	lintLiveRepo(t)
	t.Setenv(envRedisURL, "redis://"+srv.Addr())
	t.Setenv(envNamespace, "evals")
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer rdb.Close()
	st, err := redisstore.New(rdb, redisstore.WithNamespace("evals"), redisstore.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	c, err := runtime.NewClient(flagimpl.MustLoadSpec("flags.json", []byte(lintLiveSpec)), runtime.WithStore(st), runtime.WithExposure(),
		runtime.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 3 {
		c.Evaluate(ctx, "rolled_recently", []runtime.Value{runtime.Int(7)})
		c.Evaluate(ctx, "untargeted", nil)
	}
	if err := c.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	c.Close()
	day := time.Now().UTC().Format(time.DateOnly)
	evalLines := func(out string) string {
		var b strings.Builder
		for _, l := range strings.SplitAfter(out, "\n") {
			if strings.Contains(l, "evaluated in") {
				b.WriteString(l)
			}
		}
		return b.String()
	}
	at := func(d time.Duration) string { return time.Now().Add(d).UTC().Format(time.RFC3339) }

	if _, out, errs := run(t, "lint", "-spec", "flags.json", "-now", at(48*time.Hour)); evalLines(out) != "" || errs != "" {
		t.Errorf("two days later: %q, stderr %q; want nothing", evalLines(out), errs)
	}
	want := `flags.json:3: flag "rolled_long_ago" never evaluated in production since counting began ` + day + ` (40 days): is it still used?` + "\n" +
		`flags.json:4: flag "rolled_recently" not evaluated in production for 40 days (last ` + day + `): is it still used?` + "\n" +
		`flags.json:5: flag "switched_off" never evaluated in production since counting began ` + day + ` (40 days): is it still used?` + "\n" +
		`flags.json:6: flag "untargeted" not evaluated in production for 40 days (last ` + day + `): is it still used?` + "\n" +
		`flags.json:7: flag "never_live" never evaluated in production since counting began ` + day + ` (40 days): is it still used?` + "\n"
	if code, out, _ := run(t, "lint", "-spec", "flags.json", "-now", at(40*24*time.Hour+time.Hour)); code != 1 || evalLines(out) != want {
		t.Errorf("40 days later: exit %d, findings:\n%s\nwant:\n%s", code, evalLines(out), want)
	}
	if _, out, _ := run(t, "lint", "-spec", "flags.json", "-now", at(40*24*time.Hour+time.Hour), "-eval-days", "41"); evalLines(out) != "" {
		t.Errorf("-eval-days 41: %s", evalLines(out))
	}
	if _, out, errs := run(t, "lint", "-spec", "flags.json", "-now", at(40*24*time.Hour), "-eval-env", "staging"); evalLines(out) != "" ||
		!strings.Contains(errs, `no evaluations were ever counted in environment "staging"`) || strings.Count(errs, "\n") != 1 {
		t.Errorf("-eval-env staging: %q, stderr %q", evalLines(out), errs)
	}
	for _, bad := range [][]string{{"-eval-days", "0"}, {"-eval-days", "x"}, {"-eval-env", ""}, {"-eval-days", "36501"}, {"-eval-days", "9223372036854775807"}} {
		if code, _, errs := run(t, append([]string{"lint", "-spec", "flags.json"}, bad...)...); code != 2 || !strings.Contains(errs, bad[0]) {
			t.Errorf("lint %v: exit %d, stderr %q; want a usage error", bad, code, errs)
		}
	}
}

// TestLintEvalEnvDeclared: with a spec that declares its environments,
// -eval-env must name one of them (a usage error naming them).
func TestLintEvalEnvDeclared(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "flags.json")
	if err := os.WriteFile(file, []byte(`{"environments": ["production", "staging"], "flags": {"a": {"active": true}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := run(t, "lint", "-spec", file, "-redis", "redis://127.0.0.1:1", "-eval-env", "prodution")
	if code != 2 || !strings.Contains(errs, `-eval-env "prodution": the spec does not declare it (declared: production, staging)`) {
		t.Errorf("lint -eval-env prodution: exit %d, stderr %q; want a usage error naming the declared environments", code, errs)
	}
}
