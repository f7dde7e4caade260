package gen_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/flaggen/flaggen/internal/cli"
	"github.com/flaggen/flaggen/internal/gen"
)

var update = flag.Bool("update", false, "rewrite the expected output in testdata/*.txtar")

// A golden case is one txtar archive in testdata. Its comment describes it.
// Files:
//
//	args            optional: the flaggen command line, run in a directory
//	                holding the archive's input files; default
//	                "generate -spec flags.json -out out -now 2025-01-01"
//	flags.json      the spec (any other file not listed here is an input too)
//	out/NAME        the files generate must write (valid specs)
//	stderr          the expected standard error; its presence means the
//	                command must exit 1 and write nothing
//	main.go         optional: a program (package main) run against the
//	                generated package, imported as "example.com/c/out"
//	stdout          the expected output of main.go
//
// go test -run TestGolden -update rewrites out/* and stderr.
type goldenCase struct {
	name string
	path string
	ar   *txtar.Archive
}

func (c *goldenCase) file(name string) ([]byte, bool) {
	for _, f := range c.ar.Files {
		if f.Name == name {
			return f.Data, true
		}
	}
	return nil, false
}

func isExpectation(name string) bool {
	return name == "args" || name == "stderr" || name == "stdout" || name == "main.go" || strings.HasPrefix(name, "out/")
}

func goldenCases(t *testing.T) []*goldenCase {
	t.Helper()
	abs, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	paths, err := filepath.Glob(filepath.Join(abs, "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no testdata/*.txtar cases")
	}
	var cases []*goldenCase
	for _, p := range paths {
		ar, err := txtar.ParseFile(p)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, &goldenCase{name: strings.TrimSuffix(filepath.Base(p), ".txtar"), path: p, ar: ar})
	}
	return cases
}

// run runs the case's command line in a fresh directory holding its inputs
// and returns that directory, the exit code and the output.
func (c *goldenCase) run(t *testing.T) (dir string, code int, stdout, stderr string) {
	t.Helper()
	dir = t.TempDir()
	for _, f := range c.ar.Files {
		if isExpectation(f.Name) {
			continue
		}
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o777); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o666); err != nil {
			t.Fatal(err)
		}
	}
	args := "generate -spec flags.json -out out -now 2025-01-01"
	if a, ok := c.file("args"); ok {
		args = strings.TrimSpace(string(a))
	}
	t.Chdir(dir)
	var out, errb bytes.Buffer
	code = cli.Main(strings.Fields(args), strings.NewReader(""), &out, &errb)
	return dir, code, out.String(), errb.String()
}

// outputs returns the files under dir/out, by slash path relative to dir.
func outputs(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	root := filepath.Join(dir, "out")
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = data
		return nil
	})
	return files
}

func TestGolden(t *testing.T) {
	for _, c := range goldenCases(t) {
		t.Run(c.name, func(t *testing.T) {
			dir, code, stdout, stderr := c.run(t)
			got := outputs(t, dir)
			_, invalid := c.file("stderr")
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
			if *update {
				c.rewrite(t, got, stderr, invalid || code != 0)
				return
			}
			if invalid {
				want, _ := c.file("stderr")
				if code != 1 {
					t.Errorf("exit code %d, want 1", code)
				}
				if stderr != string(want) {
					t.Errorf("stderr:\n%s\nwant:\n%s", stderr, want)
				}
				if len(got) != 0 {
					t.Errorf("files written for an invalid spec: %v", slices.Sorted(mapsKeys(got)))
				}
				return
			}
			if code != 0 || stderr != "" {
				t.Fatalf("exit code %d, stderr:\n%s", code, stderr)
			}
			for _, f := range c.ar.Files {
				if !strings.HasPrefix(f.Name, "out/") {
					continue
				}
				g, ok := got[f.Name]
				if !ok {
					t.Errorf("%s not written", f.Name)
					continue
				}
				if !bytes.Equal(g, f.Data) {
					t.Errorf("%s differs from the golden file (go test -run TestGolden -update to accept):\n%s", f.Name, lineDiff(f.Data, g))
				}
				delete(got, f.Name)
			}
			for name := range got {
				t.Errorf("unexpected output file %s", name)
			}
		})
	}
}

func mapsKeys(m map[string][]byte) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// rewrite replaces the case's expectations with what the run produced.
func (c *goldenCase) rewrite(t *testing.T, got map[string][]byte, stderr string, failed bool) {
	var files []txtar.File
	for _, f := range c.ar.Files {
		if f.Name != "stderr" && !strings.HasPrefix(f.Name, "out/") {
			files = append(files, f)
		}
	}
	if failed {
		files = append(files, txtar.File{Name: "stderr", Data: []byte(stderr)})
	} else {
		for _, name := range slices.Sorted(mapsKeys(got)) {
			files = append(files, txtar.File{Name: name, Data: got[name]})
		}
	}
	c.ar.Files = files
	if err := os.WriteFile(c.path, txtar.Format(c.ar), 0o666); err != nil {
		t.Fatal(err)
	}
}

// lineDiff shows the first differing lines of two texts.
func lineDiff(want, got []byte) string {
	w, g := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := range max(len(w), len(g)) {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return fmt.Sprintf("line %d:\n  want: %q\n  got:  %q", i+1, a, b)
		}
	}
	return "(no line differs)"
}

