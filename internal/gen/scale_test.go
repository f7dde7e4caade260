package gen

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flaggen/flaggen/internal/benchsize"
	"github.com/flaggen/flaggen/internal/spec"
	"github.com/flaggen/flaggen/internal/textdiff"
)

// The scale of generated code (issue 17): a package of thousands of flags
// must build and vet in seconds. BenchmarkBuild10k measures it; TestScaled
// checks, cheaply, that the same shape generates, builds, vets and evaluates.

// maxLinesPerFlag is the budget of generated lines per flag, comments not
// counted (codeLines).
const maxLinesPerFlag = 12

// scaleModule writes a module (WriteModule) whose package "flags" is
// generated from src with accessors style a and whose main package is
// mainSrc (if not empty), and returns its directory, the generated file and
// how long parsing and generating took.
func scaleModule(tb testing.TB, src []byte, a Accessors, mainSrc string) (string, []byte, time.Duration) {
	tb.Helper()
	start := time.Now()
	s, err := spec.Parse("flags.json", src)
	if err != nil {
		tb.Fatalf("spec.Parse: %v", err)
	}
	files, err := Generate(s, Options{Package: "flags", Now: jan2025, Accessors: a})
	if err != nil {
		tb.Fatalf("Generate: %v", err)
	}
	took := time.Since(start)
	write := map[string][]byte{"flags/" + FileName: files[FileName], "flags/doc.go": []byte("package flags\n")}
	if mainSrc != "" {
		write["main.go"] = []byte(mainSrc)
	}
	return WriteModule(tb, write), files[FileName], took
}

// goCmd is RunGo that fails tb on error.
func goCmd(tb testing.TB, dir string, args ...string) (string, cost) {
	tb.Helper()
	out, c, err := RunGo(dir, args...)
	if err != nil {
		tb.Fatalf("%v\n%s", err, out)
	}
	return out, c
}

// WriteModule writes files into a new temporary module, example.com/c,
// that requires this one through a replace directive, and returns its
// directory. It is exported for the package's external tests, as RunGo is.
func WriteModule(tb testing.TB, files map[string][]byte) string {
	tb.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		tb.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		tb.Fatal(err)
	}
	dir := tb.TempDir()
	write := func(name string, data []byte) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o777); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o666); err != nil {
			tb.Fatal(err)
		}
	}
	write("go.mod", fmt.Appendf(nil, "module example.com/c\n\ngo 1.26\n\nrequire github.com/flaggen/flaggen v0.0.0\n\nreplace github.com/flaggen/flaggen => %s\n", root))
	write("go.sum", sum)
	for name, data := range files {
		write(name, data)
	}
	return dir
}

// RunGo runs the go command in dir, offline, and returns its output
// (stdout, then stderr) and what it cost. It builds with -trimpath, so
// that the go command's cache serves a module written anew into another
// temporary directory as long as its files are the same.
func RunGo(dir string, args ...string) (string, cost, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod -trimpath", "GOPROXY=off", "GOWORK=off")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	c := cost{wall: time.Since(start)}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		c.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		c.maxRSS = int64(ru.Maxrss) * 1024 // kilobytes on Linux
	}
	if err != nil {
		return out.String() + errb.String(), c, fmt.Errorf("go %s: %v", strings.Join(args, " "), err)
	}
	return out.String(), c, nil
}

// cost is what a go command cost: wall time; CPU time (user and system) of
// it and of the tools it ran and waited for (compile, vet), which depends
// less on the machine's other load; and the peak resident set size of the
// largest of them.
type cost struct {
	wall, cpu time.Duration
	maxRSS    int64
}

func (c cost) report(b *testing.B, name string) {
	b.ReportMetric(c.wall.Seconds(), name+"-s")
	b.ReportMetric(c.cpu.Seconds(), name+"-cpu-s")
	b.ReportMetric(float64(c.maxRSS)/1e6, name+"-MB")
}

