package lint

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// overlayModule writes a module m in a new directory with package a
// (func F() int) and package b, which uses it, and returns the directory.
func overlayModule(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range map[string]string{
		"go.mod": "module m\n\ngo 1.26\n",
		"a/a.go": "package a\n\nfunc F() int { return 1 }\n",
		"b/b.go": "package b\n\nimport \"m/a\"\n\nvar X int = a.F()\n",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestLoadOverlay loads packages with files replaced by an overlay, which
// the go command applies (overlayByGoCommand): a package that is not
// loaded from source, only imported, is seen as the overlay has it, both
// when that breaks its importer and when it fixes it; and an overlay that
// adds a file is loaded too (by go/packages itself).
func TestLoadOverlay(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs the go command")
	}
	env := append(os.Environ(), "GOFLAGS=-mod=mod -trimpath", "GOWORK=off", "GOPROXY=off")
	dir := overlayModule(t)
	a, b := filepath.Join(dir, "a", "a.go"), filepath.Join(dir, "b", "b.go")
	load1 := func(overlay map[string][]byte, patterns ...string) error {
		t.Helper()
		_, err := load(Options{Dir: dir, Env: env, Overlay: overlay}, patterns...)
		return err
	}
	if err := load1(nil, "./b"); err != nil {
		t.Fatalf("without an overlay: %v", err)
	}
	// F returns a string in the overlay: b, loaded alone, no longer type-checks.
	err := load1(map[string][]byte{a: []byte("package a\n\nfunc F() string { return \"\" }\n")}, "./b")
	if err == nil || !strings.Contains(err.Error(), "b/b.go:5:") || !strings.Contains(err.Error(), "a.F()") {
		t.Errorf("b with a's F returning a string: err = %v, want a type error at b/b.go:5 about a.F()", err)
	}
	// a renames F to G and b follows, both in the overlay: it type-checks,
	// whether a is loaded from source too or only imported.
	fixed := map[string][]byte{
		a: []byte("package a\n\nfunc G() int { return 2 }\n"),
		b: []byte("package b\n\nimport \"m/a\"\n\nvar X int = a.G()\n"),
	}
	for _, p := range [][]string{{"./b"}, {"./..."}} {
		if err := load1(fixed, p...); err != nil {
			t.Errorf("%v with F renamed to G in a and b: %v", p, err)
		}
	}
	// Only b follows: a on disk still has F, not G.
	if err := load1(map[string][]byte{b: fixed[b]}, "./b"); err == nil || !strings.Contains(err.Error(), "G") {
		t.Errorf("b using a.G that a does not have: err = %v, want an error naming G", err)
	}
	// A file the overlay adds: b/c.go, which uses a.F.
	c := filepath.Join(dir, "b", "c.go")
	if err := load1(map[string][]byte{c: []byte("package b\n\nimport \"m/a\"\n\nvar Y string = a.F()\n")}, "./b"); err == nil || !strings.Contains(err.Error(), "b/c.go:5:") {
		t.Errorf("an added b/c.go with a type error: err = %v, want it at b/c.go:5", err)
	}
	if err := load1(map[string][]byte{c: []byte("package b\n\nimport \"m/a\"\n\nvar Y int = a.F()\n")}, "./b"); err != nil {
		t.Errorf("an added b/c.go: %v", err)
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "b")); len(entries) != 1 {
		t.Errorf("b holds %d files after the loads, want its one b.go", len(entries))
	}
}
