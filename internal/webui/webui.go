package webui

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/flaggen/flaggen/internal/admin"
	"github.com/flaggen/flaggen/internal/ops"
	"github.com/flaggen/flaggen/internal/spec"
	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/flaghttp"
)

//go:embed templates/*.html static/*
var files embed.FS

// DefaultSessionTTL is how long a login lasts without Config.SessionTTL.
const DefaultSessionTTL = 12 * time.Hour

// Prefix is the path under which the page is served; the admin API's
// admin.Prefix below it is not the page's.
const Prefix = "/admin"

// Config configures the page.
type Config struct {
	// Session is the live state the admin API reads and writes.
	Session *ops.Session
	// Client is followed for the live updates of open pages.
	Client *runtime.Client
	// AdminTokens maps each admin token to its name, the actor of the
	// changes made in its sessions (flaghttp.ParseAdminTokens).
	AdminTokens map[string]string
	// SessionTTL is how long a login lasts (default DefaultSessionTTL).
	SessionTTL time.Duration
	// Now returns the time against which flag expiry is judged (default
	// time.Now).
	Now func() time.Time
}

// UI is the page's http.Handler. Close it to end its change streams.
type UI struct {
	api      http.Handler
	session  *ops.Session
	handler  http.Handler
	tokens   []token
	sessions sessions
	stream   *flaghttp.ChangeStream
	model    *spec.Spec
	pages    map[string]*template.Template
	now      func() time.Time
	static   http.Handler
	lists    listCache
	// owners and kinds are the spec's, for the list's filters.
	owners, kinds []string
}

// token is one admin token, kept as its SHA-256.
type token struct {
	sum  [sha256.Size]byte
	name string
}

type actorKey struct{}

