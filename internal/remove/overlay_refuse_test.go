package remove

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestRefuseWouldNotBuild: a rewrite that leaves code that does not compile
// (an interface the generated Flags type satisfied through the removed
// accessor) is refused
// by the type check with the overlay, naming the file and line, and nothing
// is written.
func TestRefuseWouldNotBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a module")
	}
	dir := newModule(t, filepath.Join("testdata", "app", "before"), "github.com/flaggen/flaggen/removetest/app", nil, false)
	app := filepath.Join(dir, "app.go")
	orig, err := os.ReadFile(app)
	if err != nil {
		t.Fatal(err)
	}
	src := string(orig) + "\ntype checker interface {\n\tNewCheckout(context.Context, *flags.Context) bool\n}\n\nvar _ checker = (*flags.Flags)(nil)\n"
	line := 1 + strings.Count(src[:strings.Index(src, "var _ checker")], "\n")
	if err := os.WriteFile(app, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	spec0, _ := os.ReadFile(filepath.Join(dir, "flags", "flags.json"))
	plan, err := New(Options{Dir: dir, Spec: "flags/flags.json", Flag: "new_checkout", Keep: "on", Env: goEnv()})
	if err == nil {
		for _, f := range plan.Files {
			if strings.HasSuffix(f.Name, "app.go") {
				i := strings.Index(string(f.New), "type checker")
				t.Logf("%s after the rewrite:\n%s", f.Name, f.New[i:])
			}
		}
		t.Fatal("no refusal")
	}
	t.Logf("refusal:\n%v", err)
	for _, w := range []string{"would not build", "nothing was written", "missing method NewCheckout"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q:\n%v", w, err)
		}
	}
	// The position is in the rewritten app.go, which is not on disk.
	if !regexp.MustCompile(`(?m)^\tapp\.go:\d+:17: cannot use \(\*flags\.Flags\)\(nil\)`).MatchString(err.Error()) {
		t.Errorf("error lacks app.go:LINE:17 (the interface check; line %d before the rewrite):\n%v", line, err)
	}
	// The go command's build output names the overlay's temporary files,
	// gone when the user reads this.
	if strings.Contains(err.Error(), os.TempDir()+string(filepath.Separator)+"flaggen-overlay-") || strings.Contains(err.Error(), "-: # ") {
		t.Errorf("error names the overlay's temporary file or repeats the go command's output:\n%v", err)
	}
	after, _ := os.ReadFile(app)
	spec1, _ := os.ReadFile(filepath.Join(dir, "flags", "flags.json"))
	if string(after) != src || string(spec0) != string(spec1) {
		t.Error("files changed")
	}
}
