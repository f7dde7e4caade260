package cli

import (
	"context"
	"log/slog"
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

// appSpec is the spec of the app in these tests: not the demo spec, so that
// a command that works with no -spec shows it used the recorded one.
const appSpec = `{
  "flags": {
    "pay_later": {"active": true, "percentage_rollout": 20},
    "dark_mode": {"active": true}
  }
}
`

// startApp runs an app Client of spec src in namespace ns over rdb, as a
// generated package would (it records its spec at start-up), and returns
// it.
func startApp(t testing.TB, rdb redis.UniversalClient, ns, src string) *runtime.Client {
	t.Helper()
	t.Cleanup(func() { rdb.Close() })
	quiet := slog.New(slog.DiscardHandler)
	backend, err := redisstore.New(rdb, redisstore.WithNamespace(ns), redisstore.WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { backend.Close() })
	c, err := runtime.NewClient(flagimpl.MustLoadSpec("flags.json", []byte(src)), runtime.WithStore(backend), runtime.WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Health(); err != nil {
		t.Fatalf("app did not reach Redis: %v", err)
	}
	return c
}

// recordedEnv points the commands at url and namespace ns, without a spec.
func recordedEnv(t *testing.T, url, ns string) {
	t.Setenv(envRedisURL, url)
	t.Setenv(envNamespace, ns)
	t.Setenv(envSpec, "")
	t.Setenv("USER", "tester")
}

// waitEval waits until the app evaluates flag to want, woken by the app's
// own change notifications (Client.OnChange).
func waitEval(t *testing.T, c *runtime.Client, flag string, want any) {
	t.Helper()
	changed := make(chan struct{}, 1)
	stop := c.OnChange(func([]string) {
		select {
		case changed <- struct{}{}:
		default:
		}
	})
	defer stop()
	timeout := time.After(5 * time.Second)
	for c.Evaluate(context.Background(), flag, nil) != want {
		select {
		case <-changed:
		case <-timeout:
			t.Fatalf("the app does not see %s = %v", flag, want)
		}
	}
}

// eventually waits until cond holds, checking it every few milliseconds:
// for conditions in Redis that nothing announces (a subscription, a
// registration by an app).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	timeout := time.After(5 * time.Second)
	for !cond() {
		select {
		case <-tick.C:
		case <-timeout:
			t.Fatalf("timed out waiting until %s", what)
		}
	}
}

func TestOpsUseRecordedSpec(t *testing.T) {
	srv := redistest.Start(t)
	url := "redis://" + srv.Addr()
	recordedEnv(t, url, "shop")

	// No app has run in the namespace: a clear error, nothing written.
	for _, args := range [][]string{{"ls"}, {"disable", "pay_later", "-reason", "x"}, {"eval", "-redis", url, "{}"}} {
		code, out, errs := run(t, args...)
		want := "flaggen: no spec recorded in namespace shop at " + url + ": start an app with this namespace or pass -spec FILE\n"
		if code != 1 || out != "" || errs != want {
			t.Errorf("flaggen %s before any app: exit %d, stdout %q, stderr %q; want exit 1, %q", strings.Join(args, " "), code, out, errs, want)
		}
	}
	if m := liveMark(t, srv, "shop"); m != "version , audit 0, patches 0" {
		t.Errorf("commands without a spec wrote to the namespace: %s", m)
	}

	app := startApp(t, redis.NewClient(&redis.Options{Addr: srv.Addr()}), "shop", appSpec)

	// ls and get: the app's flags, from the recorded spec.
	code, ls, errs := run(t, "ls")
	if code != 0 || errs != "" || !strings.Contains(lineWith(ls, "pay_later "), "20%") || lineWith(ls, "dark_mode ") == "" || strings.Contains(ls, "new_ui") {
		t.Fatalf("ls with the recorded spec: exit %d, stderr %q\n%s", code, errs, ls)
	}
	// Names and values are checked against the recorded spec.
	for _, tc := range []struct {
		args []string
		errs string
	}{
		{[]string{"disable", "pay_latr", "-reason", "x"}, `flaggen: unknown flag "pay_latr" (did you mean pay_later?)`},
		{[]string{"disable", "new_ui", "-reason", "x"}, `unknown flag "new_ui"`},
		{[]string{"patch", "pay_later", `{"percentage_rollout": 300}`}, "percentage_rollout"},
		{[]string{"release", "status", "winter_launch"}, "the spec declares no releases"},
	} {
		before := liveMark(t, srv, "shop")
		code, _, errs := run(t, tc.args...)
		if code != 1 || !strings.Contains(errs, tc.errs) {
			t.Errorf("flaggen %s: exit %d, stderr %q; want exit 1 and %q", strings.Join(tc.args, " "), code, errs, tc.errs)
		}
		if after := liveMark(t, srv, "shop"); after != before {
			t.Errorf("flaggen %s wrote: %s → %s", strings.Join(tc.args, " "), before, after)
		}
	}
	// A write goes through, and the app sees it.
	if out := mustRun(t, "disable", "dark_mode", "-reason", "contrast bug"); !strings.HasPrefix(out, "dark_mode: off") {
		t.Errorf("disable dark_mode printed %q", out)
	}
	waitEval(t, app, "dark_mode", false)
	code, out, errs := run(t, "eval", "-redis", url, "{}")
	if code != 0 || errs != "" || out != `{"dark_mode":false,"pay_later":true}`+"\n" {
		t.Errorf("eval -redis with the recorded spec: exit %d, stdout %q, stderr %q", code, out, errs)
	}

	// The same spec given as a file (verbatim, or only reformatted): no warning.
	dir := t.TempDir()
	same := filepath.Join(dir, "flags.json")
	writeFile(t, same, appSpec)
	reformatted := filepath.Join(dir, "compact.json")
	writeFile(t, reformatted, strings.Join(strings.Fields(appSpec), ""))
	for _, f := range []string{same, reformatted} {
		if code, _, errs := run(t, "get", "pay_later", "-spec", f); code != 0 || errs != "" {
			t.Errorf("get -spec %s (the recorded spec): exit %d, stderr %q; want no warning", f, code, errs)
		}
	}
	// A different spec: a one-line warning, and -spec is used.
	code, out, errs = run(t, "get", "new_ui", "-spec", demoSpec)
	if code != 0 || !strings.HasPrefix(out, "flag:        new_ui") || strings.Count(errs, "\n") != 1 ||
		!strings.HasPrefix(errs, "flaggen: warning: -spec "+demoSpec+" (sha256 ") ||
		!strings.Contains(errs, "differs from the spec the apps recorded in namespace shop (flags.json, sha256 "+store.SpecSHA256([]byte(appSpec))[:12]+"); using -spec\n") {
		t.Errorf("get -spec with a different spec: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	t.Setenv(envSpec, demoSpec)
	if code, _, errs := run(t, "eval", "-redis", url, "-flag", "new_ui", "{}"); code != 0 || !strings.HasPrefix(errs, "flaggen: warning: $FLAGGEN_SPEC "+demoSpec+" ") {
		t.Errorf("eval with a different $FLAGGEN_SPEC: exit %d, stderr %q", code, errs)
	}
	// The operator's -spec never replaces the apps' record.
	if _, src, ok, err := redisSpec(t, srv.Addr(), "shop"); err != nil || !ok || src != appSpec {
		t.Errorf("the recorded spec changed: %q, %v, %v", src, ok, err)
	}
}

// nsStore opens a store of its own on namespace ns of the Redis at addr,
// closed with the test (Close may close it before).
func nsStore(t *testing.T, addr, ns string) *redisstore.Store {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { rdb.Close() })
	s, err := redisstore.New(rdb, redisstore.WithNamespace(ns), redisstore.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// redisSpec reads a namespace's recorded spec with a store of its own.
func redisSpec(t *testing.T, addr, ns string) (string, string, bool, error) {
	t.Helper()
	file, src, ok, err := nsStore(t, addr, ns).RecordedSpec(context.Background())
	return file, string(src), ok, err
}

func TestOpsRecordedSpecUnloadable(t *testing.T) {
	srv := redistest.Start(t)
	url := "redis://" + srv.Addr()
	recordedEnv(t, url, "default")
	src := `{"flags": {"x": {"active": "yes"}}}`
	sum := store.SpecSHA256([]byte(src))
	if _, err := redistest.Do(srv.Addr(), "HSET", "flaggen:{default}:spec", "file", "flags.json", "source", src, "sha256", sum, "time", "2025-01-01T00:00:00Z"); err != nil {
		t.Fatal(err)
	}
	code, _, errs := run(t, "ls")
	if code != 1 || !strings.HasPrefix(errs, "flaggen: the spec recorded in namespace default at "+url+" (flags.json) does not load with this flaggen (pass -spec FILE):\n") {
		t.Errorf("ls over an unloadable recorded spec: exit %d, stderr %q", code, errs)
	}
}

func TestOpsClusterURL(t *testing.T) {
	cl := redistest.StartCluster(t, 3)
	addrs := cl.Addrs()
	app := startApp(t, redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs}), "shop", appSpec)
	// One seed node in the URL host, another as addr=: the client finds the rest.
	url := "redis+cluster://" + addrs[1] + "?addr=" + addrs[2]
	recordedEnv(t, url, "shop")
	if ls := mustRun(t, "ls"); !strings.Contains(lineWith(ls, "pay_later "), "20%") {
		t.Fatalf("ls over the Cluster:\n%s", ls)
	}
	mustRun(t, "rollout", "pay_later", "60", "-reason", "cluster test")
	waitEval(t, app, "pay_later", true)
	if l := lineWith(mustRun(t, "ls"), "pay_later "); !strings.Contains(l, "60%") || !strings.Contains(l, "tester: cluster test") {
		t.Errorf("ls after rollout over the Cluster: %q", l)
	}
	if audit := mustRun(t, "audit", "pay_later"); !strings.Contains(audit, `{"percentage_rollout":60}`) {
		t.Errorf("audit over the Cluster:\n%s", audit)
	}
	// The keys sit in the Cluster, under the namespace's hash tag.
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
	defer rdb.Close()
	if src, err := rdb.HGet(context.Background(), "flaggen:{shop}:spec", "source").Result(); err != nil || src != appSpec {
		t.Errorf("HGET flaggen:{shop}:spec source in the Cluster = %q, %v", src, err)
	}
}

func TestOpsSentinelURL(t *testing.T) {
	x := redistest.StartSentinel(t)
	app := startApp(t, redis.NewFailoverClient(&redis.FailoverOptions{MasterName: redistest.MasterName, SentinelAddrs: []string{x.Addr()}}), "shop", appSpec)
	url := "redis+sentinel://" + x.Addr() + "?master_name=" + redistest.MasterName
	recordedEnv(t, url, "shop")
	if ls := mustRun(t, "ls"); !strings.Contains(lineWith(ls, "dark_mode "), " on ") {
		t.Fatalf("ls over Sentinel:\n%s", ls)
	}
	mustRun(t, "disable", "dark_mode", "-reason", "sentinel test")
	waitEval(t, app, "dark_mode", false)
	// The write reached the master the Sentinel names.
	if v, err := redistest.Do(x.Master.Addr(), "HGET", "flaggen:{shop}:patches", "dark_mode"); err != nil || v != `{"active":false}` {
		t.Errorf("HGET on the master = %q, %v", v, err)
	}
	code, out, errs := run(t, "eval", "-redis", url, "-flag", "dark_mode", "{}")
	if code != 0 || out != `{"dark_mode":false}`+"\n" {
		t.Errorf("eval over Sentinel: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}