// New returns the page over cfg.Session.
func New(cfg Config) (*UI, error) {
	if cfg.Session == nil || cfg.Session.Spec == nil || cfg.Client == nil {
		return nil, errors.New("webui: a Session with a spec and a Client are required")
	}
	api, err := admin.New(admin.Config{Session: cfg.Session, Actor: func(r *http.Request) string {
		name, _ := r.Context().Value(actorKey{}).(string)
		return name
	}})
	if err != nil {
		return nil, err
	}
	file, src := cfg.Session.Spec.Source()
	model, err := spec.Parse(file, src)
	if err != nil {
		return nil, fmt.Errorf("webui: %v", err)
	}
	u := &UI{api: api, session: cfg.Session, model: model, now: cfg.Now, stream: flaghttp.NewChangeStream(cfg.Client, 0, 0)}
	if u.now == nil {
		u.now = time.Now
	}
	u.sessions = newSessions(cfg.SessionTTL, u.now)
	for t, name := range cfg.AdminTokens {
		if t == "" || name == "" {
			return nil, errors.New("webui: an empty admin token or name")
		}
		u.tokens = append(u.tokens, token{sha256.Sum256([]byte(t)), name})
	}
	if u.pages, err = parsePages(); err != nil {
		return nil, err
	}
	owners, kinds := map[string]bool{}, map[string]bool{}
	for _, f := range model.Flags {
		owners[f.Owner], kinds[f.Kind] = true, true
	}
	u.owners, u.kinds = sortedKeys(owners), sortedKeys(kinds)
	sub, _ := fs.Sub(files, "static")
	u.static = http.StripPrefix(Prefix+"/static/", http.FileServerFS(sub))

	mux := http.NewServeMux()
	mux.HandleFunc("GET /admin", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, Prefix+"/flags", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /admin/{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, Prefix+"/flags", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /admin/login", u.loginPage)
	mux.HandleFunc("POST /admin/login", u.login)
	mux.HandleFunc("GET /admin/static/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		u.static.ServeHTTP(w, r)
	})
	mux.Handle("POST /admin/logout", u.authed(u.logout, true))
	mux.Handle("GET /admin/flags", u.authed(u.flagsPage, false))
	mux.Handle("GET /admin/flags/{name}", u.authed(u.flagPage, false))
	mux.Handle("POST /admin/flags/{name}/{action}", u.authed(u.flagWrite, true))
	mux.Handle("GET /admin/releases", u.authed(u.releasesPage, false))
	mux.Handle("POST /admin/releases/{name}/{action}", u.authed(u.releaseWrite, true))
	mux.Handle("GET /admin/segments", u.authed(u.segmentsPage, false))
	mux.Handle("GET /admin/audit", u.authed(u.auditPage, false))
	mux.Handle("GET /admin/events", u.authed(u.events, false))
	u.handler = http.NewCrossOriginProtection().Handler(mux)
	return u, nil
}

// ServeHTTP serves the page's routes (see the package doc).
func (u *UI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	u.handler.ServeHTTP(w, r)
}

// Close ends the open change streams and stops following the Client.
func (u *UI) Close() error {
	u.stream.Close()
	return nil
}

// events serves the change stream to ss's page while ss is open: each
// event and keep-alive is written only if ss has neither ended nor
// expired, and its end (logout, a newer login, eviction) closes the
// stream.
func (u *UI) events(w http.ResponseWriter, r *http.Request, ss *session) {
	ctx, done, ok := u.sessions.stream(r.Context(), ss)
	if !ok {
		http.Error(w, "session expired: log in again", http.StatusUnauthorized)
		return
	}
	defer done()
	u.stream.ServeHTTP(&sessionWriter{ResponseWriter: w, live: func() bool { return u.sessions.live(ss) }}, r.WithContext(ctx))
}

// sessionWriter writes a change stream while live says its session is
// open.
type sessionWriter struct {
	http.ResponseWriter
	live func() bool
}

// errSessionEnded ends a stream whose session ended.
var errSessionEnded = errors.New("the session ended")

func (w *sessionWriter) Write(p []byte) (int, error) {
	if !w.live() {
		return 0, errSessionEnded
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *sessionWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// adminName returns the name of the admin token tok, or "" when tok is
// none. Every token is compared, in constant time.
func (u *UI) adminName(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	name := ""
	for i := range u.tokens {
		if subtle.ConstantTimeCompare(sum[:], u.tokens[i].sum[:]) == 1 {
			name = u.tokens[i].name
		}
	}
	return name
}

// randomID returns 32 random hex digits.
func randomID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

const cookieName = "flaggen_admin"

// authed wraps a page that needs a session: without one, a GET redirects to
// the login page and anything else (and the change stream, which cannot
// follow the redirect) is refused with 401. A write must also carry
// the session's CSRF token in its "csrf" form field.
func (u *UI) authed(h func(http.ResponseWriter, *http.Request, *session), write bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ss *session
		if c, err := r.Cookie(cookieName); err == nil {
			ss = u.sessions.get(c.Value)
		}
		if ss == nil {
			if r.Method == http.MethodGet && r.URL.Path != Prefix+"/events" {
				http.Redirect(w, r, Prefix+"/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			http.Error(w, "not logged in: log in at "+Prefix+"/login", http.StatusUnauthorized)
			return
		}
		if write {
			r.Body = http.MaxBytesReader(w, r.Body, admin.DefaultMaxBody)
			if subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(ss.csrf)) != 1 {
				http.Error(w, "refused: the form's CSRF token is missing or wrong (reload the page and try again)", http.StatusForbidden)
				return
			}
		}
		w.Header().Set("Cache-Control", "no-store")
		h(w, r, ss)
	})
}

// loginCookie holds the login form's CSRF token (loginForm), before any
// session.
const loginCookie = "flaggen_login"

func (u *UI) loginPage(w http.ResponseWriter, r *http.Request) {
	u.loginForm(w, r, http.StatusOK, safeNext(r.URL.Query().Get("next")), "")
}

// loginForm renders the login page with a fresh CSRF token, in its form
// and in the loginCookie (double submit): a login posted from elsewhere,
// which cannot read the cookie, is refused even by a browser that sends
// neither Sec-Fetch-Site nor Origin (http.CrossOriginProtection lets
// those through).
func (u *UI) loginForm(w http.ResponseWriter, r *http.Request, status int, next, msg string) {
	tok := randomID()
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: tok, Path: Prefix + "/login", HttpOnly: true, Secure: secureCookie(r),
		SameSite: http.SameSiteStrictMode, MaxAge: int(time.Hour / time.Second)})
	u.render(w, status, "login", &page{Title: "Log in", CSRF: tok, Data: loginData{Next: next, Error: msg}})
}

type loginData struct {
	Next, Error string
}

// safeNext returns next when it is a path of the page, else the flags
// list: no control character or backslash, a path parsed by url.Parse
// with no scheme or host which, unescaped and with its dot segments
// resolved as a browser would, stays under Prefix and out of the admin
// API's admin.Prefix.
func safeNext(next string) string {
	const fallback = Prefix + "/flags"
	for i := 0; i < len(next); i++ {
		if c := next[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return fallback
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		return fallback
	}
	clean := path.Clean(u.Path)
	if !strings.HasPrefix(clean, Prefix+"/") || strings.HasPrefix(clean+"/", admin.Prefix) || strings.Contains(u.Path, "\\") {
		return fallback
	}
	if clean == u.Path {
		return next // as escaped
	}
	out := (&url.URL{Path: clean, RawQuery: u.RawQuery}).String()
	if strings.HasPrefix(out, "//") {
		return fallback
	}
	return out
}

func (u *UI) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	tok := strings.TrimSpace(r.PostFormValue("token"))
	next := safeNext(r.PostFormValue("next"))
	c, err := r.Cookie(loginCookie)
	if err != nil || c.Value == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue("csrf"))) != 1 {
		u.loginForm(w, r, http.StatusForbidden, next, "The login form expired or was not this page's: log in again here.")
		return
	}
	name := ""
	if tok != "" {
		name = u.adminName(tok)
	}
	if name == "" {
		u.loginForm(w, r, http.StatusUnauthorized, next,
			"That is not an admin token. Log in with one of the server's admin tokens ($FLAGGEN_ADMIN_TOKENS); server and client API keys cannot open this page.")
		return
	}
	if c, err := r.Cookie(cookieName); err == nil {
		u.sessions.end(c.Value) // the browser's previous login, whoever's
	}
	ss := u.sessions.open(name)
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: "", Path: Prefix + "/login", HttpOnly: true, Secure: secureCookie(r),
		SameSite: http.SameSiteStrictMode, MaxAge: -1})
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: ss.id, Path: Prefix, HttpOnly: true, Secure: secureCookie(r),
		SameSite: http.SameSiteStrictMode, MaxAge: int(u.sessions.ttl / time.Second)})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// secureCookie reports whether the session cookie of r's answer is
