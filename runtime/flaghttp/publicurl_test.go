package flaghttp

import (
	"strings"
	"testing"
)

// TestPublicURL: with Config.PublicURL, bulk answers give the event
// stream's URL under it (a trailing slash dropped), whatever the request's
// Host; a stream opened at that URL's path and token works.
func TestPublicURL(t *testing.T) {
	for _, pub := range []string{"https://flags.example.com", "https://example.com/flags/"} {
		s := start(t, Config{PublicURL: pub}, false)
		_, out, _ := s.do(t, "POST", "/ofrep/v1/evaluate/flags", clientKey, []byte(`{}`))
		resp := decode[bulkResponse](t, out)
		want := strings.TrimSuffix(pub, "/") + "/ofrep/v1/events?token="
		if len(resp.EventStreams) != 1 || !strings.HasPrefix(resp.EventStreams[0].URL, want) {
			t.Fatalf("PublicURL %s: eventStreams %+v, want a URL starting %s", pub, resp.EventStreams, want)
		}
		// What the proxy forwards: the path and token, on the server.
		tok := strings.TrimPrefix(resp.EventStreams[0].URL, want)
		openStream(t, s, s.srv.URL+"/ofrep/v1/events?token="+tok, "")
	}
}

// TestCheckPublicURL: a public URL is an absolute http(s) URL with at most
// a path, and nothing JSON would need to escape.
func TestCheckPublicURL(t *testing.T) {
	checkTable(t, "CheckPublicURL", CheckPublicURL, []string{"https://flags.example.com", "http://127.0.0.1:8016", "https://example.com/flags/", "https://[::1]:8443/a%20b"}, map[string]string{
		"flags.example.com":            "want http(s)://HOST",
		"ftp://flags.example.com":      "want http(s)://HOST",
		"https://":                     "want http(s)://HOST",
		"https://u:p@flags.example":    "no user, query or fragment",
		"https://flags.example/?a=1":   "no user, query or fragment",
		"https://flags.example/#x":     "no user, query or fragment",
		`https://flags.example/"x`:     "must be percent-encoded",
		"https://flags.example/a b":    "must be percent-encoded",
		"https://flags.example/\\x":    "must be percent-encoded",
		"https://bücher.example/flags": "must be percent-encoded",
		"":                             "want http(s)://HOST",
	})
	cfg := Config{PublicURL: "flags.example.com"}
	if err := cfg.validate(); err == nil || !strings.Contains(err.Error(), "public URL") {
		t.Errorf("validate with a bad public URL: %v", err)
	}
}
