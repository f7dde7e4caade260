package cli

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeUnsentBody checks that requests announcing a body they never
// send, without a key, hold no connection of 'flaggen serve': each gets its
// 401 and the connection closes, and SIGTERM then drains at once (exit 0).
func TestServeUnsentBody(t *testing.T) {
	s := startServe(t, []string{"FLAGGEN_SERVER_KEYS=sk-0123456789", "FLAGGEN_ADMIN_TOKENS=ops:tok-0123456789"},
		"-spec", "../../testdata/demo/flags.json", "-shutdown-timeout", "1m")
	addr := strings.TrimPrefix(s.url, "http://")
	for i, path := range []string{"/ofrep/v1/evaluate/flags", "/ofrep/v1/evaluate/flags/new_ui", "/admin/v1/flags/new_ui/disable"} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		// The deadline only keeps a failing test from hanging.
		c.SetDeadline(time.Now().Add(30 * time.Second))
		io.WriteString(c, "POST "+path+" HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n")
		br := bufio.NewReader(c)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("conn %d, %s: no answer (the server waits for the body): %v", i, path, err)
		}
		io.Copy(io.Discard, resp.Body)
		if _, err := br.ReadByte(); resp.StatusCode != http.StatusUnauthorized || err != io.EOF {
			t.Errorf("conn %d, %s: %d, then %v; want 401, then the connection closed", i, path, resp.StatusCode, err)
		}
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	if err := <-s.done; err != nil {
		t.Errorf("exit after SIGTERM: %v", err)
	}
}

// TestServeLoopbackHost checks the README's command (admin tokens only, so
// no key is needed for the flags) against DNS rebinding: a request whose
// Host names another site gets 403, one to the loopback address 200.
func TestServeLoopbackHost(t *testing.T) {
	s := startServe(t, []string{"FLAGGEN_ADMIN_TOKENS=ops:s3cret"}, "-spec", "../../testdata/demo/flags.json")
	for _, host := range []string{"rebind.attacker.example:8080", ""} {
		for _, p := range []string{"/ofrep/v1/evaluate/flags", "/metrics", "/readyz"} {
			method := "GET"
			if strings.HasPrefix(p, "/ofrep") {
				method = "POST"
			}
			req, _ := http.NewRequest(method, s.url+p, strings.NewReader(`{}`))
			if host != "" {
				req.Host = host
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			want := http.StatusOK
			if host != "" {
				want = http.StatusForbidden
			}
			if resp.StatusCode != want {
				t.Errorf("%s %s with Host %q: %d, want %d", method, p, req.Host, resp.StatusCode, want)
			}
		}
	}
}
