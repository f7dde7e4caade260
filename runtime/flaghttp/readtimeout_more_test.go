package flaghttp

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestUnsentBodyH2ServerReadTimeout: over HTTP/2 (TLS), with the server's
// ReadTimeout no longer than Config.ReadTimeout (so the handler sets no
// deadline of its own), a body announced and never sent still gets an
// answer (400) rather than holding the stream.
func TestUnsentBodyH2ServerReadTimeout(t *testing.T) {
	s := start(t, Config{ReadTimeout: time.Hour}, false)
	s.srv.Close()
	srv := httptest.NewUnstartedServer(s.h)
	srv.EnableHTTP2 = true
	srv.Config.ReadTimeout = time.Second
	srv.StartTLS()
	t.Cleanup(srv.Close)
	pr, pw := io.Pipe()
	defer pw.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // only keeps a failing test from hanging
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL+"/ofrep/v1/evaluate/flags", pr)
	req.ContentLength = 100
	req.Header.Set("Authorization", "Bearer "+serverKey)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	defer resp.Body.Close()
	if resp.ProtoMajor != 2 || resp.StatusCode != http.StatusBadRequest {
		t.Errorf("HTTP/%d %d, want HTTP/2 400", resp.ProtoMajor, resp.StatusCode)
	}
}

// TestChangeStreamOutlivesServerReadTimeout: a ChangeStream (the admin
// page's /admin/events) served by an http.Server with a short ReadTimeout,
// over HTTP/1 and HTTP/2, lives past it.
func TestChangeStreamOutlivesServerReadTimeout(t *testing.T) {
	for _, h2 := range []bool{false, true} {
		s := start(t, Config{}, false)
		cs := NewChangeStream(s.c, 100*time.Millisecond, 0)
		t.Cleanup(cs.Close)
		s.srv.Close()
		srv := httptest.NewUnstartedServer(cs)
		srv.Config.ReadTimeout = 50 * time.Millisecond
		if h2 {
			srv.EnableHTTP2 = true
			srv.StartTLS()
		} else {
			srv.Start()
		}
		t.Cleanup(srv.Close)
		s.srv = srv
		lines := openStream(t, s, srv.URL+"/admin/events", "")
		n := 0
		for l := range lines {
			if strings.HasPrefix(l, ": keep-alive") {
				if n++; n == 3 {
					break
				}
			}
		}
		if n < 3 {
			t.Errorf("h2 %v: the stream ended after %d keep-alives", h2, n)
		}
	}
}

// TestMemberNameNotAliased: many requests at once, each with member names
// of its own that are not valid (undeclared, duplicated, one valid one
// after an invalid one of the same name): every answer names exactly the
// names its request sent, never bytes of another request's body.
func TestMemberNameNotAliased(t *testing.T) {
	s := start(t, Config{}, false)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				name := fmt.Sprintf("zz%d_%d", g, i)
				body := fmt.Sprintf(`{"context":{"targetingKey":"u","%s":1,"%s":2,"pad%s":"x"}}`, name, name, strings.Repeat("q", i))
				for _, key := range []string{clientKey, serverKey} {
					st, b, _ := s.do(t, "POST", "/ofrep/v1/evaluate/flags", key, []byte(body))
					if st != http.StatusBadRequest || !strings.Contains(string(b), strconv.Quote(name)) && !strings.Contains(string(b), `\"`+name+`\"`) {
						t.Errorf("%s: %d %s", name, st, b)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}
