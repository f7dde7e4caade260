package ops

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/flaggen/flaggen/internal/redistest"
)

// silentRedis listens on loopback, accepts every connection and never
// answers. accepted reports how many connections a client opened before
// the call: it dials one more itself, which the listener accepts after
// every earlier one.
func silentRedis(t *testing.T) (addr string, accepted func() int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	conns := make(chan net.Conn, 64)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				close(conns)
				return
			}
			conns <- c
		}
	}()
	n := 0
	return ln.Addr().String(), func() int {
		mark, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer mark.Close()
		for c := range conns {
			defer c.Close()
			if c.RemoteAddr().String() == mark.LocalAddr().String() {
				return n
			}
			n++
		}
		t.Fatal("listener closed")
		return n
	}
}

// TestOpenSilentRedis: a Redis that accepts connections and never answers
// is reported with the timeout named, after one exchange: a write's
// session, which also counts the subscribers, does not wait a second
// timeout on a second connection.
func TestOpenSilentRedis(t *testing.T) {
	for _, write := range []bool{false, true} {
		addr, accepted := silentRedis(t)
		_, err := Open(Config{RedisURL: "redis://" + addr, Timeout: 100 * time.Millisecond, CountSubscribers: write})
		want := "redis at redis://" + addr + " unreachable: no reply within 100ms (-timeout)"
		if err == nil || err.Error() != want {
			t.Errorf("Open (write %v) = %v; want %q", write, err, want)
		}
		if n := accepted(); n != 1 {
			t.Errorf("Open (write %v) opened %d connections to a silent Redis, want 1 (one timeout)", write, n)
		}
	}
}

// TestOpenServerErrors: a Redis that answers with an error (a database
// index out of range, a wrong password) was reachable: the error says what
// it answered, not "unreachable", nor a malformed value.
func TestOpenServerErrors(t *testing.T) {
	srv := redistest.Start(t)
	for url, want := range map[string]string{
		"redis://" + srv.Addr() + "/99":         "redis at redis://" + srv.Addr() + "/99 answered with an error: ERR DB index is out of range",
		"redis://u:s3cret@" + srv.Addr() + "/0": "redis at redis://u:xxxxx@" + srv.Addr() + "/0 answered with an error: WRONGPASS ",
	} {
		for _, write := range []bool{false, true} {
			_, err := Open(Config{RedisURL: url, Timeout: 5 * time.Second, CountSubscribers: write})
			if err == nil || !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "s3cret") {
				t.Errorf("Open(%s, write %v) = %v; want %q…", url, write, err, want)
			}
		}
	}
}
