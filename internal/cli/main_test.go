package cli

import (
	"os"
	"testing"
)

// asFlaggen, set in the environment, makes the test binary run as the
// flaggen command (Main with its arguments), so that a test can call it
// from a shell: see TestCompletionBash.
const asFlaggen = "FLAGGEN_CLI_TEST_AS_FLAGGEN"

// TestMain runs the tests without the caller's FLAGGEN_* variables, which
// the commands read as defaults: each test sets those it needs.
func TestMain(m *testing.M) {
	if os.Getenv(asFlaggen) == "1" {
		os.Exit(Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	for _, v := range []string{envRedisURL, envNamespace, envSpec} {
		os.Unsetenv(v)
	}
	os.Exit(m.Run())
}
