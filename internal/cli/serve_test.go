package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/flaggen/flaggen/internal/redistest"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// flaggenBinary builds cmd/flaggen once for the package's tests.
func flaggenBinary(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the flaggen binary")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "flaggen-serve-test")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "flaggen")
		out, err := exec.Command("go", "build", "-o", binPath, "../../cmd/flaggen").CombinedOutput()
		if err != nil {
			buildErr = err
			binPath = string(out)
		}
	})
	if buildErr != nil {
		t.Fatalf("go build ./cmd/flaggen: %v\n%s", buildErr, binPath)
	}
	return binPath
}

// server is a running 'flaggen serve'.
type server struct {
	cmd  *exec.Cmd
	url  string
	logs chan string // standard error, a line at a time
	done chan error  // the process's exit
}

var listening = regexp.MustCompile(`msg="flaggen serve: listening" addr=(https?://127\.0\.0\.1:\d+)`)

// startServe starts the built binary as a README shows it, with env
// added to a clean environment, on a free loopback port, and waits until
// it listens.
func startServe(t testing.TB, env []string, args ...string) *server {
	t.Helper()
	s, out := launchServe(t, env, args...)
	if s.url == "" {
		t.Fatalf("flaggen serve ended without listening: %v\n%s", <-s.done, out)
	}
	return s
}

// launchServe starts the built binary and returns once it listens (url
// set) or has ended, with what it logged until then.
func launchServe(t testing.TB, env []string, args ...string) (*server, string) {
	t.Helper()
	cmd := exec.Command(flaggenBinary(t), append([]string{"serve", "-addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, logs: make(chan string, 100), done: make(chan error, 1)}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			s.logs <- sc.Text()
		}
		close(s.logs)
		s.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		for range s.logs {
		}
	})
	var out strings.Builder
	for line := range s.logs {
		out.WriteString(line + "\n")
		if m := listening.FindStringSubmatch(line); m != nil {
			s.url = m[1]
			break
		}
	}
	return s, out.String()
}

// waitLog waits for a log line holding sub and returns it.
func (s *server) waitLog(t *testing.T, sub string) string {
	t.Helper()
	for line := range s.logs {
		if strings.Contains(line, sub) {
			return line
		}
	}
	t.Fatalf("flaggen serve ended without logging %q", sub)
	return ""
}

// call sends a request with the admin token s3cret and decodes the JSON
// answer into v (when not nil); it returns the status.
func (s *server) call(t testing.TB, method, path, body string, v any) int {
	t.Helper()
	return s.callAs(t, "s3cret", method, path, body, v)
}

// callAs is call with key instead of s3cret.
func (s *server) callAs(t testing.TB, key, method, path, body string, v any) int {
	t.Helper()
	req, err := http.NewRequest(method, s.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s %s: %d %s: %v", method, path, resp.StatusCode, b, err)
		}
	}
	return resp.StatusCode
}

