package flaghttp

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/flaggen/flaggen/generated/demo"
)

// TestReview7CheckOriginNeverSent: origins that CheckOrigin accepts
// though no browser ever sends them, so that the server starts and the
// browser app is refused (no CORS headers) with no hint why. Browsers
// serialize an origin from the parsed URL: an empty port or one with
// leading zeros is dropped or normalized, IPv4 and IPv6 addresses are
// written in their canonical form.
func TestReview7CheckOriginNeverSent(t *testing.T) {
	for _, o := range []string{
		"http://localhost:",             // sent as http://localhost
		"http://localhost:03000",        // sent as http://localhost:3000
		"https://app.example.com:0443",  // sent as https://app.example.com
		"http://[0:0:0:0:0:0:0:1]:3000", // sent as http://[::1]:3000
		"http://127.1:3000",             // sent as http://127.0.0.1:3000
		"http://localhost:99999",        // no such URL: never sent
	} {
		if err := CheckOrigin(o); err == nil {
			t.Errorf("CheckOrigin(%q) = nil: no browser sends this origin", o)
		}
	}
}

// TestReview7CheckOriginSent: origins browsers do send pass, IPv6 ones
// included.
func TestReview7CheckOriginSent(t *testing.T) {
	for _, o := range []string{"http://[::1]:3000", "http://[::1]", "https://[2001:db8::1]:8443", "http://127.0.0.1:3000", "https://xn--bcher-kva.example:8443"} {
		if err := CheckOrigin(o); err != nil {
			t.Errorf("CheckOrigin(%q): %v", o, err)
		}
	}
}

// TestReview7AdminNoCORS: an allowed origin ("*") gets CORS headers on
// OFREP routes only, never on the admin API or page, preflight included.
func TestReview7AdminNoCORS(t *testing.T) {
	s := start(t, Config{AllowedOrigins: []string{"*"}}, false)
	for _, c := range []struct{ method, path string }{
		{"GET", "/admin/v1/flags"}, {"OPTIONS", "/admin/v1/flags"}, {"OPTIONS", "/admin/v1/flags/x/disable"}, {"GET", "/admin"}, {"GET", "/admin/"}, {"OPTIONS", "/admin"},
	} {
		req, _ := http.NewRequest(c.method, s.srv.URL+c.path, nil)
		req.Header.Set("Origin", "https://evil.example")
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Authorization", "Bearer "+adminToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if v := resp.Header.Get("Access-Control-Allow-Origin"); v != "" {
			t.Errorf("%s %s: Access-Control-Allow-Origin %q", c.method, c.path, v)
		}
	}
}

// review7Bulk posts a bulk evaluation to srv with Host host and
// If-None-Match inm, and returns the status, ETag and body.
func review7Bulk(t *testing.T, url, host, inm string) (int, string, []byte) {
	t.Helper()
	req, err := http.NewRequest("POST", url+"/ofrep/v1/evaluate/flags", strings.NewReader(`{"context": {"targetingKey": "1"}}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	req.Header.Set("Authorization", "Bearer "+clientKey)
	req.Header.Set("Content-Type", "application/json")
	if inm != "" {
		req.Header.Set("If-None-Match", inm)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("ETag"), b
}

// TestReview7PublicURLETag: the bulk answer's body holds the stream URL,
// which PublicURL sets, but its ETag does not hash PublicURL: after the
// operator fixes -public-url (the server restarted over the same live
// state, or a replica configured otherwise behind the same load
// balancer), a client polling with If-None-Match gets 304 and keeps the
// old stream URL, the broken one, until a flag changes.
func TestReview7PublicURLETag(t *testing.T) {
	f, err := demo.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	cfg := func(pub string) Config {
		return Config{ServerKeys: []string{serverKey}, ClientKeys: []string{clientKey}, AdminTokens: map[string]string{adminToken: adminName}, PublicURL: pub}
	}
	before := serve(t, f, cfg("http://flags.example.com"))
	after := serve(t, f, cfg("https://flags.example.com"))
	code, tag, body := review7Bulk(t, before.srv.URL, "flags.example.com", "")
	if code != 200 || tag == "" || !bytes.Contains(body, []byte(`"url":"http://flags.example.com/`)) {
		t.Fatalf("before: %d %q %s", code, tag, body)
	}
	code, _, body = review7Bulk(t, after.srv.URL, "flags.example.com", tag)
	if code != 200 {
		t.Fatalf("PublicURL changed, same ETag sent: %d %s, want 200 with the stream at https://flags.example.com", code, body)
	}
}

// TestReview7PublicURLSlashes: a public URL that CheckPublicURL accepts
// yields a stream URL at the path it names, with one slash.
func TestReview7PublicURLSlashes(t *testing.T) {
	for _, pub := range []string{"https://flags.example.com//", "https://example.com/flags//"} {
		if CheckPublicURL(pub) != nil {
			continue
		}
		s := start(t, Config{PublicURL: pub}, false)
		_, out, _ := s.do(t, "POST", "/ofrep/v1/evaluate/flags", clientKey, []byte(`{}`))
		resp := decode[bulkResponse](t, out)
		if u := resp.EventStreams[0].URL; strings.Contains(strings.TrimPrefix(u, "https://"), "//") {
			t.Errorf("PublicURL %s: stream URL %s", pub, u)
		}
	}
}
