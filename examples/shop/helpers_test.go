package main

import (
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
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

// TestSecretsNeverPrinted: a password planted in the shop's Redis URL, from
// -redis or $FLAGGEN_REDIS_URL, good or bad, shows in no output: not in
// the errors, the logs, nor the -h defaults.
func TestSecretsNeverPrinted(t *testing.T) {
	const pw, mark = "Pl4nted%21Secret", "Pl4nted"
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := l.Addr().String() // nothing listens there once closed
	l.Close()
	for _, url := range []string{
		"redis://op:" + pw + "@" + down, // unreachable: logs and the health error
		"redis://op:" + pw + "@127.0.0.1:badport",
		"redis://op:" + pw + "%zz@" + down,
		"redis://op:pa/" + pw + "@" + down,
		"redis://op:" + pw + "@" + down + "/0?dial_timeout=abc",
		"redis://" + down + "?password=" + pw,
		"foo://op:" + pw + "@" + down,
		"op:" + pw + "@" + down,
	} {
		for _, args := range [][]string{{"-redis", url}, {"-redis=" + url}, {"-h"}, {"-user", url}, {url}, nil} {
			t.Setenv("FLAGGEN_REDIS_URL", url)
			code, stdout, stderr := shopRun(t, args...)
			if strings.Contains(stdout, mark) || strings.Contains(stderr, mark) {
				t.Errorf("shop %q with $FLAGGEN_REDIS_URL=%s shows the password (exit %d)\nstdout:\n%s\nstderr:\n%s", args, url, code, stdout, stderr)
			}
		}
	}
}
