package flaghttp

import (
	"net/http"
	"strings"
	"testing"
)

// TestOpenModeLoopbackHost checks that a server without keys answers only
// requests whose Host is a loopback name: a web page that reaches it by
// DNS rebinding sends its own site's name, and gets 403 on every route but
// /healthz. With keys, the Host does not matter.
func TestOpenModeLoopbackHost(t *testing.T) {
	open := start(t, Config{}, true)
	keyed := start(t, Config{}, false)
	req := func(s *testServer, method, path, host, key string) int {
		t.Helper()
		r, err := http.NewRequest(method, s.srv.URL+path, strings.NewReader(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		r.Host = host
		if key != "" {
			r.Header.Set("Authorization", "Bearer "+key)
		}
		resp, err := s.srv.Client().Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, host := range []string{"localhost", "localhost:8080", "LOCALHOST:1", "127.0.0.1", "127.0.0.1:8080", "[::1]", "[::1]:8080"} {
		if code := req(open, "POST", "/ofrep/v1/evaluate/flags", host, ""); code != 200 {
			t.Errorf("open mode, Host %s: %d, want 200", host, code)
		}
	}
	for _, host := range []string{"rebind.attacker.example:8080", "attacker.example", "localhost.attacker.example", "10.0.0.1:8080", "127.0.0.1.nip.io"} {
		for _, p := range []string{"/ofrep/v1/evaluate/flags", "/ofrep/v1/evaluate/flags/new_ui", "/ofrep/v1/configuration", "/metrics", "/readyz"} {
			method := "GET"
			if strings.HasPrefix(p, "/ofrep/v1/evaluate") {
				method = "POST"
			}
			if code := req(open, method, p, host, ""); code != http.StatusForbidden {
				t.Errorf("open mode, Host %s, %s %s: %d, want 403", host, method, p, code)
			}
		}
		if code := req(open, "GET", "/healthz", host, ""); code != 200 {
			t.Errorf("open mode, Host %s, /healthz: %d, want 200", host, code)
		}
		if code := req(keyed, "POST", "/ofrep/v1/evaluate/flags", host, serverKey); code != 200 {
			t.Errorf("with keys, Host %s: %d, want 200", host, code)
		}
	}
}

// TestOpenModeAdminToken checks that in open mode an admin token on OFREP
// is served as no key is (as a server key), and that its refusals read
// well.
func TestOpenModeAdminToken(t *testing.T) {
	s := start(t, Config{AdminTokens: map[string]string{adminToken: adminName}}, true)
	for _, key := range []string{"", adminToken} {
		code, out, _ := s.do(t, "POST", "/ofrep/v1/evaluate/flags", key, []byte(`{}`))
		if code != 200 || !strings.Contains(string(out), `"key":"new_ui"`) {
			t.Errorf("open mode, key %q: %d %s", key, code, out)
		}
	}
	// With keys, an admin token on OFREP is refused, in words.
	k := start(t, Config{}, false)
	code, out, _ := k.do(t, "POST", "/ofrep/v1/evaluate/flags", adminToken, []byte(`{}`))
	if code != http.StatusForbidden || !strings.Contains(string(out), "an admin token may not use this route") {
		t.Errorf("admin token on OFREP with keys: %d %s", code, out)
	}
}

// TestCachePrivate checks that answers that depend on the key tell caches
// not to keep them: an X-API-Key header, unlike Authorization, does not
// make a response private to a shared cache.
func TestCachePrivate(t *testing.T) {
	s := start(t, Config{}, false)
	for _, c := range []struct{ method, path, key string }{
		{"GET", "/ofrep/v1/configuration", clientKey},
		{"POST", "/ofrep/v1/evaluate/flags", clientKey},
		{"POST", "/ofrep/v1/evaluate/flags/native_share", clientKey},
		{"GET", "/readyz", serverKey},
		{"GET", "/metrics", serverKey},
		{"GET", "/metrics", ""},
	} {
		var body []byte
		if c.method == "POST" {
			body = []byte(`{}`)
		}
		code, _, hdr := s.do(t, c.method, c.path, "", body, "X-API-Key", c.key)
		if got := hdr.Get("Cache-Control"); !strings.Contains(got, "no-store") || !strings.Contains(got, "private") {
			t.Errorf("%s %s (%d): Cache-Control %q, want private, no-store", c.method, c.path, code, got)
		}
	}
}