// codeLines counts the lines of src that are not comments (doc comments,
// which the generator writes as // lines, nor directives); blank lines
// count.
func codeLines(src []byte) int {
	n := 0
	for line := range bytes.Lines(src) {
		if !bytes.HasPrefix(bytes.TrimSpace(line), []byte("//")) {
			n++
		}
	}
	return n
}

// TestLinesPerFlag holds a package of flags shaped like the seed's new_ui
// to its budget of lines per flag.
func TestLinesPerFlag(t *testing.T) {
	const n = 1000
	s, err := spec.Parse("flags.json", newUISpecJSON(n))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []Accessors{Methods, Funcs} {
		src := generate(t, s, Options{Package: "big", Now: jan2025, Accessors: a})
		if per := float64(codeLines(src)) / n; per > maxLinesPerFlag {
			t.Errorf("%s: %.2f lines per flag (comments not counted), want ≤ %d", a, per, maxLinesPerFlag)
		}
	}
}

// TestMaxFlags: a spec of more flags than a Go type can have methods is
// refused with methods accessors, with an error that says so and names the
// way out (-accessors=funcs), not generated into code that the compiler
// rejects with an internal error; with funcs accessors it generates.
func TestMaxFlags(t *testing.T) {
	s := &spec.Spec{File: "flags.json", Source: []byte(`{"flags": {}}`)}
	for i := range MaxFlags + 1 {
		s.Flags = append(s.Flags, &spec.Flag{Name: fmt.Sprintf("f%d", i), GoName: fmt.Sprintf("F%d", i), Index: i})
	}
	_, err := Generate(s, Options{Package: "flags", Now: jan2025})
	if err == nil || !strings.Contains(err.Error(), "at most 65532") || !strings.Contains(err.Error(), "65,535 methods") || !strings.Contains(err.Error(), "-accessors=funcs") {
		t.Errorf("Generate(%d flags) = %v, want an error naming the limit and -accessors=funcs", len(s.Flags), err)
	}
	files, err := Generate(s, Options{Package: "flags", Now: jan2025, Accessors: Funcs})
	if err != nil {
		t.Fatalf("Generate(%d flags, Funcs): %v", len(s.Flags), err)
	}
	last := fmt.Sprintf("\nfunc F%d(f *Flags, ctx context.Context, c *Context) bool {\n", MaxFlags)
	if !bytes.Contains(files[FileName], []byte(last)) {
		t.Errorf("Generate(%d flags, Funcs) has no %q", len(s.Flags), last)
	}
}

// TestScaled generates a package of 200 flags of every type, builds and
// vets it, and runs a program that evaluates every flag through its
// accessor and through Explain, which must agree; in both accessor styles,
// which must print the same.
func TestScaled(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds a module with the go command")
	}
	t.Parallel()
	const n = 200
	src := bigSpecJSON(n)
	s, err := spec.Parse("flags.json", src)
	if err != nil {
		t.Fatal(err)
	}
	var outs [2]string
	t.Run("styles", func(t *testing.T) {
		for i, a := range []Accessors{Methods, Funcs} {
			t.Run(string(a), func(t *testing.T) {
				t.Parallel()
				outs[i] = scaled(t, s, src, a)
			})
		}
	})
	if outs[0] != outs[1] {
		t.Errorf("the methods and funcs packages printed different values:\n%s", textdiff.Unified("methods", "funcs", []byte(outs[0]), []byte(outs[1]), 20))
	}
}