// TestServeBinary starts the built binary over the embedded memory store,
// reads /healthz, writes through the admin API as the token's name, and
// stops it with SIGTERM while a write is in flight: the write is answered
// and the server exits 0.
func TestServeBinary(t *testing.T) {
	s := startServe(t, []string{"FLAGGEN_ADMIN_TOKENS=ops:s3cret", "FLAGGEN_SPEC=" + demoSpec})
	resp, err := http.Get(s.url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET /healthz: %s", resp.Status)
	}
	if resp, err := http.Get(s.url + "/admin/v1/flags"); err != nil || resp.StatusCode != 401 {
		t.Errorf("GET /admin/v1/flags without a token: %v %v", resp.Status, err)
	}
	var w struct {
		Wrote bool
		Flag  struct{ State string }
	}
	if code := s.call(t, "POST", "/admin/v1/flags/new_ui/disable", `{"reason": "incident 7"}`, &w); code != 200 || !w.Wrote || w.Flag.State != "off" {
		t.Errorf("disable: %d %+v", code, w)
	}
	var trail struct {
		Entries []struct{ Actor, Reason string }
	}
	if s.call(t, "GET", "/admin/v1/audit", "", &trail); len(trail.Entries) != 1 || trail.Entries[0].Actor != "ops" {
		t.Errorf("audit: %+v, want one entry by ops (the token's name)", trail)
	}

	// A request in flight when SIGTERM arrives: its handler runs (it
	// asked for the body: "100 Continue"), its body is not sent yet.
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"reason": "drain"}`
	if _, err := fmt.Fprintf(conn, "POST /admin/v1/flags/new_ui/enable HTTP/1.1\r\nHost: flaggen\r\nAuthorization: Bearer s3cret\r\n"+
		"Content-Type: application/json\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", len(body)); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	if cont, err := http.ReadResponse(br, nil); err != nil || cont.StatusCode != 100 {
		t.Fatalf("want 100 Continue: %v %v", cont, err)
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	s.waitLog(t, "flaggen serve: shutting down")
	if _, err := io.WriteString(conn, body); err != nil {
		t.Fatal(err)
	}
	r, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("the request in flight at SIGTERM: %v", err)
	}
	r.Body.Close()
	if r.StatusCode != 200 {
		t.Errorf("the request in flight at SIGTERM: %s", r.Status)
	}
	s.waitLog(t, "flaggen serve: stopped")
	for range s.logs {
	}
	if err := <-s.done; err != nil {
		t.Errorf("flaggen serve after SIGTERM: %v, want exit status 0", err)
	}
}

// TestServeRedis: over a Redis, the admin API writes the live state the
// CLI reads, and the spec comes from the namespace when not given.
func TestServeRedis(t *testing.T) {
	srv := opsEnv(t)
	mustRun(t, "enable", "advanced_search") // records nothing: the spec comes from $FLAGGEN_SPEC
	url := "redis://" + srv.Addr()
	s := startServe(t, []string{"FLAGGEN_ADMIN_TOKENS=ops:s3cret", "FLAGGEN_REDIS_URL=" + url}, "-spec", demoSpec, "-env", "dev")
	if code := s.call(t, "POST", "/admin/v1/flags/new_ui/rollout", `{"percentage": 5, "reason": "slow down"}`, nil); code != 200 {
		t.Fatalf("rollout: %d", code)
	}
	out := mustRun(t, "get", "new_ui", "-json")
	var got struct {
		Fields     []struct{ Field, Source string }
		LastChange struct{ Actor, Reason string } `json:"last_change"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got.LastChange.Actor != "ops" || got.LastChange.Reason != "slow down" {
		t.Errorf("flaggen get after the admin API's rollout: last change %+v", got.LastChange)
	}
	var h struct{ Status, Store string }
	if code := s.call(t, "GET", "/admin/v1/health", "", &h); code != 200 || !strings.Contains(h.Store, srv.Addr()) {
		t.Errorf("health: %d %+v", code, h)
	}
}

// TestServeSecretsNeverPrinted: serve, given Redis URLs holding a
// planted password, good and bad, never shows it: not in its log, its
// errors nor its health. (TestSecretsNeverPrinted covers the commands
// that end by themselves.)
func TestServeSecretsNeverPrinted(t *testing.T) {
	srv := redistest.Start(t)
	listened := 0
	for form, url := range plantedURLs(t, srv) {
		s, out := launchServe(t, []string{"FLAGGEN_ADMIN_TOKENS=ops:s3cret", "FLAGGEN_REDIS_URL=" + url}, "-spec", demoSpec, "-timeout", "2s")
		if s.url != "" {
			listened++
			var h json.RawMessage
			s.call(t, "GET", "/admin/v1/health", "", &h)
			s.call(t, "GET", "/admin/v1/flags/nope", "", &h)
			out += string(h)
			if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
		}
		for line := range s.logs {
			out += line + "\n"
		}
		if strings.Contains(out, plantedMark) {
			t.Errorf("%s: flaggen serve shows the password:\n%s", form, out)
		}
	}
	if listened == 0 {
		t.Error("flaggen serve listened with none of the URLs: the test does not reach its log")
	}
}

