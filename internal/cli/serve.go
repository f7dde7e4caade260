package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/flaggen/flaggen/internal/logbuf"
	"github.com/flaggen/flaggen/internal/ops"
	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/flaghttp"
	"github.com/flaggen/flaggen/runtime/memstore"
)

// Environment variables of the keys 'flaggen serve' accepts.
const (
	envServerKeys  = "FLAGGEN_SERVER_KEYS"
	envClientKeys  = "FLAGGEN_CLIENT_KEYS"
	envAdminTokens = "FLAGGEN_ADMIN_TOKENS"
	envCORSOrigins = "FLAGGEN_CORS_ORIGINS"
	envPublicURL   = "FLAGGEN_PUBLIC_URL"
)

var serveCmd = &Command{
	Name:  "serve",
	Args:  "[-addr HOST:PORT] [-env ENV] [-spec FILE] [-redis URL [-namespace NS]] [-timeout D] [-server-keys FILE] [-client-keys FILE] [-admin-tokens FILE] [-cors-origins LIST] [-public-url URL] [-access-log=false] [-tls-cert FILE -tls-key FILE] [-shutdown-timeout D]",
	Short: "serve the flags over HTTP (OFREP) and the admin API",
	Long: `Serve runs an HTTP server over the live state, for the clients that are
not Go: browsers, mobile apps, services in other languages, dashboards. It
speaks the OpenFeature Remote Evaluation Protocol (OFREP, OpenAPI 0.1.0), so
OpenFeature's OFREP providers work as they are:

	POST /ofrep/v1/evaluate/flags/KEY   one flag: value, variant, reason
	POST /ofrep/v1/evaluate/flags       every flag the key may see, with an
	                                    ETag (If-None-Match: 304)
	GET  /ofrep/v1/configuration        the server's OFREP capabilities
	GET  /ofrep/v1/events               server-sent events: refetchEvaluation
	                                    after every live change
	/admin/v1/...                       the JSON admin API: the operator
	                                    commands' reads and writes, audited
	                                    with the admin token's name as actor
	/admin                              the admin web page over that API (log
	                                    in with an admin token)
	GET  /healthz, /readyz, /metrics    liveness (no key), readiness (503
	                                    while the store is degraded),
	                                    Prometheus metrics

A request's context is OFREP's: targetingKey is the spec's key attribute,
every other attribute must be declared and of its declared type, or the
answer is INVALID_CONTEXT naming it. Values, reasons and bucketing are those
of 'flaggen eval' and the generated accessors. E.g.

	FLAGGEN_SERVER_KEYS=s3rver-key flaggen serve -spec flags.json -addr 127.0.0.1:8016

The spec is -spec FILE (default $FLAGGEN_SPEC), else the spec the apps
recorded in the namespace. The live state is the Redis at -redis (default
$FLAGGEN_REDIS_URL), namespace -namespace, shared with the apps; with
neither, an embedded memory store that starts from the spec and lives as
long as the server (then -spec is required). Flags are evaluated for
environment -env (default production).

Keys: server keys (see every flag) from $FLAGGEN_SERVER_KEYS, client keys
(for browsers: only the flags the spec marks "client": true) from
$FLAGGEN_CLIENT_KEYS, both comma-separated, and admin tokens from
$FLAGGEN_ADMIN_TOKENS as NAME:TOKEN,...; -server-keys, -client-keys and
-admin-tokens read them from files instead (commas or lines; lines
starting with # are comments).
A request gives its key as "Authorization: Bearer KEY" or "X-API-Key: KEY".
The server refuses to start on an address that is not loopback without
keys.

Browsers: a page served from another origin may call the OFREP routes
when its origin is in -cors-origins (default $FLAGGEN_CORS_ORIGINS), a
comma-separated list written as browsers send the Origin header
(https://app.example.com, http://localhost:3000), or "*" for any origin.
Only the OFREP routes are opened to them: the admin API and page are not.

TLS: -tls-cert FILE and -tls-key FILE (PEM) serve HTTPS (TLS 1.2 or later,
HTTP/2 included) instead of plain HTTP. The pair is read again at the next
handshake after either file changes, so a renewed certificate needs no
restart; a pair that cannot be read then is logged and the one in use kept.
Behind a proxy that ends TLS itself, leave them out, and give the URL the
clients reach the server at as -public-url (default $FLAGGEN_PUBLIC_URL;
https://flags.example.com, with the path prefix the proxy serves it under,
if any): bulk answers point the event stream there. Without it they point
at the request's host, over https only when the request came over TLS.

The server stops on SIGTERM or SIGINT: it stops accepting connections,
ends the event streams, finishes the requests in flight (at most
-shutdown-timeout) and exits 0. It writes its log, one structured line per
event and request (never a key), to standard error (request lines within
50 ms, in batches; warnings and errors at once), starting with the
address it listens on (with -addr HOST:0, the port it picked).
-access-log=false leaves the request lines out: at tens of thousands of
requests a second they cost a few percent of the server's CPU.`,
	Topics: []*Topic{redisURLTopic},
	Setup:  setupServe,
}

