package flaghttp

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUnauthorized checks that every route but /healthz refuses a request
// without a key or with a wrong one (401), and that each credential gets
// 403 where it does not belong.
func TestUnauthorized(t *testing.T) {
	admin := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("actor=" + AdminName(r)))
	})
	s := start(t, Config{Admin: admin}, false)
	routes := []struct{ method, path string }{
		{"POST", "/ofrep/v1/evaluate/flags"},
		{"POST", "/ofrep/v1/evaluate/flags/new_ui"},
		{"POST", "/ofrep/v1/evaluate/flags/no_such_flag"},
		{"GET", "/ofrep/v1/configuration"},
		{"GET", "/ofrep/v1/events"},
		{"GET", "/readyz"},
		{"GET", "/metrics"},
		{"GET", "/admin/v1/flags"},
		{"POST", "/admin/v1/flags/new_ui/disable"},
		{"GET", "/no/such/route"},
	}
	for _, rt := range routes {
		for _, key := range []string{"", "wrong-key", serverKey + "x"} {
			code, body, hdr := s.do(t, rt.method, rt.path, key, []byte(`{}`))
			if code != http.StatusUnauthorized {
				t.Errorf("%s %s with key %q: %d %s, want 401", rt.method, rt.path, key, code, body)
			}
			if !strings.HasPrefix(hdr.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s %s: 401 without WWW-Authenticate", rt.method, rt.path)
			}
		}
		// Both headers, disagreeing.
		code, _, _ := s.do(t, rt.method, rt.path, serverKey, []byte(`{}`), "X-API-Key", clientKey)
		if code != http.StatusUnauthorized {
			t.Errorf("%s %s with two different keys: %d, want 401", rt.method, rt.path, code)
		}
	}
	forbidden := []struct {
		method, path, key string
	}{
		{"POST", "/ofrep/v1/evaluate/flags/new_ui", clientKey}, // server-only flag
		{"GET", "/readyz", clientKey},
		{"GET", "/metrics", clientKey},
		{"GET", "/admin/v1/flags", clientKey},
		{"GET", "/admin/v1/flags", serverKey},
		{"POST", "/ofrep/v1/evaluate/flags", adminToken},
		{"POST", "/ofrep/v1/evaluate/flags/native_share", adminToken},
	}
	for _, f := range forbidden {
		if code, body, _ := s.do(t, f.method, f.path, f.key, []byte(`{}`)); code != http.StatusForbidden {
			t.Errorf("%s %s with %s: %d %s, want 403", f.method, f.path, f.key, code, body)
		}
	}
	if code, body, _ := s.do(t, "GET", "/healthz", "", nil); code != 200 || string(body) != "ok\n" {
		t.Errorf("/healthz without a key: %d %q", code, body)
	}
	code, body, _ := s.do(t, "GET", "/admin/v1/flags", adminToken, nil)
	if code != 200 || string(body) != "actor="+adminName {
		t.Errorf("admin with a token: %d %q, want the token's name as actor", code, body)
	}
	// X-API-Key works as well as Bearer.
	if code, body, _ := s.do(t, "POST", "/ofrep/v1/evaluate/flags/native_share", "", []byte(`{}`), "X-API-Key", clientKey); code != 200 {
		t.Errorf("client key in X-API-Key on a client flag: %d %s", code, body)
	}
	if code, _, _ := s.do(t, "GET", "/no/such/route", serverKey, nil); code != http.StatusNotFound {
		t.Errorf("unknown route with a key: %d, want 404", code)
	}
}

// TestOpenMode checks that without server and client keys the OFREP routes
// are open and the admin API is not.
func TestOpenMode(t *testing.T) {
	s := start(t, Config{Admin: http.NotFoundHandler()}, true)
	if code, body, _ := s.do(t, "POST", "/ofrep/v1/evaluate/flags", "", []byte(`{}`)); code != 200 {
		t.Errorf("bulk without keys configured: %d %s", code, body)
	}
	if code, _, _ := s.do(t, "GET", "/admin/v1/flags", "", nil); code != http.StatusUnauthorized {
		t.Errorf("admin without tokens configured: %d, want 401", code)
	}
}

func TestCheckAddr(t *testing.T) {
	open := Config{}
	keyed := Config{ClientKeys: []string{"k"}}
	for _, c := range []struct {
		cfg  Config
		addr string
		ok   bool
	}{
		{open, "127.0.0.1:8080", true},
		{open, "localhost:8080", true},
		{open, "[::1]:8080", true},
		{open, ":8080", false},
		{open, "0.0.0.0:8080", false},
		{open, "10.1.2.3:80", false},
		{keyed, ":8080", true},
		{open, "nonsense", false},
	} {
		if err := c.cfg.CheckAddr(c.addr); (err == nil) != c.ok {
			t.Errorf("CheckAddr(%q) with %d keys = %v, want ok %v", c.addr, len(c.cfg.ClientKeys), err, c.ok)
		}
	}
}

