package cli

import (
	"os"
	"testing"
)

// TestMain runs the tests without the caller's FLAGGEN_* variables, which
// the commands read as defaults: each test sets those it needs.
func TestMain(m *testing.M) {
	for _, v := range []string{envRedisURL, envNamespace, envSpec} {
		os.Unsetenv(v)
	}
	os.Exit(m.Run())
}