// testModule writes files into a new module example.com/c that requires this
// one (a replace directive to the repository) and returns a function running
// the go command in it (GOFLAGS=-mod=mod, no network). It skips the test in
// -short mode.
func testModule(t *testing.T, files map[string][]byte) func(args ...string) (string, error) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds Go modules; skipped in -short mode")
	}
	dir := gen.WriteModule(t, files)
	return func(args ...string) (string, error) {
		out, _, err := gen.RunGo(dir, args...)
		return out, err
	}
}

// TestCompileGolden builds the generated code of every valid case in a
// module of its own that requires this one (replace directive), vets it,
// and runs the case's main.go against it. Like every test here that
// builds a module, it runs in parallel with the others: each module is a
// directory of its own, and the go command spends much of its time on
// single-threaded steps (loading the module, linking).
func TestCompileGolden(t *testing.T) {
	t.Parallel()
	for _, c := range goldenCases(t) {
		if _, invalid := c.file("stderr"); invalid {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			files := map[string][]byte{}
			hasMain := false
			for _, f := range c.ar.Files {
				if strings.HasPrefix(f.Name, "out/") || f.Name == "main.go" {
					files[f.Name] = f.Data
					hasMain = hasMain || f.Name == "main.go"
				}
			}
			goCmd := testModule(t, files)
			if out, err := goCmd("vet", "./..."); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if !hasMain {
				return
			}
			got, err := goCmd("run", ".")
			if err != nil {
				t.Fatalf("%v\n%s", err, got)
			}
			if want, _ := c.file("stdout"); got != string(want) {
				t.Errorf("main.go printed:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// TestVersionSkewFailsToCompile builds generated code against a runtime
// whose version constants disagree with it (an overlay of runtime/client.go
// in a module that requires this one): a runtime too old for the generated
// code, or too new, must be a compile error on the version pin, not a
// surprise at run time.
func TestVersionSkewFailsToCompile(t *testing.T) {
	t.Parallel()
	src := minimalGenerated(t)
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	clientGo := filepath.Join(root, "runtime", "flagimpl", "flagimpl.go")
	orig, err := os.ReadFile(clientGo)
	if err != nil {
		t.Fatal(err)
	}
	genRe := regexp.MustCompile(`(?m)^(\s*GenVersion\s*=\s*)\d+`)
	minRe := regexp.MustCompile(`(?m)^(\s*MinGenVersion\s*=\s*)\d+`)
	if !genRe.Match(orig) || !minRe.Match(orig) {
		t.Fatal("runtime/flagimpl/flagimpl.go no longer declares GenVersion = N and MinGenVersion = N: update this test")
	}
	for name, tc := range map[string]struct{ gen, min string }{
		"flagimpl too old": {strconv.Itoa(gen.GenVersion - 1), strconv.Itoa(gen.GenVersion - 1)},
		"flagimpl too new": {strconv.Itoa(gen.GenVersion + 1), strconv.Itoa(gen.GenVersion + 1)},
		"matching":         {strconv.Itoa(gen.GenVersion), strconv.Itoa(gen.GenVersion)},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			patched := genRe.ReplaceAll(orig, []byte("${1}"+tc.gen))
			patched = minRe.ReplaceAll(patched, []byte("${1}"+tc.min))
			dir := t.TempDir()
			replacement := filepath.Join(dir, "flagimpl.go")
			if err := os.WriteFile(replacement, patched, 0o666); err != nil {
				t.Fatal(err)
			}
			overlay, _ := json.Marshal(map[string]any{"Replace": map[string]string{clientGo: replacement}})
			overlayFile := filepath.Join(dir, "overlay.json")
			if err := os.WriteFile(overlayFile, overlay, 0o666); err != nil {
				t.Fatal(err)
			}
			goCmd := testModule(t, map[string][]byte{"out/flags_gen.go": src})
			out, err := goCmd("build", "-overlay", overlayFile, "./out")
			if name == "matching" {
				if err != nil {
					t.Fatalf("matching versions do not build: %v\n%s", err, out)
				}
				return
			}
			if err == nil {
				t.Fatalf("generated code built against a flagimpl with GenVersion %s, MinGenVersion %s", tc.gen, tc.min)
			}
			if !strings.Contains(out, "flags_gen.go") || !strings.Contains(out, "overflows") {
				t.Errorf("the build failed, but not on the version pin:\n%s", out)
			}
		})
	}
}

// TestCopiedFlagsFailsVet: a copied Flags would keep the bool states of the
// moment it was copied (flagimpl.Bind updates the original's), so
// go vet's copylocks check must report the copy.
func TestCopiedFlagsFailsVet(t *testing.T) {
	t.Parallel()
	src := minimalGenerated(t)
	main := []byte(`package main

import (
	"context"
	"fmt"

	"example.com/c/out"
)

func main() {
	f := out.MustNew()
	defer f.Close()
	cp := *f
	fmt.Println(cp.DarkMode(context.Background(), nil))
}
`)
	goCmd := testModule(t, map[string][]byte{"out/flags_gen.go": src, "main.go": main})
	out, err := goCmd("vet", ".")
	if err == nil || !strings.Contains(out, "copies lock") {
		t.Fatalf("go vet does not report a copied Flags (err %v):\n%s", err, out)
	}
}

// minimalGenerated returns the generated file of testdata/minimal.txtar.
func minimalGenerated(t *testing.T) []byte {
	t.Helper()
	for _, c := range goldenCases(t) {
		if c.name == "minimal" {
			src, ok := c.file("out/flags_gen.go")
			if !ok {
				t.Fatal("minimal.txtar has no out/flags_gen.go")
			}
			return src
		}
	}
	t.Fatal("no testdata/minimal.txtar")
	return nil
}