func TestParseKeysAndTokens(t *testing.T) {
	if got := ParseKeys(" a, b ,,c "); strings.Join(got, "|") != "a|b|c" {
		t.Errorf("ParseKeys = %q", got)
	}
	m, err := ParseAdminTokens("alice:t1, bob:t2")
	if err != nil || m["t1"] != "alice" || m["t2"] != "bob" || len(m) != 2 {
		t.Errorf("ParseAdminTokens = %v, %v", m, err)
	}
	for _, bad := range []string{"alice", ":s3cr3t", "alice:", "a:s3cr3t,b:s3cr3t"} {
		_, err := ParseAdminTokens(bad)
		if err == nil {
			t.Errorf("ParseAdminTokens(%q) accepted", bad)
			continue
		}
		if strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("ParseAdminTokens error shows the token: %v", err)
		}
	}
	for _, cfg := range []Config{
		{ServerKeys: []string{""}},
		{ServerKeys: []string{"a b"}},
		{ServerKeys: []string{"k"}, ClientKeys: []string{"k"}},
		{ClientKeys: []string{"k"}, AdminTokens: map[string]string{"k": "x"}},
		{AdminTokens: map[string]string{"t": ""}},
	} {
		if err := cfg.validate(); err == nil {
			t.Errorf("validate accepted %+v", cfg)
		}
	}
}

// TestCORS checks that pages of an allowed origin may call the OFREP routes
// from a browser: a preflight without a key, then the request with one.
func TestCORS(t *testing.T) {
	s := start(t, Config{AllowedOrigins: []string{"https://app.example"}}, false)
	code, _, hdr := s.do(t, "OPTIONS", "/ofrep/v1/evaluate/flags", "", nil, "Origin", "https://app.example", "Access-Control-Request-Method", "POST")
	if code != http.StatusNoContent || hdr.Get("Access-Control-Allow-Origin") != "https://app.example" || !strings.Contains(hdr.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Errorf("preflight: %d %v", code, hdr)
	}
	code, _, hdr = s.do(t, "POST", "/ofrep/v1/evaluate/flags", clientKey, []byte(`{}`), "Origin", "https://app.example")
	if code != 200 || hdr.Get("Access-Control-Allow-Origin") != "https://app.example" || hdr.Get("Access-Control-Expose-Headers") != "ETag" {
		t.Errorf("request: %d %v", code, hdr)
	}
	code, _, hdr = s.do(t, "OPTIONS", "/ofrep/v1/evaluate/flags", "", nil, "Origin", "https://evil.example", "Access-Control-Request-Method", "POST")
	if code != http.StatusUnauthorized || hdr.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from another origin: %d %v", code, hdr)
	}
}

func TestKeyFiles(t *testing.T) {
	dir := t.TempDir()
	keys := filepath.Join(dir, "keys")
	tokens := filepath.Join(dir, "tokens")
	os.WriteFile(keys, []byte("# server keys\nk1, k2\n\n  k3  \n"), 0o600)
	os.WriteFile(tokens, []byte("# admins\nalice:t1\nbob:t2, carol:t3\n"), 0o600)
	got, err := ReadKeyFile(keys)
	if err != nil || strings.Join(got, "|") != "k1|k2|k3" {
		t.Errorf("ReadKeyFile = %q, %v", got, err)
	}
	m, err := ReadAdminTokenFile(tokens)
	if err != nil || len(m) != 3 || m["t3"] != "carol" {
		t.Errorf("ReadAdminTokenFile = %v, %v", m, err)
	}
	os.WriteFile(tokens, []byte("alice\n"), 0o600)
	if _, err := ReadAdminTokenFile(tokens); err == nil || !strings.Contains(err.Error(), tokens) {
		t.Errorf("bad token file: %v, want an error naming the file", err)
	}
	if _, err := ReadKeyFile(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing key file accepted")
	}
}

// TestPanicIsGeneralError checks that a panic below the handler (here in
// the admin handler) answers 500 GENERAL instead of dropping the
// connection.
func TestPanicIsGeneralError(t *testing.T) {
	s := start(t, Config{Admin: http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") })}, false)
	code, body, _ := s.do(t, "GET", "/admin/v1/flags", adminToken, nil)
	if code != http.StatusInternalServerError || !strings.Contains(string(body), `"errorCode":"GENERAL"`) {
		t.Errorf("panic: %d %s", code, body)
	}
}