// Secure: always, except on plain http straight from a loopback address
// (a browser on the server's own machine), or from a loopback proxy that
// says, by X-Forwarded-Proto: http, that it was asked over plain http.
// 'flaggen serve' speaks no TLS itself, so behind a TLS-terminating
// proxy r.TLS is nil: the cookie is Secure there all the same.
func secureCookie(r *http.Request) bool {
	if r.TLS != nil || !loopback(r.RemoteAddr) {
		return true
	}
	proxied := r.Header.Get("X-Forwarded-For") != "" || r.Header.Get("Forwarded") != ""
	switch proto := strings.ToLower(strings.TrimSpace(r.Header.Get("X-Forwarded-Proto"))); {
	case proto == "http":
		return false
	case proto != "" || proxied:
		return true
	}
	return false
}

// loopback reports whether addr, a host:port, is a loopback address.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

func (u *UI) logout(w http.ResponseWriter, r *http.Request, ss *session) {
	u.sessions.end(ss.id)
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: Prefix, HttpOnly: true, Secure: secureCookie(r),
		SameSite: http.SameSiteStrictMode, MaxAge: -1})
	http.Redirect(w, r, Prefix+"/login", http.StatusSeeOther)
}

// apiError is the admin API's error answer.
type apiError struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Path    string `json:"path"`
}

func (e *apiError) Error() string { return e.Message }

// buffer is the http.ResponseWriter an in-process admin API call answers
// into.
type buffer struct {
	h      http.Header
	status int
	body   bytes.Buffer
}

func (b *buffer) Header() http.Header { return b.h }
func (b *buffer) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}
func (b *buffer) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

// do makes one admin API request as ss's admin, with the headers hdr
// (may be nil), and returns its answer.
func (u *UI) do(ctx context.Context, ss *session, method, path string, body any, hdr http.Header) (*buffer, error) {
	var rd io.Reader = http.NoBody
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(context.WithValue(ctx, actorKey{}, ss.name), method, admin.Prefix+path, rd)
	if err != nil {
		return nil, err
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res := &buffer{h: http.Header{}}
	u.api.ServeHTTP(res, req)
	if res.status == 0 {
		res.status = http.StatusOK
	}
	return res, nil
}

// call makes one admin API request as ss's admin and decodes its answer
// into out (when not nil); an error answer is returned as an *apiError.
func (u *UI) call(ctx context.Context, ss *session, method, path string, body any, out any) error {
	_, err := u.callHeader(ctx, ss, method, path, body, nil, out)
	return err
}

// callHeader is call with request headers, returning the answer's headers.
func (u *UI) callHeader(ctx context.Context, ss *session, method, path string, body any, hdr http.Header, out any) (http.Header, error) {
	res, err := u.do(ctx, ss, method, path, body, hdr)
	if err != nil {
		return nil, err
	}
	if res.status >= 300 {
		var e struct {
			Error *apiError `json:"error"`
		}
		if json.Unmarshal(res.body.Bytes(), &e) != nil || e.Error == nil {
			return nil, &apiError{Status: res.status, Code: "internal", Message: fmt.Sprintf("the admin API answered %d", res.status)}
		}
		e.Error.Status = res.status
		return nil, e.Error
	}
	if out != nil {
		return res.h, json.Unmarshal(res.body.Bytes(), out)
	}
	return res.h, nil
}

// health is the admin API's GET /admin/v1/health.
type health struct {
	Status string `json:"status"`
	Store  string `json:"store"`
	Error  string `json:"error"`
}

// health returns the store's health: when it is not "ok", Error says why
// writes are off.
func (u *UI) health(ctx context.Context, ss *session) health {
	h := health{Status: "degraded"}
	res, err := u.do(ctx, ss, "GET", "health", nil, nil)
	if err == nil {
		err = json.Unmarshal(res.body.Bytes(), &h)
	}
	if err != nil || (res.status != http.StatusOK && h.Error == "") {
		h.Status, h.Error = "degraded", "the health check failed"
		if err == nil {
			h.Error = fmt.Sprintf("the health check answered %d", res.status)
		}
	}
	return h
}

// sortedKeys returns the keys of m, sorted.
func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		if k != "" {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}
