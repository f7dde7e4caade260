package cli

import (
	"log/slog"
	"net/http"

	"github.com/flaggen/flaggen/internal/admin"
	"github.com/flaggen/flaggen/internal/ops"
	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/flaghttp"
)

// serveHandler is the server's handler: the public OFREP handler
// (runtime/flaghttp) over c, with the admin API over s mounted behind the
// admin tokens. It refuses an address that is not loopback without keys.
func serveHandler(c *runtime.Client, s *ops.Session, addr string, keys serveKeys, log *slog.Logger) (http.Handler, error) {
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
	if err := cfg.CheckAddr(addr); err != nil {
		return nil, Usagef("-addr %s: %v", addr, err)
	}
	return flaghttp.New(c, cfg)
}
