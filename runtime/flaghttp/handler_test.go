package flaghttp

import (
	"net/http"
	"strings"
	"testing"
)

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
	if code != http.StatusUnauthorized || hdr.Get("Access-Control-Allow-Origin") != "" || hdr.Get("Vary") != "Origin" {
		t.Errorf("preflight from another origin: %d %v (want Vary: Origin all the same)", code, hdr)
	}
	code, _, hdr = s.do(t, "POST", "/ofrep/v1/evaluate/flags", clientKey, []byte(`{}`))
	if code != 200 || hdr.Get("Vary") != "Origin" {
		t.Errorf("request without an Origin: %d %v, want Vary: Origin", code, hdr)
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