// logDelay is how long serve's log lines may wait to be written with
// the next ones: a write system call per line costs a server answering
// tens of thousands of requests a second several times what formatting
// the line does.
const logDelay = 50 * time.Millisecond

// serveOpts are serve's options for its handler: the key lists and the
// origins allowed to call the OFREP routes from a browser, as given
// (comma-separated); the URL the clients reach the server at
// (flaghttp.Config.PublicURL); and whether to log every request.
type serveOpts struct {
	server, client, admin, origins, publicURL string
	accessLog                                 bool
}

// serveTLS names the certificate and key files of -tls-cert and -tls-key;
// both empty: plain HTTP.
type serveTLS struct{ cert, key string }

func setupServe(fs *flag.FlagSet) func(*Env, []string) error {
	ro := addRedis(fs,
		"serve the spec `FILE` (default $"+envSpec+", else the spec the apps recorded in\nthe namespace; required without a Redis)",
		"the Redis `URL` holding the live state the apps share (default $"+envRedisURL+";\nwithout either: an embedded memory store)")
	addr := fs.String("addr", "127.0.0.1:8080", "listen on `HOST:PORT` (a port 0 picks a free one)")
	envName := fs.String("env", runtime.DefaultEnvironment, "evaluate flags for environment `ENV`")
	serverKeys := fs.String("server-keys", "", "read the server keys from `FILE` instead of $"+envServerKeys)
	clientKeys := fs.String("client-keys", "", "read the client keys from `FILE` instead of $"+envClientKeys)
	adminTokens := fs.String("admin-tokens", "", "read the admin tokens (NAME:TOKEN) from `FILE` instead of $"+envAdminTokens)
	grace := fs.Duration("shutdown-timeout", 10*time.Second, "on SIGTERM, wait at most `D` for the requests in flight")
	cors := fs.String("cors-origins", "", "let pages from the comma-separated web origins in `LIST` call the OFREP routes\n(default $"+envCORSOrigins+"; \"*\": any origin)")
	publicURL := fs.String("public-url", "", "the `URL` clients reach the server at, behind a proxy (default $"+envPublicURL+")")
	accessLog := fs.Bool("access-log", true, "log a line per request (-access-log=false: only warnings and errors)")
	var tlsFiles serveTLS
	fs.StringVar(&tlsFiles.cert, "tls-cert", "", "serve HTTPS with the certificate (chain) in PEM `FILE` (with -tls-key)")
	fs.StringVar(&tlsFiles.key, "tls-key", "", "the private key of -tls-cert, in PEM `FILE`")
	return func(env *Env, args []string) error {
		if _, err := positional(env, fs, args); err != nil {
			return err
		}
		if *envName == "" {
			return Usagef("-env must not be empty")
		}
		if *grace <= 0 {
			return Usagef("-shutdown-timeout must be positive")
		}
		if (tlsFiles.cert == "") != (tlsFiles.key == "") {
			return Usagef("-tls-cert and -tls-key go together: pass both or neither")
		}
		var keys serveOpts
		for _, k := range []struct {
			dst        *string
			file, from string
		}{{&keys.server, *serverKeys, envServerKeys}, {&keys.client, *clientKeys, envClientKeys}, {&keys.admin, *adminTokens, envAdminTokens}} {
			var err error
			if *k.dst, err = readKeys(k.file, k.from); err != nil {
				return err
			}
		}
		keys.origins, keys.publicURL, keys.accessLog = *cors, *publicURL, *accessLog
		if keys.origins == "" {
			keys.origins = os.Getenv(envCORSOrigins)
		}
		if keys.publicURL == "" {
			keys.publicURL = os.Getenv(envPublicURL)
		}
		// An access log line per request: batched into fewer writes
		// (within logDelay), warnings and errors written at once, all
		// flushed before serve returns.
		lb := logbuf.New(env.Stderr, logDelay, 32<<10)
		defer lb.Close()
		log := slog.New(logbuf.FlushOn(slog.NewTextHandler(lb, nil), lb, slog.LevelWarn))
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
		defer stop()
		return runServe(ctx, env, ro, *addr, *envName, keys, tlsFiles, *grace, log)
	}
}

