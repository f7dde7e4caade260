package lint

import (
	"os"
	"path/filepath"
	"testing"
)

// TestLoadOverlayLikeGoPackages: for overlays of cgo files, _test.go files
// (the package's own and its external test package), files excluded by
// build constraints and go.mod, the go command's overlay
// (overlayByGoCommand) finds a type error exactly when go/packages' own
// overlay does: each case's wantErr is what go/packages answered for it
// (kept with go/packages by an overlay that also adds a file), checked
// when the cases were written; that route is not run here, as it
// type-checks every dependency from source (20 s under the race detector).
func TestLoadOverlayLikeGoPackages(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs the go command")
	}
	env := append(os.Environ(), "GOFLAGS=-mod=mod -trimpath", "GOWORK=off", "GOPROXY=off")
	files := map[string]string{
		"go.mod":           "module m\n\ngo 1.26\n",
		"a/a.go":           "package a\n\nfunc F() int { return 1 }\n",
		"a/export_test.go": "package a\n\nvar G = F\n",
		"a/x_test.go":      "package a_test\n\nimport (\n\t\"testing\"\n\n\t\"m/a\"\n)\n\nfunc TestG(t *testing.T) { _ = a.G() + 1 }\n",
		"a/ignored.go":     "//go:build ignore\n\npackage a\n\nvar Bad int = \"\"\n",
		"b/b.go":           "package b\n\nimport \"m/a\"\n\nvar X int = a.F()\n",
		"c/c.go":           "package c\n\n// int one() { return 1; }\nimport \"C\"\n\nfunc F() int { return int(C.one()) }\n",
		"d/d.go":           "package d\n\nimport \"m/c\"\n\nvar X int = c.F()\n",
	}
	cases := []struct {
		name    string
		pattern string
		overlay map[string]string
		wantErr bool
	}{
		{"cgo file, importer breaks", "./d", map[string]string{"c/c.go": "package c\n\n// int one() { return 1; }\nimport \"C\"\n\nfunc F() string { return \"\" }\n"}, true},
		{"cgo file, own error", "./c", map[string]string{"c/c.go": "package c\n\n// int one() { return 1; }\nimport \"C\"\n\nfunc F() int { return C.one() }\n"}, true},
		{"cgo file, fine", "./...", map[string]string{"c/c.go": "package c\n\n// int two() { return 2; }\nimport \"C\"\n\nfunc F() int { return int(C.two()) }\n"}, false},
		{"export_test.go renames G", "./a", map[string]string{"a/export_test.go": "package a\n\nvar H = F\n"}, true},
		{"export_test.go and x_test.go rename G", "./a", map[string]string{"a/export_test.go": "package a\n\nvar H = F\n", "a/x_test.go": "package a_test\n\nimport (\n\t\"testing\"\n\n\t\"m/a\"\n)\n\nfunc TestG(t *testing.T) { _ = a.H() + 1 }\n"}, false},
		{"a.go breaks x_test.go through G", "./a", map[string]string{"a/a.go": "package a\n\nfunc F() string { return \"\" }\n"}, true},
		{"ignored file loses its constraint", "./b", map[string]string{"a/ignored.go": "package a\n\nvar Bad int = \"\"\n"}, true},
		{"a.go gains a constraint", "./b", map[string]string{"a/a.go": "//go:build ignore\n\npackage a\n\nfunc F() int { return 1 }\n"}, true},
		{"go.mod renames the module", "./b", map[string]string{"go.mod": "module n\n\ngo 1.26\n"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, src := range files {
				p := filepath.Join(dir, filepath.FromSlash(name))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			byCmd := map[string][]byte{}
			for name, src := range c.overlay {
				byCmd[filepath.Join(dir, filepath.FromSlash(name))] = []byte(src)
			}
			_, errCmd := load(Options{Dir: dir, Env: env, Overlay: byCmd}, c.pattern)
			t.Logf("go command: %v", errCmd)
			if (errCmd != nil) != c.wantErr {
				t.Errorf("go command overlay: err = %v, want error %v", errCmd, c.wantErr)
			}
		})
	}
}