// scaled generates spec s (source src) with accessors a into a module,
// vets, builds and runs its program, checks its output and returns it.
func scaled(t *testing.T, s *spec.Spec, src []byte, a Accessors) string {
	n := len(s.Flags)
	var m strings.Builder
	m.WriteString("package main\n\nimport (\n\t\"context\"\n\t\"fmt\"\n\n\t\"example.com/c/flags\"\n)\n\n")
	m.WriteString("func main() {\n\tf := flags.MustNew()\n\tdefer f.Close()\n\tctx := context.Background()\n")
	m.WriteString("\tfor _, c := range []*flags.Context{nil, {UserID: 7, Region: \"US\"}, {UserID: 12345, Region: \"RO\"}} {\n")
	for _, fl := range s.Flags {
		call, handle := "f."+fl.GoName+"(ctx, c)", fl.GoName
		if a == Funcs {
			call, handle = "flags."+fl.GoName+"(f, ctx, c)", fl.GoName+"Flag"
		}
		fmt.Fprintf(&m, "\t\tfmt.Println(%q, fmt.Sprint(%s) == fmt.Sprint(f.Explain(ctx, flags.%s, c).Value), %s)\n",
			fl.Name, call, handle, call)
	}
	m.WriteString("\t}\n}\n")
	dir, _, _ := scaleModule(t, src, a, m.String())
	goCmd(t, dir, "vet", "./...")
	out, _ := goCmd(t, dir, "run", ".") // builds it too
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3*n {
		t.Fatalf("the program printed %d lines, want %d:\n%s", len(lines), 3*n, out)
	}
	on := 0
	for _, line := range lines {
		fields := strings.Fields(line)
		if len(fields) < 3 || fields[1] != "true" {
			t.Errorf("accessor and Explain disagree: %s", line)
		}
		if len(fields) == 3 && fields[2] == "true" {
			on++
		}
	}
	if on == 0 {
		t.Errorf("no bool flag is on for any context:\n%s", out)
	}
	return out
}

// BenchmarkBuild10k measures what an application build pays for a
// generated package of 10,000 flags shaped like the seed's new_ui
// (FLAGGEN_BENCH_FLAGS sets another count; FLAGGEN_BENCH_ACCESSORS=funcs
// generates it with -accessors=funcs, which a count above MaxFlags needs):
// the cold go build of that one package (its dependencies cached), and go
// vet of it, in seconds (wall and CPU) and peak resident megabytes, and the
// package's code lines per flag; and the time to parse the spec and
// generate the package (gen-s). Goals on a 2-core machine: build ≤ 10 s
// and ≤ 500 MB, vet ≤ 5 s, ≤ 12 lines per flag. Each iteration adds a file
// holding a fresh comment to the package, so that the go command's cache
// does not answer. ns/op includes writing and tidying the module; the
// custom metrics do not.
func BenchmarkBuild10k(b *testing.B) {
	n := benchsize.N(10_000)
	if v := os.Getenv("FLAGGEN_BENCH_FLAGS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("FLAGGEN_BENCH_FLAGS=%q: want a positive count", v)
		}
	}
	a := Methods
	if v := os.Getenv("FLAGGEN_BENCH_ACCESSORS"); v != "" {
		var err error
		if a, err = ParseAccessors(v); err != nil {
			b.Fatalf("FLAGGEN_BENCH_ACCESSORS: %v", err)
		}
	}
	dir, gen, took := scaleModule(b, newUISpecJSON(n), a, "")
	goCmd(b, dir, "build", "github.com/flaggen/flaggen/runtime/flagimpl") // dependencies cached
	var build, vet cost
	k := 0
	for b.Loop() {
		k++
		nonce := fmt.Sprintf("package flags\n\n// run %d at %d\n", k, time.Now().UnixNano())
		if err := os.WriteFile(filepath.Join(dir, "flags", "nonce.go"), []byte(nonce), 0o644); err != nil {
			b.Fatal(err)
		}
		_, build = goCmd(b, dir, "build", "./flags")
		_, vet = goCmd(b, dir, "vet", "./flags")
	}
	build.report(b, "build")
	vet.report(b, "vet")
	b.ReportMetric(float64(codeLines(gen))/float64(n), "lines/flag")
	b.ReportMetric(float64(len(gen))/1e6, "file-MB")
	b.ReportMetric(took.Seconds(), "gen-s")
}
