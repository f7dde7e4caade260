package flaghttp

import (
	"net/http"
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

// TestKeyLengths checks keys on both sides of one SHA-256 block (55
// bytes): each is accepted whole, and refused with its last byte changed.
func TestKeyLengths(t *testing.T) {
	var keys []string
	for _, n := range []int{1, 54, 55, 56, 64, 200} {
		keys = append(keys, strings.Repeat("k", n-1)+"z")
	}
	s := start(t, Config{ServerKeys: keys}, true)
	for _, k := range keys {
		if code, out, _ := s.do(t, "POST", "/ofrep/v1/evaluate/flags", k, []byte(`{}`)); code != 200 {
			t.Errorf("a %d-byte key: %d %s", len(k), code, out)
		}
		wrong := k[:len(k)-1] + "y"
		if code, _, _ := s.do(t, "POST", "/ofrep/v1/evaluate/flags", wrong, []byte(`{}`)); code != 401 {
			t.Errorf("a %d-byte key with its last byte changed: %d, want 401", len(k), code)
		}
	}
}
