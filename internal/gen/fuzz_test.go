package gen_test

import (
	"bytes"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/tools/txtar"

	"github.com/flaggen/flaggen/internal/gen"
	"github.com/flaggen/flaggen/internal/spec"
)

// FuzzGenerate: whatever spec.Parse accepts, Generate turns into gofmt'd Go
// that go/parser accepts, without panicking. Seeds: every spec under
// testdata (golden cases and the repo's specs).
func FuzzGenerate(f *testing.F) {
	cases, _ := filepath.Glob("testdata/*.txtar")
	for _, p := range cases {
		ar, err := txtar.ParseFile(p)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range ar.Files {
			if file.Name == "flags.json" {
				f.Add(file.Data)
			}
		}
	}
	specs, _ := filepath.Glob("../../testdata/*/flags.json")
	for _, p := range specs {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"flags": {"x": {"active": true, "metadata": {"description": "*/ \u0000 \u202e` + "`" + `"}}}}`))
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := spec.Parse("flags.json", data)
		if err != nil {
			return
		}
		files, err := gen.Generate(s, gen.Options{Package: "flags", SpecFile: "flags.json", Now: now})
		if err != nil {
			t.Fatalf("Generate failed on a valid spec: %v\nspec:\n%s", err, data)
		}
		src := files[gen.FileName]
		file, err := parser.ParseFile(token.NewFileSet(), gen.FileName, src, parser.ParseComments)
		if err != nil {
			t.Fatalf("generated code does not parse: %v\nspec:\n%s\ncode:\n%s", err, data, src)
		}
		if !ast.IsGenerated(file) {
			t.Fatalf("generated code lacks the generated-code header")
		}
		if formatted, err := format.Source(src); err != nil || !bytes.Equal(formatted, src) {
			t.Fatalf("generated code is not gofmt'd (%v)", err)
		}
	})
}
