package remove

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flaggen/flaggen/internal/gen"
	"github.com/flaggen/flaggen/internal/spec"
	"github.com/flaggen/flaggen/internal/textdiff"
)

// checkout is the root of the flaggen module this package is in.
func checkout(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", "..")) // tests run in their package's directory
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// goEnv is the environment of the go commands run on temporary modules:
// module mode with the requirements resolved from the module cache, and
// -trimpath, so that the go command's cache serves the copies of a module
// that the tests write into new temporary directories (the same files
// build to the same packages, wherever they are).
func goEnv() []string {
	return append(os.Environ(), "GOFLAGS=-mod=mod -trimpath", "GOWORK=off")
}

// newModule copies the directory src into a temporary module named modPath
// that requires flaggen from this checkout, with old replaced by new in
// every .go file, and generates the flags package from flags/flags.json
// unless keepGen.
func newModule(t testing.TB, src, modPath string, replace map[string]string, keepGen bool) string {
	t.Helper()
	dir := t.TempDir()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		r, _ := filepath.Rel(src, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dir, r), 0o755)
		}
		if strings.HasSuffix(path, "_test.go") && replace["skip tests"] != "" {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for o, n := range replace {
			data = bytes.ReplaceAll(data, []byte(o), []byte(n))
		}
		return os.WriteFile(filepath.Join(dir, r), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	initModule(t, dir, modPath)
	if !keepGen {
		generate(t, filepath.Join(dir, "flags"))
	}
	return dir
}

// initModule writes dir's go.mod, naming the module modPath and requiring
// flaggen from this checkout, and go.sum.
func initModule(t testing.TB, dir, modPath string) {
	t.Helper()
	root := checkout(t)
	mod := "module " + modPath + "\n\ngo 1.26\n\nrequire github.com/flaggen/flaggen v0.0.0\n\nreplace github.com/flaggen/flaggen => " + root + "\n"
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(mod), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644); err != nil {
		t.Fatal(err)
	}
}

// generate writes the flags package of dir/flags.json as flaggen generate
// does.
func generate(t testing.TB, dir string) {
	t.Helper()
	generateAs(t, dir, gen.Methods)
}

// generateAs is generate with accessors in style a.
func generateAs(t testing.TB, dir string, a gen.Accessors) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "flags.json"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := spec.Parse("flags.json", data)
	if err != nil {
		t.Fatal(err)
	}
	files, err := gen.Generate(s, gen.Options{Package: "flags", SpecFile: "flags.json", Accessors: a})
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// goCmd runs the go command in dir and returns its output.
func goCmd(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = goEnv()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s in %s: %v\n%s", strings.Join(args, " "), dir, err, out)
	}
	return string(out)
}

// TestGolden removes each flag of testdata/app/before as its case says,
// compares the code with testdata/app/CASE, and builds, vets and tests the
// result.
func TestGolden(t *testing.T) {
	if testing.Short() {
		t.Skip("builds modules")
	}
	cases := []struct {
		name, flag, keep string
		notes            []string // substrings of the notes
	}{
		{"new_checkout_on", "new_checkout", "on", []string{
			`flag "fast_search" no longer depends on "new_checkout"`,
			`release "spring" no longer switches "new_checkout"`,
			`TestOldCheckout pinned "new_checkout" to false`,
			`app.go:115: the feedback on "new_checkout" is kept by name: Collect(…, flags.NewCheckout, …) became CollectName(…, "new_checkout", …)`,
		}},
		{"fast_search_on", "fast_search", "on", []string{
			`the Searcher factory no longer uses SlowSearch{} (Slow)`,
			`TestOldCheckout pinned "fast_search" to false`,
		}},
		{"theme_dark", "theme", "dark", nil},
		{"page_size_few", "page_size", "few", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := newModule(t, filepath.Join("testdata", "app", "before"), "github.com/flaggen/flaggen/removetest/app", nil, false)
			p, err := New(Options{Dir: dir, Spec: "flags/flags.json", Flag: c.flag, Keep: c.keep, Env: goEnv()})
			if err != nil {
				t.Fatal(err)
			}
			notes := strings.Join(p.Notes, "\n")
			for _, n := range c.notes {
				if !strings.Contains(notes, n) {
					t.Errorf("notes lack %q:\n%s", n, notes)
				}
			}
			if err := p.Apply(); err != nil {
				t.Fatal(err)
			}
			compareGolden(t, dir, filepath.Join("testdata", "app", c.name))
			goCmd(t, dir, "vet", "./...")
			goCmd(t, dir, "test", "./...")
		})
	}
}

// compareGolden compares the app's files in dir (app.go, app_test.go and
// flags/flags.json) with those in want, or with -update writes them there.
func compareGolden(t *testing.T, dir, want string) {
	t.Helper()
	for _, name := range []string{"app.go", "app_test.go", "flags/flags.json"} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if *update {
			os.MkdirAll(filepath.Dir(filepath.Join(want, name)), 0o755)
			os.WriteFile(filepath.Join(want, name), got, 0o644)
			continue
		}
		exp, err := os.ReadFile(filepath.Join(want, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, exp) {
			t.Errorf("%s differs from %s:\n%s", name, filepath.Join(want, name), textdiff.Unified("want", "got", exp, got, 0))
		}
	}
}

// TestGoldenFuncs removes a flag from code that uses a package generated
// with -accessors=funcs (testdata/funcs/before): its accessor function
// calls and its Flag-suffixed handle are rewritten, the package is
// regenerated in the same style, and the result is testdata/funcs/CASE and
// builds, vets and passes its tests.
func TestGoldenFuncs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds modules")
	}
	dir := newModule(t, filepath.Join("testdata", "funcs", "before"), "github.com/flaggen/flaggen/removetest/funcs", nil, true)
	generateAs(t, filepath.Join(dir, "flags"), gen.Funcs)
	p, err := New(Options{Dir: dir, Spec: "flags/flags.json", Flag: "new_checkout", Keep: "on", Env: goEnv()})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Apply(); err != nil {
		t.Fatal(err)
	}
	compareGolden(t, dir, filepath.Join("testdata", "funcs", "new_checkout_on"))
	src, err := os.ReadFile(filepath.Join(dir, "flags", gen.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if header, _, _ := bytes.Cut(src, []byte("\n")); gen.RecordedAccessors(string(header)) != gen.Funcs || !bytes.Contains(src, []byte("\nfunc PageSize(f *Flags,")) || bytes.Contains(src, []byte("NewCheckout")) {
		t.Errorf("the regenerated package is not the funcs package without new_checkout:\n%.800s", src)
	}
	goCmd(t, dir, "vet", "./...")
	goCmd(t, dir, "test", "./...")
}
