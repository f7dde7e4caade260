package cli

import (
	"flag"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flaggen/flaggen/internal/redistest"
)

// planted is the password planted in every Redis URL of
// TestSecretsNeverPrinted; plantedMark is what no output may contain (it
// is in the written and in the decoded form).
const (
	planted     = "Pl4nted%21Secret" // decoded: Pl4nted!Secret
	plantedMark = "Pl4nted"
)

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// plantedURLs returns Redis URLs holding the planted password, good (a
// real redis-server whose ACL user "op" has that password) and bad, by
// what they exercise.
func plantedURLs(t *testing.T, srv *redistest.Server) map[string]string {
	t.Helper()
	if _, err := redistest.Do(srv.Addr(), "ACL", "SETUSER", "op", "on", ">Pl4nted!Secret", "~*", "&*", "+@all"); err != nil {
		t.Fatal(err)
	}
	addr, down := srv.Addr(), closedPort(t)
	return map[string]string{
		"good":            "redis://op:" + planted + "@" + addr,
		"wrong password":  "redis://op:" + planted + "x@" + addr,
		"bad port":        "redis://op:" + planted + "@127.0.0.1:badport",
		"bad scheme":      "foo://op:" + planted + "@" + addr,
		"unreachable":     "redis://op:" + planted + "@" + down,
		"bad query":       "redis://op:" + planted + "@" + addr + "/0?dial_timeout=abc",
		"password option": "redis://" + addr + "?password=" + planted,
		"bad escape":      "redis://op:" + planted + "%zz@" + addr,
		"slash":           "redis://op:pa/" + planted + "@" + addr,
		"bracket":         "redis://op:" + planted + "@[::1",
		"legacy":          "redis://" + planted + "@" + addr,
		"bare":            "op:" + planted + "@" + addr,
		"unix":            "unix://op:" + planted + "@/nonexistent/redis.sock",
		"cluster":         "redis+cluster://op:" + planted + "@" + addr,
		"sentinel":        "redis+sentinel://op:" + planted + "@" + down + "?master_name=m&password=" + planted,
		"sentinel option": "redis+sentinel://" + down + "?master_name=m&sentinel_password=" + planted,
	}
}

// sweepArgs are positional arguments, one of which takes each command past
// its usage checks to Redis.
var sweepArgs = [][]string{
	{},
	{"new_ui"},
	{"new_ui", "-reason", "sweep"},
	{"new_ui", "50", "-reason", "sweep"},
	{"new_ui", `{"active": true}`, "-reason", "sweep"},
	{"ls"},
	{"status", "winter_launch"},
	{"disable", "winter_launch", "-reason", "sweep"},
}

// TestSecretsNeverPrinted runs every command of the table (so that a new
// command is covered without touching this test) with Redis URLs holding a
// planted password, from $FLAGGEN_REDIS_URL and from -redis, good and bad,
// and its help and usage errors, and checks that the password appears in
// no output.
func TestSecretsNeverPrinted(t *testing.T) {
	srv := opsEnv(t)
	urls := plantedURLs(t, srv)
	// lint type-checks the packages where it runs, and the sweep runs it
	// over a hundred times: run it in a small package, not this one.
	demo, err := filepath.Abs(demoSpec)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(envSpec, demo)
	t.Chdir(filepath.Join(lintTestdata, "clean"))
	check := func(args []string, what string) (int, string) {
		t.Helper()
		code, out, errs := run(t, args...)
		if strings.Contains(out, plantedMark) || strings.Contains(errs, plantedMark) {
			t.Errorf("%s: flaggen %q shows the password (exit %d)\nstdout:\n%s\nstderr:\n%s", what, args, code, out, errs)
		}
		return code, out + errs
	}
	redacted := map[string]bool{} // URL forms shown redacted at least once
	for _, c := range Commands() {
		if c.Name == "serve" {
			continue // it runs until SIGTERM: TestServeSecretsNeverPrinted
		}
		fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
		c.Setup(fs)
		hasRedis := fs.Lookup("redis") != nil
		// The positional arguments that take the command past its usage
		// checks with the good URL: then it uses the URL.
		var pos []string
		for _, p := range sweepArgs {
			args := append(append([]string{c.Name, "-timeout", "2s"}, p...), "-redis", urls["good"])
			code, out := check(args, "good, -redis")
			if code != 2 || strings.Contains(out, "-redis") {
				pos = p
				break
			}
		}
		if hasRedis && pos == nil {
			t.Errorf("flaggen %s never got past its usage checks with the good URL: the sweep does not reach Redis for it (extend sweepArgs)", c.Name)
		}
		for form, url := range urls {
			t.Setenv(envRedisURL, url)
			check([]string{c.Name, "-h"}, form+", help")
			check([]string{"help", c.Name}, form+", help")
			check([]string{c.Name, "-no-such-option"}, form+", usage error")
			check([]string{c.Name, "-timeout", url}, form+", URL as another option's value")
			check([]string{c.Name, url}, form+", URL as an argument")
			args := append([]string{c.Name, "-timeout", "2s"}, pos...)
			_, out := check(args, form+", $"+envRedisURL)
			if hasRedis {
				_, out1 := check(append(args, "-redis", url), form+", -redis")
				_, out2 := check(append(args, "-redis="+url), form+", -redis=")
				out += out1 + out2
			}
			redacted[form] = redacted[form] || strings.Contains(out, "xxxxx")
		}
	}
	for _, args := range [][]string{{}, {"help"}, {"-h"}, {"no-such-command"}, {"help", "no-such-command"}} {
		check(args, "top-level usage")
	}
	for form := range urls {
		if !redacted[form] && form != "good" && form != "legacy" { // both connect
			t.Errorf("URL form %q was never shown redacted: the sweep does not reach its error", form)
		}
	}
}