// TestServeRefuses: no spec without a Redis, a public address without
// keys, malformed tokens.
func TestServeRefuses(t *testing.T) {
	for _, v := range []string{envServerKeys, envClientKeys, envAdminTokens, envCORSOrigins, envPublicURL} {
		t.Setenv(v, "")
	}
	for _, c := range []struct {
		env, args []string
		want      string
	}{
		{nil, []string{"serve"}, "no spec: pass -spec FILE"},
		{nil, []string{"serve", "-spec", demoSpec, "-addr", "0.0.0.0:0"}, "not a loopback address"},
		{nil, []string{"serve", "-spec", demoSpec, "-addr", ":0"}, "not a loopback address"},
		{[]string{envAdminTokens, "ops"}, []string{"serve", "-spec", demoSpec}, "want name:token"},
		{[]string{envAdminTokens, "a:x,b:x"}, []string{"serve", "-spec", demoSpec}, "same token as a"},
		{nil, []string{"serve", "-spec", demoSpec, "-env", ""}, "-env must not be empty"},
		{nil, []string{"serve", "-spec", demoSpec, "extra"}, "unexpected argument"},
		{[]string{envCORSOrigins, "https://app.example.com/"}, []string{"serve", "-spec", demoSpec}, "-cors-origins (or $FLAGGEN_CORS_ORIGINS): origin \"https://app.example.com/\" never matches: browsers send it as https://app.example.com"},
		{nil, []string{"serve", "-spec", demoSpec, "-cors-origins", "https://a.example,null"}, `origin "null" is what sandboxed frames`},
		{nil, []string{"serve", "-spec", demoSpec, "-public-url", "flags.example.com"}, `-public-url (or $FLAGGEN_PUBLIC_URL): "flags.example.com": want http(s)://HOST`},
		{[]string{envPublicURL, "https://flags.example.com/?x"}, []string{"serve", "-spec", demoSpec}, "no user, query or fragment"},
	} {
		if c.env != nil {
			t.Setenv(c.env[0], c.env[1])
		}
		code, _, errs := run(t, c.args...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("flaggen %s: exit %d, stderr %q; want 2 and %q", strings.Join(c.args, " "), code, errs, c.want)
		}
		if c.env != nil {
			t.Setenv(c.env[0], "")
		}
	}
}

// TestReadKeys: key files hold keys separated by commas or lines; lines
// starting with # are comments (flaghttp.ReadKeyFile).
func TestReadKeys(t *testing.T) {
	file := filepath.Join(t.TempDir(), "keys")
	writeFile(t, file, "# server keys\nk1, \n\nk2\n  # old: k0\n")
	got, err := readKeys(file, envServerKeys)
	if err != nil || got != "k1,k2" {
		t.Errorf("readKeys = %q, %v", got, err)
	}
	if _, err := readKeys(filepath.Join(t.TempDir(), "missing"), envServerKeys); err == nil {
		t.Error("readKeys of a missing file: no error")
	}
}

