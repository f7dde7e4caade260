package flaghttp

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/flaggen/flaggen/generated/demo"
	"github.com/flaggen/flaggen/internal/demotest"
	"github.com/flaggen/flaggen/runtime"
)

// Credentials of the test servers.
const (
	serverKey  = "server-key-0123456789"
	clientKey  = "client-key-0123456789"
	adminToken = "admin-token-0123456789"
	adminName  = "alice"
)

// testServer is a handler over the demo spec's generated Flags, served on
// loopback.
type testServer struct {
	flags *demo.Flags
	c     *runtime.Client
	h     http.Handler
	srv   *httptest.Server
}

// start serves the demo flags with cfg (keys added unless noKeys).
func start(t testing.TB, cfg Config, noKeys bool) *testServer {
	t.Helper()
	f, err := demo.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	if !noKeys {
		cfg.ServerKeys = append(cfg.ServerKeys, serverKey)
		cfg.ClientKeys = append(cfg.ClientKeys, clientKey)
		if cfg.AdminTokens == nil {
			cfg.AdminTokens = map[string]string{adminToken: adminName}
		}
	}
	return serve(t, f, cfg)
}

// serve serves f's Client with cfg on loopback.
func serve(t testing.TB, f *demo.Flags, cfg Config) *testServer {
	t.Helper()
	h, err := New(f.Runtime(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		h.(io.Closer).Close()
		srv.Close()
	})
	return &testServer{flags: f, c: f.Runtime(), h: h, srv: srv}
}

// restart serves s's handler on a new loopback server, which set
// configures first (its timeouts, say).
func (s *testServer) restart(t testing.TB, set func(*http.Server)) {
	t.Helper()
	s.srv.Close()
	srv := httptest.NewUnstartedServer(s.h)
	set(srv.Config)
	srv.Start()
	t.Cleanup(srv.Close)
	s.srv = srv
}

// redisFlags returns demo Flags over the Redis at addr, in namespace ns.
var redisFlags = demotest.RedisFlags

// do sends a request with key (as a Bearer token; "" for none) and returns
// the status, the body and the response headers.
func (s *testServer) do(t testing.TB, method, path, key string, body []byte, hdr ...string) (int, []byte, http.Header) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, s.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := s.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b, resp.Header
}

// bulkResponse is an OFREP bulk evaluation response.
type bulkResponse struct {
	Flags        []map[string]any `json:"flags"`
	EventStreams []struct {
		Type string `json:"type"`
		URL  string `json:"url"`
	} `json:"eventStreams"`
}

func decode[T any](t testing.TB, b []byte) T {
	t.Helper()
	var v T
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
	return v
}
