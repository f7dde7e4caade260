package gen_test

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/tools/txtar"

	"github.com/flaggen/flaggen/internal/gen"
	"github.com/flaggen/flaggen/internal/spec"
)

// fuzzSeeds returns the seed specs of FuzzGenerate: every spec under
// testdata (golden cases and the repo's specs), the checked-in corpus under
// testdata/fuzz/FuzzGenerate, and a spec per directive injection.
func fuzzSeeds(tb testing.TB) [][]byte {
	tb.Helper()
	var seeds [][]byte
	cases, _ := filepath.Glob("testdata/*.txtar")
	for _, p := range cases {
		ar, err := txtar.ParseFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		for _, file := range ar.Files {
			if file.Name == "flags.json" {
				seeds = append(seeds, file.Data)
			}
		}
	}
	specs, _ := filepath.Glob("../../testdata/*/flags.json")
	corpus, _ := filepath.Glob("testdata/fuzz/FuzzGenerate/*")
	for _, p := range append(specs, corpus...) {
		data, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		if strings.HasPrefix(p, "testdata/fuzz/") {
			data = corpusBytes(tb, p, data)
		}
		seeds = append(seeds, data)
	}
	seeds = append(seeds, []byte(`{"flags": {"x": {"active": true, "metadata": {"description": "*/ \u0000 \u202e`+"`"+`"}}}}`))
	for _, text := range injections {
		seeds = append(seeds, injectionSpec(text))
	}
	return seeds
}

// corpusBytes decodes a one-value []byte fuzz corpus file.
func corpusBytes(tb testing.TB, name string, data []byte) []byte {
	tb.Helper()
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 2 || lines[0] != "go test fuzz v1" || !strings.HasPrefix(lines[1], "[]byte(") || !strings.HasSuffix(lines[1], ")") {
		tb.Fatalf("%s: not a []byte fuzz corpus file", name)
	}
	s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")"))
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	return []byte(s)
}

// FuzzGenerate: whatever spec.Parse accepts, Generate turns, in either
// accessor style (funcs may instead report a clash of names), into gofmt'd Go
// that go/parser accepts, without panicking, with no directive or build
// constraint but the generator's own (foreignDirectives).
// TestFuzzSeedsCompile builds and vets the seeds' output.
func FuzzGenerate(f *testing.F) {
	for _, seed := range fuzzSeeds(f) {
		f.Add(seed)
	}
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := spec.Parse("flags.json", data)
		if err != nil {
			return
		}
		for _, style := range []gen.Accessors{gen.Methods, gen.Funcs} {
			files, err := gen.Generate(s, gen.Options{Package: "flags", SpecFile: "flags.json", Now: now, Accessors: style})
			var clashes spec.ErrorList
			if style == gen.Funcs && errors.As(err, &clashes) {
				continue // a handle named as another flag's accessor: reported, not generated
			}
			if err != nil {
				t.Fatalf("Generate (%s) failed on a valid spec: %v\nspec:\n%s", style, err, data)
			}
			src := files[gen.FileName]
			file, err := parser.ParseFile(token.NewFileSet(), gen.FileName, src, parser.ParseComments)
			if err != nil {
				t.Fatalf("generated code (%s) does not parse: %v\nspec:\n%s\ncode:\n%s", style, err, data, src)
			}
			if !ast.IsGenerated(file) {
				t.Fatalf("generated code (%s) lacks the generated-code header", style)
			}
			if formatted, err := format.Source(src); err != nil || !bytes.Equal(formatted, src) {
				t.Fatalf("generated code (%s) is not gofmt'd (%v)", style, err)
			}
			if bad := foreignDirectives(t, src); len(bad) > 0 {
				t.Fatalf("generated code (%s) holds directives the generator did not write: %q\nspec:\n%s", style, bad, data)
			}
		}
	})
}

// TestFuzzSeedsCompile generates every FuzzGenerate seed into a package of
// its own in one module and checks that the module builds, passes go vet
// (whose buildtag check reports a misplaced "// +build" line) and that
// go generate runs nothing: the seeds include spec text that reads
// as //go:generate, //go:build and //line directives.
func TestFuzzSeedsCompile(t *testing.T) {
	t.Parallel()
	files := map[string][]byte{}
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, seed := range fuzzSeeds(t) {
		s, err := spec.Parse("flags.json", seed)
		if err != nil {
			continue
		}
		pkg := fmt.Sprintf("seed%d", i)
		out, err := gen.Generate(s, gen.Options{Package: pkg, Now: now})
		if err != nil {
			t.Fatalf("seed %d: Generate: %v", i, err)
		}
		files[pkg+"/"+gen.FileName] = out[gen.FileName]
	}
	if len(files) < len(injections) {
		t.Fatalf("only %d seeds are valid specs", len(files))
	}
	goCmd := testModule(t, files)
	// A live "//go:generate false" seed would make go generate fail.
	for _, args := range [][]string{{"vet", "./..."}, {"generate", "./..."}} {
		if out, err := goCmd(args...); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
	}
}
