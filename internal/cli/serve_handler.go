package cli

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/flaggen/flaggen/internal/admin"
	"github.com/flaggen/flaggen/internal/ops"
	"github.com/flaggen/flaggen/internal/webui"
	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/flaghttp"
)

// serveHandler is the server's handler: the public OFREP handler
// (runtime/flaghttp) over c, with the admin API over s mounted behind the
// admin tokens, and the admin web page (internal/webui) at /admin, outside
// the admin API's /admin/v1/. It refuses an address that is not loopback
// without keys.
func serveHandler(c *runtime.Client, s *ops.Session, addr string, keys serveOpts, log *slog.Logger) (http.Handler, error) {
	tokens, err := flaghttp.ParseAdminTokens(keys.admin)
	if err != nil {
		return nil, Usagef("%v (from $%s or -admin-tokens)", err, envAdminTokens)
	}
	adm, err := admin.New(admin.Config{Session: s, Actor: flaghttp.AdminName})
	if err != nil {
		return nil, err
	}
	cfg := flaghttp.Config{
		ServerKeys:  flaghttp.ParseKeys(keys.server),
		ClientKeys:  flaghttp.ParseKeys(keys.client),
		AdminTokens: tokens,
		Admin:       adm,
		Logger:      log,
	}
	if !keys.accessLog {
		// The handler logs requests at Info, panics and a degraded store
		// above it.
		cfg.Logger = slog.New(minLevel{log.Handler(), slog.LevelWarn})
	}
	for _, o := range flaghttp.ParseKeys(keys.origins) {
		if err := flaghttp.CheckOrigin(o); err != nil {
			return nil, Usagef("-cors-origins (or $%s): %v", envCORSOrigins, err)
		}
		cfg.AllowedOrigins = append(cfg.AllowedOrigins, o)
	}
	if keys.publicURL != "" {
		if err := flaghttp.CheckPublicURL(keys.publicURL); err != nil {
			return nil, Usagef("-public-url (or $%s): %v", envPublicURL, err)
		}
		cfg.PublicURL = keys.publicURL
	}
	if err := cfg.CheckAddr(addr); err != nil {
		return nil, Usagef("-addr %s: %v", addr, err)
	}
	api, err := flaghttp.New(c, cfg)
	if err != nil {
		return nil, err
	}
	ui, err := webui.New(webui.Config{Session: s, Client: c, AdminTokens: tokens})
	if err != nil {
		if cl, ok := api.(io.Closer); ok {
			cl.Close()
		}
		return nil, err
	}
	m := &serveMux{ServeMux: http.NewServeMux(), closers: []io.Closer{ui}}
	if cl, ok := api.(io.Closer); ok {
		m.closers = append(m.closers, cl)
	}
	m.Handle(webui.Prefix, ui)
	m.Handle(webui.Prefix+"/", ui)
	m.Handle(admin.Prefix, api)
	m.Handle(strings.TrimSuffix(admin.Prefix, "/"), api)
	m.Handle("/", api)
	return m, nil
}

// serveMux is the server's routes; Close ends the change streams of the
// handlers it routes to.
type serveMux struct {
	*http.ServeMux
	closers []io.Closer
}

func (m *serveMux) Close() error {
	var errs []error
	for _, c := range m.closers {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

// minLevel is a slog.Handler that handles only the records at level or
// above, as Handler would.
type minLevel struct {
	slog.Handler
	level slog.Level
}

func (m minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= m.level && m.Handler.Enabled(ctx, l)
}

func (m minLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return minLevel{m.Handler.WithAttrs(as), m.level}
}

func (m minLevel) WithGroup(name string) slog.Handler {
	return minLevel{m.Handler.WithGroup(name), m.level}
}
