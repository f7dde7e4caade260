package flaghttp

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/flaggen/flaggen/internal/redistest"
)

// TestMetricsAndLogs checks /metrics and the access log, which never
// holds a key.
func TestMetricsAndLogs(t *testing.T) {
	var logs bytes.Buffer
	var mu = make(chan struct{}, 1)
	mu <- struct{}{}
	log := slog.New(slog.NewJSONHandler(lockedWriter{&logs, mu}, nil))
	s := start(t, Config{Logger: log}, false)
	s.do(t, "POST", "/ofrep/v1/evaluate/flags", serverKey, []byte(`{"context":{"targetingKey":"123"}}`))
	s.do(t, "POST", "/ofrep/v1/evaluate/flags", "wrong-key", []byte(`{}`))
	code, out, _ := s.do(t, "GET", "/metrics", serverKey, nil)
	if code != 200 {
		t.Fatalf("/metrics: %d", code)
	}
	for _, want := range []string{
		`flaggen_http_requests_total{code="2xx",route="evaluate_flags"} 1`,
		`flaggen_http_requests_total{code="4xx",route="evaluate_flags"} 1`,
		`flaggen_http_request_duration_seconds_bucket{route="evaluate_flags"`,
		`flaggen_evaluations_total{flag="maintenance_mode",reason="DISABLED"} 1`,
		`flaggen_evaluations_total{flag="legacy_export",reason="STATIC"} 1`,
		`flaggen_store_healthy 1`,
		`flaggen_live_state_version `,
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	<-mu
	got := logs.String()
	mu <- struct{}{}
	for _, want := range []string{`"path":"/ofrep/v1/evaluate/flags"`, `"status":200`, `"status":401`, `"key":"server"`, `"key":"wrong"`, `"duration"`} {
		if !strings.Contains(got, want) {
			t.Errorf("access log lacks %s:\n%s", want, got)
		}
	}
	for _, secret := range []string{serverKey, "wrong-key"} {
		if strings.Contains(got, secret) {
			t.Errorf("access log holds a key:\n%s", got)
		}
	}
}

type lockedWriter struct {
	b  *bytes.Buffer
	mu chan struct{}
}

func (w lockedWriter) Write(p []byte) (int, error) {
	<-w.mu
	defer func() { w.mu <- struct{}{} }()
	return w.b.Write(p)
}

// TestReadyz checks that /readyz reports a degraded store: a real Redis,
// stopped under a running Client. A server key learns only that the store
// is unreachable; the error itself, which names the store's namespace, goes
// to the log and to admin tokens.
func TestReadyz(t *testing.T) {
	rs := redistest.Start(t)
	f := redisFlags(t, rs.Addr(), "readyz")
	var logs bytes.Buffer
	var mu = make(chan struct{}, 1)
	mu <- struct{}{}
	log := slog.New(slog.NewJSONHandler(lockedWriter{&logs, mu}, nil))
	s := serve(t, f, Config{ServerKeys: []string{serverKey}, AdminTokens: map[string]string{adminToken: adminName}, Logger: log})
	if code, out, _ := s.do(t, "GET", "/readyz", serverKey, nil); code != 200 {
		t.Fatalf("/readyz with Redis up: %d %s", code, out)
	}
	rs.Stop()
	// The store notices at once (its subscription drops); wait for it.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for f.Runtime().Health() == nil {
		select {
		case <-ctx.Done():
			t.Fatal("the Client never reported the stopped Redis")
		case <-time.After(10 * time.Millisecond):
		}
	}
	// The error names the namespace (and the address, when it fails to
	// connect).
	const ns = "{readyz}"
	if detail := f.Runtime().Health().Error(); !strings.Contains(detail, ns) {
		t.Fatalf("the store's error does not name the namespace: %s", detail)
	}
	code, out, _ := s.do(t, "GET", "/readyz", serverKey, nil)
	if code != http.StatusServiceUnavailable || string(out) != "degraded: the live-state store is unreachable: serving the last state loaded\n" {
		t.Errorf("/readyz with Redis down, server key: %d %s", code, out)
	}
	code, out, _ = s.do(t, "GET", "/readyz", adminToken, nil)
	if code != http.StatusServiceUnavailable || !strings.Contains(string(out), ns) {
		t.Errorf("/readyz with Redis down, admin token: %d %s", code, out)
	}
	<-mu
	got := logs.String()
	mu <- struct{}{}
	if !strings.Contains(got, `"msg":"flaghttp: /readyz: degraded"`) || !strings.Contains(got, ns) {
		t.Errorf("the log does not hold the store's error:\n%s", got)
	}
	// Evaluation goes on from the last good snapshot.
	if code, out, _ := s.do(t, "POST", "/ofrep/v1/evaluate/flags/legacy_export", serverKey, []byte(`{}`)); code != 200 {
		t.Errorf("evaluation with Redis down: %d %s", code, out)
	}
}
