package flaghttp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/flaggen/flaggen/internal/bridge"
	"github.com/flaggen/flaggen/internal/evalmap"
	"github.com/flaggen/flaggen/internal/jsonx"
	"github.com/flaggen/flaggen/runtime"
)

// handler is what New returns.
type handler struct {
	c    *runtime.Client
	ev   bridge.Evaluator[runtime.Value] // c's evaluation by flag index
	cfg  Config
	keys *keyring
	open bool // no server and no client key: OFREP needs none

	flags     []flagEntry     // every flag, in index order
	byName    map[string]int  // flag name → index
	clientIdx []int           // indexes of the flags marked "client": true
	allIdx    []int           // every index
	mapper    *evalmap.Mapper // contexts onto the spec's attributes

	specID  [sha256.Size]byte // the spec's source, the environment, Config.PublicURL
	m       *metrics
	metrics http.Handler

	confBody []byte // the /ofrep/v1/configuration response
	confETag string

	streamSecret [sha256.Size]byte
	streamTokens [classAdmin + 1]string // per class: the token of the stream URL
	events       *broadcaster

	lastDegraded atomic.Pointer[string] // the store error /readyz last logged

	frags    atomic.Pointer[fragments] // the latest snapshot's (see fragmentsOf)
	building atomic.Bool               // a request is building frags

	bufs sync.Pool // *[]byte: bodies and responses
	vals sync.Pool // *[]runtime.Value
	recs sync.Pool // *recorder
}

// flagEntry is one flag as the handler serves it.
type flagEntry struct {
	name   string
	client bool
	prefix []byte // `{"key":"NAME","value":`, how its success object starts
}

// New returns an http.Handler serving c's flags as the package doc says.
// It registers its metrics in cfg.Registry and follows c's changes for the
// event stream. The handler also implements io.Closer: Close ends the open
// event streams (an http.Server's Shutdown waits for them otherwise, so
// call it from Server.RegisterOnShutdown) and stops following c.
func New(c *runtime.Client, cfg Config) (http.Handler, error) {
	if c == nil {
		return nil, errors.New("flaghttp: nil Client")
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.MaxContextAttrs == 0 {
		cfg.MaxContextAttrs = DefaultMaxContextAttrs
	}
	if cfg.KeepAlive == 0 {
		cfg.KeepAlive = DefaultKeepAlive
	}
	if cfg.PollInterval == 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	if cfg.MaxStreams == 0 {
		cfg.MaxStreams = DefaultMaxStreams
	}
	if cfg.MaxClientStreams == 0 {
		cfg.MaxClientStreams = DefaultMaxStreams
	}
	if cfg.ReadTimeout == 0 {
		cfg.ReadTimeout = DefaultReadTimeout
	}
	reg := cfg.Registry
	if reg == nil {
		reg = defaultRegistry()
	}
	s := c.Spec()
	h := &handler{c: c, ev: bridge.EvaluatorOf[runtime.Value](c), cfg: cfg, keys: newKeyring(cfg), open: cfg.open(), byName: map[string]int{}}
	h.mapper = evalmap.NewMapper(s, cfg.MaxContextAttrs)
	client := map[string]bool{}
	for _, n := range s.ClientFlags() {
		client[n] = true
	}
	names := s.FlagNames()
	for i, n := range names {
		prefix := jsonx.AppendString([]byte(`{"key":`), n)
		prefix = append(prefix, `,"value":`...)
		h.flags = append(h.flags, flagEntry{name: n, client: client[n], prefix: prefix})
		h.byName[n] = i
		h.allIdx = append(h.allIdx, i)
		if client[n] {
			h.clientIdx = append(h.clientIdx, i)
		}
	}
	file, src := s.Source()
	sum := sha256.New()
	// PublicURL too: bulk answers hold it (the stream URL), so that their
	// ETags change with it and a client polling with If-None-Match is not
	// left with the stream URL of the configuration before.
	for _, part := range []string{file, "\x00", string(src), "\x00", c.Environment(), "\x00", cfg.PublicURL} {
		io.WriteString(sum, part)
	}
	sum.Sum(h.specID[:0])
	m, err := newMetrics(reg, c, names)
	if err != nil {
		return nil, err
	}
	h.m = m
	h.metrics = promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	h.confBody, h.confETag = h.configuration()
	h.streamSecret = streamSecret(cfg)
	for _, cl := range []class{classClient, classServer} {
		mac := hmac.New(sha256.New, h.streamSecret[:])
		mac.Write([]byte(cl.String()))
		h.streamTokens[cl] = hex.EncodeToString(mac.Sum(nil)[:16])
	}
	h.events = newBroadcaster(c, h.specID, cfg.MaxClientStreams, cfg.MaxStreams)
	h.bufs.New = func() any { b := make([]byte, 0, 4096); return &b }
	nattr := len(s.Attributes())
	h.vals.New = func() any { v := make([]runtime.Value, nattr); return &v }
	h.recs.New = func() any { return &recorder{evals: h.m.evals.shard(), reqs: h.m.reqs.shard()} }
	return h, nil
}

// streamSecret derives the key of the stream tokens from the server and
// client keys, so that every instance serving the same keys hands out the
// same tokens (a stream URL from one works on another), and tokens change
// when the keys do. A token tells nothing of the keys: it is an HMAC under
// a hash of them all.
func streamSecret(cfg Config) [sha256.Size]byte {
	keys := slices.Concat(cfg.ServerKeys, []string{"\x00"}, cfg.ClientKeys)
	d := sha256.New()
	io.WriteString(d, "flaggen event stream tokens\x00")
	for _, k := range keys {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(k)))
		d.Write(n[:])
		io.WriteString(d, k)
	}
	var out [sha256.Size]byte
	d.Sum(out[:0])
	return out
}

