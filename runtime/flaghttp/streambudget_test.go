package flaghttp

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/flaggen/flaggen/runtime"
)

// TestStreamBudgets checks that client streams and server streams have
// budgets of their own: the client stream token, which every client bulk
// response shows, cannot take the server keys' streams.
func TestStreamBudgets(t *testing.T) {
	s := start(t, Config{MaxStreams: 1, MaxClientStreams: 2}, false)
	_, out, _ := s.do(t, "POST", "/ofrep/v1/evaluate/flags", clientKey, []byte(`{}`))
	u := decode[bulkResponse](t, out).EventStreams[0].URL
	openStream(t, s, u, "")
	openStream(t, s, s.srv.URL+"/ofrep/v1/events", clientKey)
	_, tok, _ := strings.Cut(u, "?")
	if code, body, hdr := s.do(t, "GET", "/ofrep/v1/events?"+tok, "", nil); code != http.StatusServiceUnavailable || hdr.Get("Retry-After") == "" ||
		!strings.Contains(string(body), "2 event streams of client keys") {
		t.Errorf("third client stream: %d %s", code, body)
	}
	openStream(t, s, s.srv.URL+"/ofrep/v1/events", serverKey) // fails the test unless 200
	if code, body, _ := s.do(t, "GET", "/ofrep/v1/events", serverKey, nil); code != http.StatusServiceUnavailable ||
		!strings.Contains(string(body), "1 event streams of server keys") {
		t.Errorf("second server stream: %d %s", code, body)
	}
}

// eventWriter is a ResponseWriter that hands each write to a channel: an
// event stream served without a network, inside a synctest bubble.
type eventWriter struct {
	hdr http.Header
	out chan string
}

func (w *eventWriter) Header() http.Header { return w.hdr }
func (w *eventWriter) WriteHeader(int)     {}
func (w *eventWriter) Flush()              {}
func (w *eventWriter) Write(b []byte) (int, error) {
	w.out <- string(b)
	return len(b), nil
}

// TestStreamActivationDate checks that an activation date passing, which
// changes the flag's answers and the bulk ETag, sends an event on the
// change stream (runtime.Client.OnChange names the flag). On synctest's
// fake clock, which starts at 2000-01-01 UTC.
func TestStreamActivationDate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sp, err := runtime.LoadSpec("launch.json", []byte(`{"context": {"user_id": {"type": "int", "key": true}},
			"flags": {"launch": {"active": true, "client": true, "activation_date": "2000-01-01T00:00:10Z"}}}`))
		if err != nil {
			t.Fatal(err)
		}
		c, err := runtime.NewClient(sp)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		h, err := New(c, Config{ServerKeys: []string{serverKey}, KeepAlive: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		defer h.(interface{ Close() error }).Close()
		ctx, cancel := context.WithCancel(context.Background())
		req := httptest.NewRequestWithContext(ctx, "GET", "/ofrep/v1/events", nil)
		req.Header.Set("Authorization", "Bearer "+serverKey)
		w := &eventWriter{hdr: http.Header{}, out: make(chan string)}
		done := make(chan struct{})
		go func() {
			defer close(done)
			h.ServeHTTP(w, req)
		}()
		<-w.out // the stream's opening comment
		select {
		case ev := <-w.out:
			if !strings.Contains(ev, `"type":"refetchEvaluation"`) {
				t.Errorf("event: %q", ev)
			}
			if time.Now().Before(time.Date(2000, 1, 1, 0, 0, 10, 0, time.UTC)) {
				t.Errorf("event before the activation date: %q", ev)
			}
		case <-time.After(time.Minute):
			t.Error("no event within a minute of the fake clock after launch's activation date")
		}
		cancel()
		<-done
	})
}
