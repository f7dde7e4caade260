package webui

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/flaggen/flaggen/internal/admin"
	"github.com/flaggen/flaggen/internal/ops"
	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/flaghttp"
	"github.com/flaggen/flaggen/runtime/memstore"
	"github.com/flaggen/flaggen/runtime/store"
)

const demoSpec = "../../testdata/demo/flags.json"

// The credentials of the test server.
const (
	aliceToken = "tok-alice-0123456789"
	bobToken   = "tok-bob-0123456789"
	clientKey  = "client-key-0123456789"
	serverKey  = "server-key-0123456789"
)

// testServer is the page and the admin API served on loopback, as flaggen
// serve mounts them, over a memory store.
type testServer struct {
	*httptest.Server
	s  *ops.Session
	c  *runtime.Client
	st store.Store
	ui *UI
}

// startServer serves the demo spec over a fresh memory store.
func startServer(tb testing.TB) *testServer {
	tb.Helper()
	sf, err := ops.LoadSpecFile(demoSpec, "-spec")
	if err != nil {
		tb.Fatal(err)
	}
	return startSpec(tb, sf)
}

// startSpec serves sf over a fresh memory store.
func startSpec(tb testing.TB, sf *ops.SpecFile) *testServer {
	tb.Helper()
	return startStore(tb, sf, memstore.New(), Config{})
}

// startStore serves sf over st (closed at the end of the test), the page
// configured by cfg but for its Session, Client and AdminTokens.
func startStore(tb testing.TB, sf *ops.SpecFile, st store.Store, cfg Config) *testServer {
	tb.Helper()
	tb.Cleanup(func() { st.Close() })
	c, err := runtime.NewClient(sf.Spec, runtime.WithStore(st))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	s, err := ops.OpenStore(st, "the embedded memory store", ops.Config{Timeout: 5 * time.Second, Spec: sf})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	tokens := map[string]string{aliceToken: "alice", bobToken: "bob"}
	adm, err := admin.New(admin.Config{Session: s, Actor: flaghttp.AdminName})
	if err != nil {
		tb.Fatal(err)
	}
	api, err := flaghttp.New(c, flaghttp.Config{ServerKeys: []string{serverKey}, ClientKeys: []string{clientKey}, AdminTokens: tokens, Admin: adm})
	if err != nil {
		tb.Fatal(err)
	}
	cfg.Session, cfg.Client, cfg.AdminTokens = s, c, tokens
	ui, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(Prefix, ui)
	mux.Handle(Prefix+"/", ui)
	mux.Handle(admin.Prefix, api)
	mux.Handle("/", api)
	srv := httptest.NewServer(mux)
	tb.Cleanup(func() {
		ui.Close()
		api.(io.Closer).Close()
		srv.Close()
	})
	return &testServer{Server: srv, s: s, c: c, st: st, ui: ui}
}

// flagState returns a flag's state in the live state.
func (ts *testServer) flagState(tb testing.TB, flag string) string {
	tb.Helper()
	in, err := ts.s.Fork().Inspect()
	if err != nil {
		tb.Fatal(err)
	}
	return in.Flag(flag).State
}

// version returns the live state's version.
func (ts *testServer) version(tb testing.TB) uint64 {
	tb.Helper()
	st, err := ts.st.Load(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return st.Version
}

// client returns an HTTP client with a cookie jar that does not follow
// redirects.
func (ts *testServer) client(tb testing.TB) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// login logs hc in with tok and returns the answer.
func (ts *testServer) login(tb testing.TB, hc *http.Client, tok string) *http.Response {
	tb.Helper()
	res, err := hc.PostForm(ts.URL+"/admin/login", url.Values{"token": {tok}, "csrf": {loginToken(tb, ts, hc)}})
	if err != nil {
		tb.Fatal(err)
	}
	res.Body.Close()
	return res
}

// loginToken fetches the login page with hc (which keeps its cookie)
// and returns the login form's CSRF token.
func loginToken(tb testing.TB, ts *testServer, hc *http.Client) string {
	tb.Helper()
	_, body := get(tb, hc, ts.URL+"/admin/login")
	return csrfOf(tb, body)
}

// get fetches path and returns the status and body.
func get(tb testing.TB, hc *http.Client, u string) (int, string) {
	tb.Helper()
	res, err := hc.Get(u)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// csrfOf returns the CSRF token of a page.
func csrfOf(tb testing.TB, body string) string {
	tb.Helper()
	const m = `name="csrf" value="`
	i := strings.Index(body, m)
	if i < 0 {
		tb.Fatal("no CSRF field in the page")
	}
	rest := body[i+len(m):]
	return rest[:strings.IndexByte(rest, '"')]
}

// readBody reads res's body into b and closes it.
func readBody(b *strings.Builder, res *http.Response) (int64, error) {
	defer res.Body.Close()
	return io.Copy(b, res.Body)
}

// loggedIn starts a server and logs a client in as alice; csrf is her
// session's CSRF token.
func loggedIn(t *testing.T) (ts *testServer, hc *http.Client, csrf string) {
	t.Helper()
	ts = startServer(t)
	hc = ts.client(t)
	ts.login(t, hc, aliceToken)
	_, body := get(t, hc, ts.URL+"/admin/flags/new_ui")
	return ts, hc, csrfOf(t, body)
}