// Close ends the open event streams and stops following the Client.
func (h *handler) Close() error {
	h.events.close()
	return nil
}

// recorder is the ResponseWriter the handler serves through: it keeps the
// status for logs and metrics, and the request body's reader. Its requests
// are recorded in its own shard of the metrics.
type recorder struct {
	http.ResponseWriter
	status int
	body   bodyReader
	evals  evalShard
	reqs   *requestShard
}

// bodyReader is a request body that notes when it was read to its end.
// (net/http lifts the read deadline itself then, before it reads the
// connection in the background.)
type bodyReader struct {
	rc  io.ReadCloser
	eof bool
}

func (b *bodyReader) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err == io.EOF {
		b.eof = true
	}
	return n, err
}

func (b *bodyReader) Close() error { return b.rc.Close() }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer (Flush).
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// ServeHTTP routes, authenticates, serves, and then logs and counts the
// request.
//
// A request with a body (all but the event stream, which reads none) must
// send it within Config.ReadTimeout: without that deadline a client that
// announces a body and never sends it would hold its connection and
// goroutine for good, since net/http reads an unread body after the
// handler returns. The handler sets that read deadline itself unless the
// http.Server serving the request has a ReadTimeout of its own no longer
// than Config.ReadTimeout (see serverBoundsReads). A body the handler did
// not read to its end (a request refused before its body is needed, 401
// or 404 for example) is not waited for at all: the connection closes
// after the answer.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := h.recs.Get().(*recorder)
	rec.ResponseWriter, rec.status = w, 0
	hasBody := r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0
	stream := r.URL.Path == "/ofrep/v1/events"
	rc := http.NewResponseController(w)
	if hasBody {
		if !stream && !serverBoundsReads(r, h.cfg.ReadTimeout) {
			rc.SetReadDeadline(start.Add(h.cfg.ReadTimeout))
		}
		rec.body = bodyReader{rc: r.Body}
		r.Body = &rec.body
	}
	route, cl := h.serveSafely(rec, r)
	if hasBody {
		if !rec.body.eof {
			// net/http would read what is left before answering: it
			// fails at once instead, and the connection closes.
			rc.SetReadDeadline(time.Now())
		}
		r.Body = rec.body.rc
		rec.body = bodyReader{}
	}
	status := rec.status
	if status == 0 {
		status = http.StatusOK
	}
	reqs := rec.reqs
	rec.ResponseWriter = nil
	h.recs.Put(rec)
	d := time.Since(start)
	reqs.record(routeIndex(route), status, d)
	if h.cfg.Logger != nil {
		h.cfg.Logger.LogAttrs(r.Context(), slog.LevelInfo, "http request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", status),
			slog.Duration("duration", d), slog.String("key", cl.String()))
	}
}

// serverBoundsReads reports whether the http.Server serving r bounds the
// reading of its body within limit already: its ReadTimeout is set and no
// longer than limit. net/http then sets the read deadline of the whole
// request (ReadTimeout after it began to read the request's headers, so no
// later than limit after the handler got it), over HTTP/1 and HTTP/2
// alike, and a deadline of the handler's own would only cost a second
// timer per request. (The event stream lifts that deadline: see
// serveStream.)
func serverBoundsReads(r *http.Request, limit time.Duration) bool {
	srv, _ := r.Context().Value(http.ServerContextKey).(*http.Server)
	return srv != nil && srv.ReadTimeout > 0 && srv.ReadTimeout <= limit
}

