package cli

import (
	goruntime "runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/flaggen/flaggen/internal/gen"
	"github.com/flaggen/flaggen/runtime/flagimpl"
)

// TestVersion: flaggen version prints the module's version ("(devel)" in
// a test binary, which has none), the Go version and the version of the
// generated code.
func TestVersion(t *testing.T) {
	code, out, errs := run(t, "version")
	lines := strings.Split(out, "\n")
	if code != 0 || errs != "" || len(lines) != 4 || lines[3] != "" {
		t.Fatalf("version: exit %d, stderr %q, stdout %q", code, errs, out)
	}
	if !strings.HasPrefix(lines[0], "flaggen (devel)") {
		t.Errorf("module version line %q", lines[0])
	}
	if lines[1] != goruntime.Version() {
		t.Errorf("Go version line %q, want %q", lines[1], goruntime.Version())
	}
	want := "generated code: version " + strconv.Itoa(gen.GenVersion) + " (runtime/flagimpl accepts " + strconv.Itoa(flagimpl.MinGenVersion) + " to " + strconv.Itoa(flagimpl.GenVersion) + ")"
	if lines[2] != want {
		t.Errorf("generated code line %q, want %q", lines[2], want)
	}
	if code, _, errs := run(t, "version", "x"); code != 2 || !strings.Contains(errs, `unexpected argument "x"`) {
		t.Errorf("version x: exit %d, %q", code, errs)
	}
}
