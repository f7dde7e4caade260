//go:build !flaghttp

package cli

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/flaggen/flaggen/internal/admin"
	"github.com/flaggen/flaggen/internal/ops"
	"github.com/flaggen/flaggen/runtime"
)

// serveHandler is the server's handler without the public OFREP handler
// (runtime/flaghttp; build with -tags flaghttp for it): /healthz, /readyz
// and the admin API over s behind the admin tokens. It refuses an address
// that is not loopback without keys.
func serveHandler(c *runtime.Client, s *ops.Session, addr string, keys serveKeys, _ *slog.Logger) (http.Handler, error) {
	tokens, err := parseAdminTokens(keys.admin)
	if err != nil {
		return nil, Usagef("admin tokens ($%s or -admin-tokens): %v", envAdminTokens, err)
	}
	if host, _, err := net.SplitHostPort(addr); err != nil {
		return nil, Usagef("-addr %s: %v", addr, err)
	} else if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) && keys.server == "" && keys.client == "" && len(tokens) == 0 {
		return nil, Usagef("-addr %s is not a loopback address: set keys ($%s, $%s, $%s) to serve there", addr, envServerKeys, envClientKeys, envAdminTokens)
	}
	adm, err := admin.New(admin.Config{Session: s, Actor: func(r *http.Request) string {
		name, _ := r.Context().Value(adminKey{}).(string)
		return name
	}})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeStatus(w, http.StatusOK, "ok", nil)
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		var refused *runtime.RefusedError
		if err := c.Health(); err != nil && !errors.As(err, &refused) {
			writeStatus(w, http.StatusServiceUnavailable, "degraded", err)
			return
		}
		writeStatus(w, http.StatusOK, "ok", nil)
	})
	mux.Handle(admin.Prefix, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if name := tokenName(tokens, r); name != "" {
			r = r.WithContext(context.WithValue(r.Context(), adminKey{}, name))
		}
		adm.ServeHTTP(w, r) // answers 401 without a name
	}))
	return mux, nil
}

// adminKey is the context key of the authenticated admin's name.
type adminKey struct{}

// tokenName returns the name of the admin token the request gives
// ("Authorization: Bearer TOKEN" or "X-API-Key: TOKEN"), compared in
// constant time with every token, or "".
func tokenName(tokens map[string]string, r *http.Request) string {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		got = r.Header.Get("X-API-Key")
	}
	name := ""
	for tok, n := range tokens {
		if subtle.ConstantTimeCompare([]byte(got), []byte(tok)) == 1 && got != "" {
			name = n
		}
	}
	return name
}

// parseAdminTokens parses NAME:TOKEN,... into token → name.
func parseAdminTokens(list string) (map[string]string, error) {
	out := map[string]string{}
	for i, item := range strings.Split(list, ",") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		name, tok, ok := strings.Cut(item, ":")
		if name, tok = strings.TrimSpace(name), strings.TrimSpace(tok); !ok || name == "" || tok == "" {
			return nil, errors.New("item " + strconv.Itoa(i+1) + ": want NAME:TOKEN")
		}
		if err := ops.CheckAuditText("the name of admin token "+strconv.Itoa(i+1), name); err != nil {
			return nil, err
		}
		if _, dup := out[tok]; dup {
			return nil, errors.New("item " + strconv.Itoa(i+1) + " (" + ops.Shown(name) + "): a token given twice")
		}
		out[tok] = name
	}
	return out, nil
}

// writeStatus answers {"status": status} (with "error" when err is set).
func writeStatus(w http.ResponseWriter, code int, status string, err error) {
	body := map[string]string{"status": status}
	if err != nil {
		body["error"] = err.Error()
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(body)
}