// serveSafely is serve, turning a panic (a bug: FuzzOFREP looks for them)
// into a logged 500 GENERAL error; http.ErrAbortHandler passes through.
func (h *handler) serveSafely(w *recorder, r *http.Request) (route string, cl class) {
	route = routeOther
	defer func() {
		p := recover()
		if p == nil {
			return
		}
		if p == http.ErrAbortHandler {
			panic(p)
		}
		if h.cfg.Logger != nil {
			h.cfg.Logger.Error("flaghttp: panic serving a request", "path", r.URL.Path, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		}
		if w.status == 0 {
			b := append([]byte(`{"errorCode":"`+codeGeneral+`","errorDetails":"internal error"}`), '\n')
			writeJSON(w, http.StatusInternalServerError, b)
		}
	}()
	return h.serve(w, r)
}

// serve handles r and returns its route and key class.
func (h *handler) serve(w *recorder, r *http.Request) (string, class) {
	p := r.URL.Path
	if p == "/healthz" {
		if !method(w, r, http.MethodGet) {
			return routeHealthz, classNone
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
		return routeHealthz, classNone
	}
	route := routeOther
	switch {
	case p == "/ofrep/v1/evaluate/flags":
		route = routeBulk
	case strings.HasPrefix(p, "/ofrep/v1/evaluate/flags/"):
		route = routeEval
	case p == "/ofrep/v1/configuration":
		route = routeConfig
	case p == "/ofrep/v1/events":
		route = routeEvents
	case p == "/readyz":
		route = routeReadyz
	case p == "/metrics":
		route = routeMetrics
	case strings.HasPrefix(p, "/admin/v1/") || p == "/admin/v1":
		route = routeAdmin
	}
	if h.open && route != routeAdmin && !loopbackHost(r.Host) {
		// Open mode serves a loopback address: a Host naming another site
		// is a page of that site reaching it by DNS rebinding. (The admin
		// API needs its token all the same.)
		jsonError(w, http.StatusForbidden, "this server has no keys and answers only requests to a loopback host name (localhost, 127.0.0.1, [::1])")
		return route, classNone
	}
	if strings.HasPrefix(p, "/ofrep/") && h.cors(w, r) {
		return route, classNone // a preflight request, answered
	}
	// Answers depend on the key: no shared cache may keep them (an
	// X-API-Key header does not make a response private to caches as
	// Authorization does).
	w.Header()["Cache-Control"] = cachePrivate
	cl, name := h.keys.identify(r)
	if route == routeEvents && (cl == classNone || cl == classWrong) {
		cl = h.streamClass(r.URL.Query().Get("token"), cl)
	}
	if !h.allowed(w, route, &cl) {
		return route, cl
	}
	switch route {
	case routeBulk:
		if method(w, r, http.MethodPost) {
			h.bulk(w, r, cl, w.evals)
		}
	case routeEval:
		if method(w, r, http.MethodPost) {
			h.single(w, r, cl, w.evals, strings.TrimPrefix(p, "/ofrep/v1/evaluate/flags/"))
		}
	case routeConfig:
		if method(w, r, http.MethodGet) {
			h.config(w, r)
		}
	case routeEvents:
		if method(w, r, http.MethodGet) {
			h.stream(w, r, cl)
		}
	case routeReadyz:
		if method(w, r, http.MethodGet) {
			h.readyz(w, r, cl)
		}
	case routeMetrics:
		if method(w, r, http.MethodGet) {
			h.metrics.ServeHTTP(w, r)
		}
	case routeAdmin:
		if h.cfg.Admin == nil {
			jsonError(w, http.StatusNotFound, "no admin API is configured")
			break
		}
		h.cfg.Admin.ServeHTTP(w, withAdmin(r, name))
	default:
		jsonError(w, http.StatusNotFound, "no such route: "+p)
	}
	return route, cl
}

// allowed answers 401 or 403 when a credential of class *cl may not use
// route, and reports whether it may. In open mode (no server and no
// client key), a request without a valid key counts as a server key
// everywhere but on the admin API, and so does an admin token on the OFREP
// routes.
func (h *handler) allowed(w http.ResponseWriter, route string, cl *class) bool {
	if h.open && route != routeAdmin {
		switch {
		case *cl == classNone || *cl == classWrong:
			*cl = classServer
		case *cl == classAdmin && route != routeReadyz && route != routeMetrics:
			*cl = classServer // on OFREP, whose answers do not depend on it
		}
	}
	switch *cl {
	case classNone:
		unauthorized(w, "a key is required: Authorization: Bearer KEY or X-API-Key: KEY")
		return false
	case classWrong:
		unauthorized(w, "the key is not valid")
		return false
	}
	var ok bool
	switch route {
	case routeAdmin:
		ok = *cl == classAdmin
	case routeReadyz, routeMetrics:
		ok = *cl == classServer || *cl == classAdmin
	case routeOther:
		ok = true
	default: // OFREP
		ok = *cl == classServer || *cl == classClient
	}
	if !ok {
		jsonError(w, http.StatusForbidden, cl.article()+" may not use this route")
	}
	return ok
}

// cors adds the CORS headers of an OFREP response to a request from an
// allowed origin, and answers its preflight request (OPTIONS), reporting
// whether it did: a preflight carries no key.
func (h *handler) cors(w http.ResponseWriter, r *http.Request) bool {
	if len(h.cfg.AllowedOrigins) == 0 {
		return false
	}
	// Every answer depends on the Origin, allowed or not: a shared cache
	// must not hand one origin's answer to another.
	hd := w.Header()
	hd.Add("Vary", "Origin")
	origin := headerValue(r.Header, "Origin")
	if origin == "" || !h.allowedOrigin(origin) {
		return false
	}
	hd.Set("Access-Control-Allow-Origin", origin)
	if r.Method != http.MethodOptions || r.Header.Get("Access-Control-Request-Method") == "" {
		hd.Set("Access-Control-Expose-Headers", "ETag")
		return false
	}
	hd.Set("Access-Control-Allow-Methods", "GET, POST")
	hd.Set("Access-Control-Allow-Headers", "Authorization, X-API-Key, Content-Type, If-None-Match")
	hd.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
	return true
}

func (h *handler) allowedOrigin(origin string) bool {
	for _, o := range h.cfg.AllowedOrigins {
		if o == "*" || o == origin {
			return true
		}
	}
	return false
}

// streamClass returns the class whose stream token tok is, else fallback.
func (h *handler) streamClass(tok string, fallback class) class {
	found := fallback
	for _, cl := range []class{classClient, classServer} {
		if hmac.Equal([]byte(tok), []byte(h.streamTokens[cl])) {
			found = cl
		}
	}
	return found
}

// method answers 405 unless r's method is m (or HEAD for GET).
func method(w http.ResponseWriter, r *http.Request, m string) bool {
	if r.Method == m || (m == http.MethodGet && r.Method == http.MethodHead) {
		return true
	}
	w.Header().Set("Allow", m)
	jsonError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed: use "+m)
	return false
}

func unauthorized(w http.ResponseWriter, msg string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="flaggen"`)
	jsonError(w, http.StatusUnauthorized, msg)
}

// jsonError writes a generalErrorResponse: {"errorDetails": msg}.
func jsonError(w http.ResponseWriter, status int, msg string) {
	b := append([]byte(`{"errorDetails":`), jsonx.AppendString(nil, msg)...)
	b = append(b, "}\n"...)
	writeJSON(w, status, b)
}

func writeJSON(w http.ResponseWriter, status int, b []byte) {
	hd := w.Header()
	hd["Content-Type"] = jsonType
	w.WriteHeader(status)
	w.Write(b)
}

var (
	jsonType     = []string{"application/json"}
	cachePrivate = []string{"private, no-store"}
)

// headerValue is h.Get(key) for a key already in canonical form (as every
// key of a request's Header is): it skips Get's canonicalization, which
// costs as much as the lookup on the path of every request.
func headerValue(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// loopbackHost reports whether a request's Host names the local machine:
// localhost, a loopback address, with or without a port.
func loopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	} else if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	}
	return loopback(host)
}

// readyz answers 200 while the store is healthy, else 503 "degraded" with
// a generic reason; the error itself (which may name the store's
// addresses and namespace) goes to the log, and to admin tokens only.
func (h *handler) readyz(w http.ResponseWriter, r *http.Request, cl class) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	err := h.c.Health()
	if err == nil {
		io.WriteString(w, "ok\n")
		return
	}
	detail := err.Error()
	if last := h.lastDegraded.Load(); (last == nil || *last != detail) && h.cfg.Logger != nil {
		h.cfg.Logger.LogAttrs(r.Context(), slog.LevelWarn, "flaghttp: /readyz: degraded", slog.String("err", detail))
	}
	h.lastDegraded.Store(&detail)
	w.WriteHeader(http.StatusServiceUnavailable)
	if cl == classAdmin {
		io.WriteString(w, "degraded: "+detail+"\n")
		return
	}
	reason := "the live-state store is unreachable: serving the last state loaded"
	var refused *runtime.RefusedError
	if errors.As(err, &refused) {
		reason = "the spec refuses the live changes of some flags: they serve their spec definition"
	}
	io.WriteString(w, "degraded: "+reason+"\n")
}
