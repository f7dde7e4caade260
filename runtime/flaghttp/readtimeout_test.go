package flaghttp

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// rawRequest sends head (a request's line and headers, announcing a body
// that never comes) on a new connection to srv and returns the response
// and whether the server closed the connection after it. The connection's
// deadline only keeps a failing test from hanging.
func rawRequest(t *testing.T, srv *httptest.Server, head string) (*http.Response, bool) {
	t.Helper()
	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(c, head); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no response (the server waits for the body): %v", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	_, err = br.ReadByte()
	return resp, err == io.EOF
}

// TestUnsentBody checks that a request announcing a body it never sends
// holds no connection: refused without a key, it gets its 401 at once and
// the connection closes (net/http would otherwise wait for the body before
// answering, for good); with a key, the body's read times out after
// Config.ReadTimeout with a 400, and the connection closes too.
func TestUnsentBody(t *testing.T) {
	s := start(t, Config{ReadTimeout: 100 * time.Millisecond}, false)
	testUnsentBody(t, s)
}

// TestUnsentBodyServerReadTimeout is TestUnsentBody with the handler
// served by an http.Server that has a ReadTimeout of its own: no longer
// than Config.ReadTimeout, it bounds the body's read (the handler sets no
// deadline: with Config.ReadTimeout at an hour, only the server's cuts the
// body off); longer, the handler's deadline does. The server's timeout
// runs from the request's first byte, so that a busy machine's delays
// before the handler runs count too: it gets a second, not 100 ms, lest
// it cut the request off before any answer.
func TestUnsentBodyServerReadTimeout(t *testing.T) {
	for _, c := range []struct {
		name        string
		server, cfg time.Duration
	}{
		{"server's", time.Second, time.Hour},
		{"equal", time.Second, time.Second},
		{"handler's", time.Hour, 100 * time.Millisecond},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := start(t, Config{ReadTimeout: c.cfg}, false)
			s.restart(t, func(srv *http.Server) { srv.ReadTimeout = c.server })
			testUnsentBody(t, s)
		})
	}
}

// TestServerBoundsReads checks when the handler leaves the body's read
// deadline to the server.
func TestServerBoundsReads(t *testing.T) {
	const limit = 10 * time.Second
	for _, c := range []struct {
		srv  *http.Server
		want bool
	}{
		{nil, false},
		{&http.Server{}, false},
		{&http.Server{ReadTimeout: limit + 1}, false},
		{&http.Server{ReadTimeout: limit}, true},
		{&http.Server{ReadTimeout: time.Second}, true},
	} {
		r := httptest.NewRequest("POST", "/", nil)
		if c.srv != nil {
			r = r.WithContext(context.WithValue(r.Context(), http.ServerContextKey, c.srv))
		}
		if got := serverBoundsReads(r, limit); got != c.want {
			t.Errorf("server %+v: %v, want %v", c.srv, got, c.want)
		}
	}
}

func testUnsentBody(t *testing.T, s *testServer) {
	t.Helper()
	const head = "POST /ofrep/v1/evaluate/flags HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n"
	resp, closed := rawRequest(t, s.srv, head+"\r\n")
	if resp.StatusCode != http.StatusUnauthorized || !closed {
		t.Errorf("without a key: %d, connection closed %v; want 401, closed", resp.StatusCode, closed)
	}
	resp, closed = rawRequest(t, s.srv, head+"Authorization: Bearer "+serverKey+"\r\n\r\n{")
	if resp.StatusCode != http.StatusBadRequest || !closed {
		t.Errorf("with a key: %d, connection closed %v; want 400, closed", resp.StatusCode, closed)
	}
	// A body sent whole keeps the connection for the next request.
	var keyed = "POST /ofrep/v1/evaluate/flags HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nAuthorization: Bearer " + serverKey + "\r\n\r\n{}"
	c, err := net.Dial("tcp", s.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	br := bufio.NewReader(c)
	for i := range 2 {
		io.WriteString(c, keyed)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("request %d on one connection: %v", i, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Close {
			t.Errorf("request %d on one connection: %d, close %v", i, resp.StatusCode, resp.Close)
		}
	}
}

// TestStreamNotCutByReadTimeout checks that the event stream, which reads
// no body, outlives a server's ReadTimeout and Config.ReadTimeout.
func TestStreamNotCutByReadTimeout(t *testing.T) {
	s := start(t, Config{ReadTimeout: 50 * time.Millisecond, KeepAlive: 100 * time.Millisecond}, false)
	s.restart(t, func(srv *http.Server) { srv.ReadTimeout = 50 * time.Millisecond })
	lines := openStream(t, s, s.srv.URL+"/ofrep/v1/events", serverKey)
	// Three keep-alive comments: the stream lives past both timeouts.
	n := 0
	for l := range lines {
		if strings.HasPrefix(l, ": keep-alive") {
			if n++; n == 3 {
				return
			}
		}
	}
	t.Errorf("the stream ended after %d keep-alives", n)
}
