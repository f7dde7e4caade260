package flaghttp

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/flaggen/flaggen/internal/redistest"
)

// openStream connects to the event stream at url (with key as a Bearer
// token unless "") and returns its lines, once the stream is established.
func openStream(t *testing.T, s *testServer, url, key string) <-chan string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := s.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	lines := make(chan string, 64)
	sc := bufio.NewScanner(resp.Body)
	// The first comment says the stream is up.
	for sc.Scan() && !strings.HasPrefix(sc.Text(), ": flaggen") {
	}
	go func() {
		defer close(lines)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return lines
}

// nextEvent returns the data of the next event on lines.
func nextEvent(t *testing.T, lines <-chan string) map[string]any {
	t.Helper()
	for l := range lines {
		if d, ok := strings.CutPrefix(l, "data: "); ok {
			return decode[map[string]any](t, []byte(d))
		}
	}
	t.Fatal("stream ended")
	return nil
}

// TestStream checks that a live change made through the Client reaches
// streaming clients over loopback: one with a key header, one with the
// URL the bulk response lists (as a browser's EventSource would use it).
func TestStream(t *testing.T) {
	s := start(t, Config{}, false)
	byHeader := openStream(t, s, s.srv.URL+"/ofrep/v1/events", serverKey)
	_, out, _ := s.do(t, "POST", "/ofrep/v1/evaluate/flags", clientKey, []byte(`{}`))
	resp := decode[bulkResponse](t, out)
	if len(resp.EventStreams) != 1 || resp.EventStreams[0].Type != "sse" || !strings.HasPrefix(resp.EventStreams[0].URL, s.srv.URL+"/ofrep/v1/events?token=") {
		t.Fatalf("eventStreams: %+v", resp.EventStreams)
	}
	byURL := openStream(t, s, resp.EventStreams[0].URL, "")
	if err := s.c.Set(context.Background(), "native_share", json.RawMessage(`{"active":false}`), "test", "stream"); err != nil {
		t.Fatal(err)
	}
	for _, lines := range []<-chan string{byHeader, byURL} {
		ev := nextEvent(t, lines)
		if ev["type"] != "refetchEvaluation" || ev["etag"] == nil || ev["lastModified"] == nil {
			t.Errorf("event: %v", ev)
		}
	}
	// A wrong token is refused.
	if code, _, _ := s.do(t, "GET", "/ofrep/v1/events?token=nope", "", nil); code != http.StatusUnauthorized {
		t.Errorf("stream with a wrong token: %d", code)
	}
	// Close ends the streams.
	s.h.(interface{ Close() error }).Close()
	for range byHeader {
	}
}

// TestStreamAcrossInstances checks that a change written by another
// instance over the shared Redis store (as the flaggen CLI writes it)
// reaches a streaming client of this one, and logs how long it took.
func TestStreamAcrossInstances(t *testing.T) {
	rs := redistest.Start(t)
	writer := redisFlags(t, rs.Addr(), "stream").Runtime()
	s := serve(t, redisFlags(t, rs.Addr(), "stream"), Config{ServerKeys: []string{serverKey}})
	lines := openStream(t, s, s.srv.URL+"/ofrep/v1/events", serverKey)
	start := time.Now()
	if err := writer.Set(context.Background(), "new_ui", json.RawMessage(`{"percentage_rollout":10}`), "operator", "stream test"); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, lines); ev["type"] != "refetchEvaluation" {
		t.Fatalf("event: %v", ev)
	}
	t.Logf("a change written by another instance reached the stream in %v", time.Since(start))
	// The refetch sees the change.
	_, out, _ := s.do(t, "POST", "/ofrep/v1/evaluate/flags/new_ui", serverKey, []byte(`{"context":{"targetingKey":"4242","region":"US","account_type":"premium","beta_program":true}}`))
	if !strings.Contains(string(out), `"reason":"SPLIT"`) {
		t.Errorf("after the change: %s", out)
	}
}

// TestMaxStreams checks that streams beyond Config.MaxStreams get 503.
func TestMaxStreams(t *testing.T) {
	s := start(t, Config{MaxStreams: 1}, false)
	openStream(t, s, s.srv.URL+"/ofrep/v1/events", serverKey)
	code, body, hdr := s.do(t, "GET", "/ofrep/v1/events", serverKey, nil)
	if code != http.StatusServiceUnavailable || hdr.Get("Retry-After") == "" {
		t.Errorf("second stream: %d %s", code, body)
	}
}

// TestStreamOutlivesWriteTimeout checks that a server's WriteTimeout does
// not cut an event stream.
func TestStreamOutlivesWriteTimeout(t *testing.T) {
	s := start(t, Config{}, false)
	s.restart(t, func(srv *http.Server) { srv.WriteTimeout = 50 * time.Millisecond })
	lines := openStream(t, s, s.srv.URL+"/ofrep/v1/events", serverKey)
	// The change comes after the WriteTimeout has passed (a deadline of
	// the real connection, which testing/synctest cannot fake).
	time.AfterFunc(200*time.Millisecond, func() {
		s.c.Set(context.Background(), "new_ui", json.RawMessage(`{"active":false}`), "test", "write timeout")
	})
	if ev := nextEvent(t, lines); ev["type"] != "refetchEvaluation" {
		t.Errorf("event: %v", ev)
	}
}

// TestStreamTokenAcrossInstances checks that a stream URL handed out by one
// instance works on another serving the same keys, and not on one serving
// other keys.
func TestStreamTokenAcrossInstances(t *testing.T) {
	a, b := start(t, Config{}, false), start(t, Config{}, false)
	other := start(t, Config{ClientKeys: []string{"another-key"}}, false)
	_, out, _ := a.do(t, "POST", "/ofrep/v1/evaluate/flags", clientKey, []byte(`{}`))
	u := decode[bulkResponse](t, out).EventStreams[0].URL
	_, token, _ := strings.Cut(u, "?")
	openStream(t, b, b.srv.URL+"/ofrep/v1/events?"+token, "")
	if code, _, _ := other.do(t, "GET", "/ofrep/v1/events?"+token, "", nil); code != http.StatusUnauthorized {
		t.Errorf("token on an instance with other keys: %d, want 401", code)
	}
}