// TestServeCORS: the built binary opens the OFREP routes to the browser
// origins of $FLAGGEN_CORS_ORIGINS, which -cors-origins replaces, and to
// no other; the admin API stays closed to them.
func TestServeCORS(t *testing.T) {
	for _, c := range []struct {
		env, args []string
	}{
		{[]string{envCORSOrigins + "=https://app.example.com, http://localhost:3000"}, nil},
		{[]string{envCORSOrigins + "=https://other.example"}, []string{"-cors-origins", "https://app.example.com,http://localhost:3000"}},
	} {
		s := startServe(t, append([]string{"FLAGGEN_CLIENT_KEYS=cl1ent", "FLAGGEN_ADMIN_TOKENS=ops:s3cret", "FLAGGEN_SPEC=" + demoSpec}, c.env...), c.args...)
		preflight := func(path, origin string) http.Header {
			t.Helper()
			req, err := http.NewRequest("OPTIONS", s.url+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Origin", origin)
			req.Header.Set("Access-Control-Request-Method", "POST")
			req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.Header
		}
		for _, o := range []string{"https://app.example.com", "http://localhost:3000"} {
			if got := preflight("/ofrep/v1/evaluate/flags", o).Get("Access-Control-Allow-Origin"); got != o {
				t.Errorf("%v %v: preflight from %s: Access-Control-Allow-Origin %q", c.env, c.args, o, got)
			}
		}
		for path, o := range map[string]string{"/ofrep/v1/evaluate/flags": "https://other.example", "/admin/v1/flags/new_ui/disable": "https://app.example.com"} {
			if got := preflight(path, o).Get("Access-Control-Allow-Origin"); got != "" {
				t.Errorf("%v %v: preflight of %s from %s: Access-Control-Allow-Origin %q, want none", c.env, c.args, path, o, got)
			}
		}
	}
}

// TestServePublicURL: behind a proxy, bulk answers point the event stream
// at -public-url ($FLAGGEN_PUBLIC_URL), not at the request's host.
func TestServePublicURL(t *testing.T) {
	s := startServe(t, []string{"FLAGGEN_SERVER_KEYS=s3rver", "FLAGGEN_SPEC=" + demoSpec, envPublicURL + "=https://example.com/flags"})
	var bulk struct{ EventStreams []struct{ URL string } }
	if code := s.callAs(t, "s3rver", "POST", "/ofrep/v1/evaluate/flags", `{}`, &bulk); code != 200 || len(bulk.EventStreams) != 1 ||
		!strings.HasPrefix(bulk.EventStreams[0].URL, "https://example.com/flags/ofrep/v1/events?token=") {
		t.Errorf("bulk: %d %+v, want the stream under https://example.com/flags", code, bulk)
	}
}

// TestServeAccessLog: a line per request by default, none with
// -access-log=false; the log ends with "stopped" either way (the
// batched lines are all written before serve exits).
func TestServeAccessLog(t *testing.T) {
	for _, on := range []bool{true, false} {
		s := startServe(t, []string{"FLAGGEN_SERVER_KEYS=s3rver", "FLAGGEN_SPEC=" + demoSpec}, fmt.Sprintf("-access-log=%t", on))
		if code := s.callAs(t, "s3rver", "POST", "/ofrep/v1/evaluate/flags", `{}`, nil); code != 200 {
			t.Fatalf("bulk: %d", code)
		}
		if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		var out strings.Builder
		for line := range s.logs {
			out.WriteString(line + "\n")
		}
		logged := strings.Contains(out.String(), `msg="http request" method=POST path=/ofrep/v1/evaluate/flags status=200`)
		if logged != on || !strings.Contains(out.String(), `msg="flaggen serve: stopped"`) || strings.Contains(out.String(), "s3rver") {
			t.Errorf("-access-log=%t: request logged %t, want %t; log:\n%s", on, logged, on, &out)
		}
	}
}

// TestMinLevel: with -access-log=false the handler's logger drops the
// request lines (Info) and keeps warnings and errors, through With and
// WithGroup too.
func TestMinLevel(t *testing.T) {
	var b strings.Builder
	log := slog.New(minLevel{slog.NewTextHandler(&b, nil), slog.LevelWarn}).With("a", 1).WithGroup("g")
	log.Info("request")
	log.Warn("degraded", "k", 2)
	log.Error("panic")
	if got := b.String(); strings.Contains(got, "request") || !strings.Contains(got, `msg=degraded a=1 g.k=2`) || !strings.Contains(got, "msg=panic") {
		t.Errorf("log:\n%s", got)
	}
}
