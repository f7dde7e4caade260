package webui

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flaggen/flaggen/internal/ops"
	"github.com/flaggen/flaggen/runtime/memstore"
	"github.com/flaggen/flaggen/runtime/store"
)

// A release name holding "/", ".." and "?" (the spec accepts them) is one
// escaped path segment of the releases form's formaction: "All on" of
// that release cannot post to another action of the page.
func TestReleaseFormactionEscapesName(t *testing.T) {
	src, err := os.ReadFile(demoSpec)
	if err != nil {
		t.Fatal(err)
	}
	name := `w/../../flags/maintenance_mode/enable?x=`
	s := strings.Replace(string(src), `"winter_launch"`, strconv.Quote(name), 1)
	f := filepath.Join(t.TempDir(), "flags.json")
	if err := os.WriteFile(f, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	sf, err := ops.LoadSpecFile(f, "-spec")
	if err != nil {
		t.Fatal(err)
	}
	ts := startSpec(t, sf)
	hc := ts.client(t)
	ts.login(t, hc, aliceToken)
	before := ts.flagState(t, "maintenance_mode")
	_, body := get(t, hc, ts.URL+"/admin/releases")
	const m = `formaction="`
	i := strings.Index(body, m)
	if i < 0 {
		t.Fatal("no formaction in the releases page")
	}
	action := body[i+len(m):]
	action = html.UnescapeString(action[:strings.IndexByte(action, '"')])
	base, _ := url.Parse(ts.URL + "/admin/releases")
	ref, err := url.Parse(action)
	if err != nil {
		t.Fatal(err)
	}
	target := base.ResolveReference(ref) // as a browser resolves it
	if want := "/admin/releases/" + url.PathEscape(name) + "/on"; target.EscapedPath() != want || target.RawQuery != "" {
		t.Errorf("All on posts to %s?%s, want %s", target.EscapedPath(), target.RawQuery, want)
	}
	res, err := hc.PostForm(target.String(), url.Values{"csrf": {csrfOf(t, body)}, "reason": {"switch the release on"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	// The admin API routes on the unescaped path, so it finds no release
	// of that name (404); what matters here is that nothing else ran.
	if loc := res.Header.Get("Location"); strings.HasPrefix(loc, "/admin/flags/") {
		t.Errorf("All on redirected to %s", loc)
	}
	if got := ts.flagState(t, "maintenance_mode"); got != before {
		t.Errorf("All on of the release switched maintenance_mode %s → %s", before, got)
	}
}

// sickStore is a memory store whose Health can be switched to degraded
// while its commands still work (Redis with its change subscription down).
type sickStore struct {
	store.Store
	sick atomic.Bool
}

func (s *sickStore) Health() error {
	if s.sick.Load() {
		return errors.New("degraded: change subscription down")
	}
	return nil
}

// startSick serves the demo spec over a sickStore; now (may be nil) is
// the page's clock.
func startSick(t *testing.T, now func() time.Time) (*testServer, *sickStore) {
	sf, err := ops.LoadSpecFile(demoSpec, "-spec")
	if err != nil {
		t.Fatal(err)
	}
	st := &sickStore{Store: memstore.New()}
	return startStore(t, sf, st, Config{Now: now, SessionTTL: time.Hour}), st
}

// While the store is degraded a posted flag or release form is refused
// with the reason, and nothing is written.
func TestWriteRefusedWhileDegraded(t *testing.T) {
	ts, st := startSick(t, nil)
	hc := ts.client(t)
	ts.login(t, hc, aliceToken)
	_, body := get(t, hc, ts.URL+"/admin/flags/new_ui")
	csrf := csrfOf(t, body)
	st.sick.Store(true)
	v := ts.version(t)
	for _, w := range []struct {
		path string
		form url.Values
	}{
		{"/admin/flags/new_ui/disable", url.Values{"confirm": {"yes"}, "reason": {"while degraded"}}},
		{"/admin/flags/new_ui/rollout", url.Values{"percentage": {"42"}}},
		{"/admin/releases/winter_launch/on", url.Values{}},
	} {
		w.form.Set("csrf", csrf)
		res, err := hc.PostForm(ts.URL+w.path, w.form)
		if err != nil {
			t.Fatal(err)
		}
		b := new(strings.Builder)
		readBody(b, res)
		if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(b.String(), "change subscription down") {
			t.Errorf("POST %s while degraded: %d, want 503 with the reason", w.path, res.StatusCode)
		}
	}
	if got := ts.version(t); got != v {
		t.Errorf("writes while degraded: version %d → %d", v, got)
	}
	st.sick.Store(false)
	res, err := hc.PostForm(ts.URL+"/admin/flags/new_ui/rollout", url.Values{"csrf": {csrf}, "percentage": {"42"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("POST rollout once healthy: %d, want 303", res.StatusCode)
	}
}

// The session cookie is Secure behind a TLS-terminating proxy (where the
// server sees plain http), and not on plain http straight from loopback.
func TestCookieSecureBehindTLSProxy(t *testing.T) {
	ts := startServer(t)
	target, _ := url.Parse(ts.URL)
	proxy := httptest.NewTLSServer(httputil.NewSingleHostReverseProxy(target))
	defer proxy.Close()
	hc := proxy.Client()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	hc.Jar, _ = cookiejar.New(nil)
	_, body := get(t, hc, proxy.URL+"/admin/login")
	res, err := hc.PostForm(proxy.URL+"/admin/login", url.Values{"token": {aliceToken}, "csrf": {csrfOf(t, body)}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if ck := sessionCookie(res); ck == nil || !ck.Secure {
		t.Errorf("behind a TLS proxy the session cookie is not Secure: %s", res.Header.Get("Set-Cookie"))
	}
	res = ts.login(t, ts.client(t), aliceToken)
	if ck := sessionCookie(res); ck == nil || ck.Secure {
		t.Errorf("on loopback http the session cookie is Secure (a browser there could not log in): %s", res.Header.Get("Set-Cookie"))
	}
}

func TestSecureCookieRule(t *testing.T) {
	for _, tc := range []struct {
		remote string
		hdr    map[string]string
		want   bool
	}{
		{"127.0.0.1:5000", nil, false},
		{"[::1]:5000", nil, false},
		{"10.1.2.3:5000", nil, true},
		{"127.0.0.1:5000", map[string]string{"X-Forwarded-For": "10.1.2.3"}, true},
		{"127.0.0.1:5000", map[string]string{"X-Forwarded-Proto": "https"}, true},
		{"127.0.0.1:5000", map[string]string{"X-Forwarded-Proto": "http", "X-Forwarded-For": "10.1.2.3"}, false},
		{"10.1.2.3:5000", map[string]string{"X-Forwarded-Proto": "http"}, true},
	} {
		r := httptest.NewRequest("POST", "/admin/login", nil)
		r.RemoteAddr = tc.remote
		for k, v := range tc.hdr {
			r.Header.Set(k, v)
		}
		if got := secureCookie(r); got != tc.want {
			t.Errorf("secureCookie(%s, %v) = %v, want %v", tc.remote, tc.hdr, got, tc.want)
		}
	}
}

// The patch editor cannot switch a flag off without a reason: the kill
// switch's rule is internal/ops' (checkKill), shared by every surface.
func TestPatchOffNeedsReason(t *testing.T) {
	ts, hc, csrf := loggedIn(t)
	v := ts.version(t)
	res, err := hc.PostForm(ts.URL+"/admin/flags/new_ui/patch", url.Values{"csrf": {csrf}, "patch": {`{"active": false}`}})
	if err != nil {
		t.Fatal(err)
	}
	b := new(strings.Builder)
	readBody(b, res)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(b.String(), "a reason for switching new_ui off is required") {
		t.Errorf("patch active false without a reason: %d, want 422 asking for a reason", res.StatusCode)
	}
	if got := ts.version(t); got != v || ts.flagState(t, "new_ui") != "on" {
		t.Errorf("patch active false without a reason wrote: version %d → %d, state %s", v, got, ts.flagState(t, "new_ui"))
	}
	res, err = hc.PostForm(ts.URL+"/admin/flags/new_ui/patch", url.Values{"csrf": {csrf}, "patch": {`{"active": false}`}, "reason": {"incident 7"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	last, err := ts.s.Fork().LastChanges()
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusSeeOther || ts.flagState(t, "new_ui") != "off" || last["new_ui"].Reason != "incident 7" {
		t.Errorf("patch active false with a reason: %d, state %s, audit reason %q", res.StatusCode, ts.flagState(t, "new_ui"), last["new_ui"].Reason)
	}
}

// safeNext keeps a login's next= on the page: control characters,
// backslashes, dot segments leaving /admin, other hosts and the admin
// API all fall back to the flags list.
func TestSafeNext(t *testing.T) {
	for next, want := range map[string]string{
		"/admin/flags/new_ui":          "/admin/flags/new_ui",
		"/admin/audit?flag=new_ui":     "/admin/audit?flag=new_ui",
		"/admin/flags/a%2Fb":           "/admin/flags/a%2Fb",
		"/admin/\x0bx":                 "/admin/flags",
		"/admin/\x00x":                 "/admin/flags",
		"/admin/\x7fx":                 "/admin/flags",
		"/admin/\tx":                   "/admin/flags",
		"/admin/x\r\nSet-Cookie: a=b":  "/admin/flags",
		"//evil.example":               "/admin/flags",
		"https://evil.example/admin/":  "/admin/flags",
		"/admin/../evil":               "/admin/flags",
		"/admin/%2e%2e/evil":           "/admin/flags",
		"/admin/..%5cevil.example":     "/admin/flags",
		"/admin/../\\/evil.example":    "/admin/flags",
		"/admin/./../..//evil.example": "/admin/flags",
		"/admin/v1/flags":              "/admin/flags",
		"/admin/%zz":                   "/admin/flags",
		"/admin":                       "/admin/flags",
		"/admin/flags/x/..//evil":      "/admin/flags/evil",
	} {
		if got := safeNext(next); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", next, got, want)
		}
	}
}

// A login's next= never writes a control character into Location.
func TestLoginNextNoControlChars(t *testing.T) {
	ts := startServer(t)
	for _, next := range []string{"/admin/\x0bx", "/admin/\x00x", "/admin/\x7fx", "/admin/\tx"} {
		tok := loginToken(t, ts, ts.client(t))
		c, err := net.Dial("tcp", ts.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		body := url.Values{"token": {aliceToken}, "next": {next}, "csrf": {tok}}.Encode()
		fmt.Fprintf(c, "POST /admin/login HTTP/1.1\r\nHost: x\r\nCookie: %s=%s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", loginCookie, tok, len(body), body)
		raw, _ := io.ReadAll(c)
		c.Close()
		found := false
		for _, l := range strings.Split(string(raw), "\r\n") {
			if strings.HasPrefix(l, "Location:") {
				found = true
				if l != "Location: /admin/flags" {
					t.Errorf("next=%q → %q, want the flags list", next, l)
				}
			}
		}
		if !found {
			t.Errorf("next=%q: no Location in %q", next, raw)
		}
	}
}

// The success notice is one of the page's own messages: ?done= text is
// never shown as it is.
func TestNoticeIsFixedText(t *testing.T) {
	ts, hc, csrf := loggedIn(t)
	msg := "Session expired: re-enter your admin token at https://evil.example/login"
	if _, body := get(t, hc, ts.URL+"/admin/flags?done="+url.QueryEscape(msg)); strings.Contains(body, "evil.example") || strings.Contains(body, `class="notice"`) {
		t.Errorf("attacker-chosen ?done= text shown in the status notice")
	}
	if _, body := get(t, hc, ts.URL+"/admin/releases?done=on&release="+url.QueryEscape(msg)); strings.Contains(body, "evil.example") {
		t.Errorf("attacker-chosen ?release= text shown in the status notice")
	}
	res, err := hc.PostForm(ts.URL+"/admin/flags/new_ui/rollout", url.Values{"csrf": {csrf}, "percentage": {"42"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if _, body := get(t, hc, ts.URL+res.Header.Get("Location")); !strings.Contains(body, "rollout: done") {
		t.Errorf("after a rollout, %s shows no notice", res.Header.Get("Location"))
	}
	res, err = hc.PostForm(ts.URL+"/admin/releases/winter_launch/on", url.Values{"csrf": {csrf}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if _, body := get(t, hc, ts.URL+res.Header.Get("Location")); !strings.Contains(body, "release winter_launch on") {
		t.Errorf("after release on, %s shows no notice", res.Header.Get("Location"))
	}
}

// An admin name keeps at most maxSessionsPerName sessions (a login ends
// its oldest), and the page at most maxSessions in all.
func TestSessionsBounded(t *testing.T) {
	var off atomic.Int64
	s := newSessions(time.Hour, func() time.Time { return time.Unix(0, 0).Add(time.Duration(off.Load())) })
	var first []*session
	for i := range 3 * maxSessionsPerName {
		ss := s.open("alice")
		if i < maxSessionsPerName {
			first = append(first, ss)
		}
		off.Add(int64(time.Millisecond))
	}
	if n := len(s.byName["alice"]); n != maxSessionsPerName || len(s.m) != maxSessionsPerName {
		t.Errorf("%d logins of alice left %d sessions (%d in all), want %d", 3*maxSessionsPerName, n, len(s.m), maxSessionsPerName)
	}
	for _, ss := range first {
		if s.get(ss.id) != nil {
			t.Fatalf("alice's oldest session %s is still open", ss.id[:8])
		}
	}
	for i := range maxSessions + 50 {
		s.open(fmt.Sprint("admin", i%100))
		off.Add(int64(time.Millisecond))
	}
	if len(s.m) != maxSessions {
		t.Errorf("%d sessions open, want the cap %d", len(s.m), maxSessions)
	}
	if len(s.byName["alice"]) != 0 {
		t.Errorf("alice's sessions, the oldest of all, were not the ones ended")
	}
	// Expired sessions of every name go at the next sweep.
	off.Add(int64(2 * time.Hour))
	s.open("bob")
	if len(s.m) != 1 {
		t.Errorf("after expiry and a sweep, %d sessions open, want 1", len(s.m))
	}
}

// Many logins over HTTP with one token stay within the bound.
func TestLoginsBounded(t *testing.T) {
	ts := startServer(t)
	for range 3 * maxSessionsPerName {
		ts.login(t, ts.client(t), aliceToken) // a browser each
	}
	ts.ui.sessions.mu.Lock()
	got := len(ts.ui.sessions.m)
	ts.ui.sessions.mu.Unlock()
	if got != maxSessionsPerName {
		t.Errorf("%d logins left %d sessions, want %d", 3*maxSessionsPerName, got, maxSessionsPerName)
	}
}

// Logging in again ends the browser's previous session.
func TestReloginEndsPreviousSession(t *testing.T) {
	ts := startServer(t)
	hc := ts.client(t)
	old := sessionCookie(ts.login(t, hc, aliceToken)).Value
	ts.login(t, hc, bobToken)
	if ts.ui.sessions.get(old) != nil {
		t.Errorf("logging in again as bob left alice's previous session open")
	}
	if _, body := get(t, hc, ts.URL+"/admin/flags"); !strings.Contains(body, `id="actor">bob<`) {
		t.Errorf("after logging in again the page is not bob's")
	}
}

// openStream opens /admin/events with hc and returns its lines, closed
// when the stream ends, once its opening comment arrived.
func openStream(t *testing.T, ts *testServer, hc *http.Client) <-chan string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL+"/admin/events", nil)
	res, err := hc.Do(req)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("events: %v %v", err, res)
	}
	lines := make(chan string, 100)
	go func() {
		defer res.Body.Close()
		defer close(lines)
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	for l := range lines {
		if strings.HasPrefix(l, ": flaggen change stream") {
			return lines
		}
	}
	t.Fatal("the stream ended before its opening comment")
	return nil
}

// waitEnd waits for the stream to end, failing on an event it delivers.
func waitEnd(t *testing.T, lines <-chan string, what string) {
	t.Helper()
	for l := range lines {
		if strings.HasPrefix(l, "data:") {
			t.Errorf("%s: the stream still delivers %s", what, l)
		}
	}
}

// changeAsBob changes new_ui's rollout as bob, through the page.
func changeAsBob(t *testing.T, ts *testServer, pct string) {
	t.Helper()
	hc := ts.client(t)
	ts.login(t, hc, bobToken)
	_, b := get(t, hc, ts.URL+"/admin/flags/new_ui")
	res, err := hc.PostForm(ts.URL+"/admin/flags/new_ui/rollout", url.Values{"csrf": {csrfOf(t, b)}, "percentage": {pct}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("bob's rollout: %d", res.StatusCode)
	}
}

// Logging out closes the session's change streams.
func TestLogoutClosesStream(t *testing.T) {
	ts, hc, csrf := loggedIn(t)
	lines := openStream(t, ts, hc)
	res, err := hc.PostForm(ts.URL+"/admin/logout", url.Values{"csrf": {csrf}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	waitEnd(t, lines, "after logout")
	// A stream asked for without a session is refused, not redirected.
	req, _ := http.NewRequest("GET", ts.URL+"/admin/events", nil)
	r2, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if r2.StatusCode != http.StatusUnauthorized {
		t.Errorf("events without a session: %d, want 401", r2.StatusCode)
	}
}

// A session expired server-side gets no more events: its stream ends at
// its next write.
func TestExpiredSessionStreamEnds(t *testing.T) {
	var off atomic.Int64
	ts, _ := startSick(t, func() time.Time { return time.Now().Add(time.Duration(off.Load())) })
	hc := ts.client(t)
	ts.login(t, hc, aliceToken)
	lines := openStream(t, ts, hc)
	off.Store(int64(2 * time.Hour))
	changeAsBob(t, ts, "7")
	waitEnd(t, lines, "after expiry")
}

// sessionCookie returns the session cookie res sets, or nil.
func sessionCookie(res *http.Response) *http.Cookie {
	for _, c := range res.Cookies() {
		if c.Name == cookieName {
			return c
		}
	}
	return nil
}

// The login form carries a CSRF token of its own, also in a cookie: a
// login posted without the page's token is refused, and opens no session.
func TestLoginNeedsFormToken(t *testing.T) {
	ts := startServer(t)
	for what, form := range map[string]url.Values{
		"no token":    {"token": {aliceToken}},
		"wrong token": {"token": {aliceToken}, "csrf": {"0123"}},
	} {
		hc := ts.client(t)
		loginToken(t, ts, hc)
		res, err := hc.PostForm(ts.URL+"/admin/login", form)
		if err != nil {
			t.Fatal(err)
		}
		b := new(strings.Builder)
		readBody(b, res)
		if res.StatusCode != http.StatusForbidden || sessionCookie(res) != nil || !strings.Contains(b.String(), "log in again") {
			t.Errorf("login with %s: %d, session cookie %v", what, res.StatusCode, sessionCookie(res))
		}
	}
	// The page's token without its cookie (another browser's) is refused too.
	tok := loginToken(t, ts, ts.client(t))
	res, err := ts.client(t).PostForm(ts.URL+"/admin/login", url.Values{"token": {aliceToken}, "csrf": {tok}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("login with a token but not its cookie: %d, want 403", res.StatusCode)
	}
	ts.ui.sessions.mu.Lock()
	n := len(ts.ui.sessions.m)
	ts.ui.sessions.mu.Unlock()
	if n != 0 {
		t.Errorf("refused logins opened %d sessions", n)
	}
}
