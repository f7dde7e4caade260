package cli

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
)

// TestReview7ServeTLSStream: over TLS and HTTP/2, the change stream whose
// URL a bulk answer gives gets an event after an admin write, and SIGTERM
// ends it and the server exits 0.
func TestReview7ServeTLSStream(t *testing.T) {
	ca, certFile, keyFile, _ := issuedPair(t, 1)
	s := startServe(t, []string{"FLAGGEN_SERVER_KEYS=s3rver-key", "FLAGGEN_ADMIN_TOKENS=ops:s3cret", "FLAGGEN_SPEC=" + demoSpec},
		"-tls-cert", certFile, "-tls-key", keyFile)
	c := ca.client()
	defer c.CloseIdleConnections()
	do := func(method, path, key, body string) *http.Response {
		t.Helper()
		req, err := http.NewRequest(method, s.url+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	resp := do("POST", "/ofrep/v1/evaluate/flags", "s3rver-key", `{"context": {"targetingKey": "1"}}`)
	var bulk struct{ EventStreams []struct{ URL string } }
	err := json.NewDecoder(resp.Body).Decode(&bulk)
	resp.Body.Close()
	if err != nil || len(bulk.EventStreams) != 1 {
		t.Fatalf("bulk: %v %+v", err, bulk)
	}
	req, err := http.NewRequest("GET", bulk.EventStreams[0].URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	stream, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Body.Close()
	if stream.StatusCode != 200 || stream.ProtoMajor != 2 {
		t.Fatalf("stream: %s %s", stream.Proto, stream.Status)
	}
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stream.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	for l := range lines {
		if strings.Contains(l, "flaggen change stream") {
			break
		}
	}
	w := do("POST", "/admin/v1/flags/new_ui/disable", "s3cret", `{"reason": "r"}`)
	io.Copy(io.Discard, w.Body)
	w.Body.Close()
	if w.StatusCode != 200 {
		t.Fatalf("disable: %s", w.Status)
	}
	got := false
	for l := range lines {
		if strings.HasPrefix(l, "data:") || strings.HasPrefix(l, "event:") {
			got = true
			break
		}
	}
	if !got {
		t.Fatal("the stream ended without an event")
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for range lines {
	}
	s.waitLog(t, "flaggen serve: stopped")
	for range s.logs {
	}
	if err := <-s.done; err != nil {
		t.Errorf("after SIGTERM: %v, want exit 0", err)
	}
}
