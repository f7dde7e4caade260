package main

import (
	"io"
	"log/slog"
	"os"
	"testing"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// TestMain runs the tests without the caller's FLAGGEN_REDIS_URL and
// FLAGGEN_NAMESPACE, which the shop's options default to: a plain run
// must use its private memory store.
func TestMain(m *testing.M) {
	os.Unsetenv("FLAGGEN_REDIS_URL")
	os.Unsetenv("FLAGGEN_NAMESPACE")
	os.Exit(m.Run())
}

// TestEnvironmentDefaults: -redis and -namespace default to the CLI's
// environment variables, and the namespace to the CLI's "default".
func TestEnvironmentDefaults(t *testing.T) {
	c, err := parseArgs(nil, io.Discard)
	if err != nil || c.redisURL != "" || c.ns != "default" {
		t.Errorf("no environment: redis %q, namespace %q, %v; want none and \"default\"", c.redisURL, c.ns, err)
	}
	t.Setenv("FLAGGEN_REDIS_URL", "redis://example:1/0")
	t.Setenv("FLAGGEN_NAMESPACE", "checkout")
	c, err = parseArgs(nil, io.Discard)
	if err != nil || c.redisURL != "redis://example:1/0" || c.ns != "checkout" {
		t.Errorf("from the environment: redis %q, namespace %q, %v", c.redisURL, c.ns, err)
	}
	c, err = parseArgs([]string{"-redis", "", "-namespace", "x"}, io.Discard)
	if err != nil || c.redisURL != "" || c.ns != "x" {
		t.Errorf("options win: redis %q, namespace %q, %v", c.redisURL, c.ns, err)
	}
}