// readKeys returns the keys in file (flaghttp.ReadKeyFile's format), else
// in $from, as one comma-separated list.
func readKeys(file, from string) (string, error) {
	if file == "" {
		return os.Getenv(from), nil
	}
	keys, err := flaghttp.ReadKeyFile(file)
	return strings.Join(keys, ","), err
}

// runServe opens the live state, serves it on addr (over TLS with
// tlsFiles) until ctx is done, then drains the server within grace.
func runServe(ctx context.Context, env *Env, ro *redisOpts, addr, envName string, keys serveOpts, tlsFiles serveTLS, grace time.Duration, log *slog.Logger) error {
	var certs *certFiles
	if tlsFiles.cert != "" {
		var err error
		if certs, err = loadCertFiles(tlsFiles.cert, tlsFiles.key, log); err != nil {
			return err
		}
	}
	arg, err := ro.specArg()
	if err != nil {
		return err
	}
	url, err := ro.optionalURL()
	if err != nil {
		return err
	}
	var (
		s *ops.Session
		c *runtime.Client
	)
	if url != "" {
		if s, err = ops.Open(ro.config(env, url, arg)); err != nil {
			return err
		}
		defer s.Close()
		// The server reads the apps' live state: it registers no flag and
		// records no spec there, but counts the evaluations it serves.
		if c, err = s.ServingClient(runtime.WithEnvironment(envName), runtime.WithLogger(log)); err != nil {
			return err
		}
	} else {
		if arg == nil {
			return Usagef("no spec: pass -spec FILE (or set $%s); the embedded memory store has none recorded (or pass -redis URL)", envSpec)
		}
		st := memstore.New()
		defer st.Close()
		// The server is the store's one app: its Client registers the
		// spec's flags, records the spec and counts what it serves.
		if c, err = runtime.NewClient(arg.Spec, runtime.WithStore(st), runtime.WithEnvironment(envName), runtime.WithLogger(log), runtime.WithExposure()); err != nil {
			return err
		}
		cfg := ro.config(env, "", arg)
		if s, err = ops.OpenStore(st, "the embedded memory store", cfg); err != nil {
			c.Close()
			return err
		}
	}
	defer c.Close()
	h, err := serveHandler(c, s, addr, keys, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		// The handler's ReadTimeout (flaghttp.Config.ReadTimeout, which
		// serveHandler leaves at its default): the server bounds the
		// reading of every request, body included, and the OFREP handler
		// then sets no read deadline of its own per request. The change
		// streams lift it (they read nothing after the headers).
		ReadTimeout:    flaghttp.DefaultReadTimeout,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	if cl, ok := h.(io.Closer); ok {
		srv.RegisterOnShutdown(func() { cl.Close() }) // ends the change streams
	}
	scheme := "http://"
	if certs != nil {
		srv.TLSConfig = certs.tlsConfig()
		scheme = "https://"
	}
	log.Info("flaggen serve: listening", "addr", scheme+ln.Addr().String(), "store", s.Where, "environment", envName, "flags", len(s.Spec.FlagNames()))
	served := make(chan error, 1)
	go func() {
		if certs != nil {
			served <- srv.ServeTLS(ln, "", "") // the certificate comes from TLSConfig
			return
		}
		served <- srv.Serve(ln)
	}()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("flaggen serve: shutting down", "grace", grace.String())
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		return fmt.Errorf("shutting down: %v (requests still in flight after -shutdown-timeout %s were cut)", err, grace)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("flaggen serve: stopped")
	return nil
}
