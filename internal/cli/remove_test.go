package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRemoveUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		errs string
	}{
		{[]string{"remove"}, "flaggen remove: -spec is required (or set $FLAGGEN_SPEC)"},
		{[]string{"remove", "-spec", "f.json", "-keep", "on"}, "the FLAG to remove is required"},
		{[]string{"remove", "-spec", "f.json", "new_ui"}, "-keep is required: on, off or a variant name"},
	} {
		code, stdout, stderr := run(t, tc.args...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, tc.errs) {
			t.Errorf("flaggen %s: exit %d, stdout %q, stderr %q; want exit 2, stderr with %q",
				strings.Join(tc.args, " "), code, stdout, stderr, tc.errs)
		}
	}
}

// TestRemoveDryRun removes legacy_export from lint's fixture with -dry-run:
// the diff shows the spec, the regenerated package and the code, the notes
// go to standard error, and nothing is written.
func TestRemoveDryRun(t *testing.T) {
	if testing.Short() {
		t.Skip("loads packages")
	}
	t.Chdir(filepath.Join(lintTestdata, "app"))
	before, err := os.ReadFile("app.go")
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := run(t, "remove", "-spec", "flags/flags.json", "-keep", "on", "-dry-run", "legacy_export")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	for _, want := range []string{
		"--- a/app.go\n+++ b/app.go\n",
		"-\tif !f.NewUI(ctx, c) || f.LegacyExport(ctx, c) || !f.Everyone(ctx, c) {\n-\t\treturn nil, nil\n-\t}\n+\treturn nil, nil\n",
		"--- a/flags/flags.json\n+++ b/flags/flags.json\n",
		"-        \"legacy_export\": {\n",
		"--- a/flags/flags_gen.go\n",
		"-func (f *Flags) LegacyExport(ctx context.Context, c *Context) bool {\n",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("diff lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stderr, "app.go:33: this if always takes its branch") {
		t.Errorf("stderr lacks the unreachable note:\n%s", stderr)
	}
	after, _ := os.ReadFile("app.go")
	if string(after) != string(before) {
		t.Error("-dry-run wrote app.go")
	}
}
