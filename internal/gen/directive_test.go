package gen_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/build/constraint"
	"go/parser"
	"go/token"
	"strings"
	"testing"
	"time"

	"github.com/flaggen/flaggen/internal/gen"
	"github.com/flaggen/flaggen/internal/spec"
)

// ownDirectives are the only directives the generator writes itself: one
// //go:noinline per bool flag's slow path.
var ownDirectives = map[string]bool{"//go:noinline": true}

// foreignDirectives returns every line of generated source that a Go tool
// would read as an instruction and that the generator did not write itself:
// in comments, a directive (//go:…, //line, //export, //extern, //sys…), a
// build constraint (//go:build, // +build) or a /*line directive; anywhere
// in the file (go generate scans lines, string literals included), a line
// starting //go:generate. Block comments are reported too: the generator
// writes none.
func foreignDirectives(t testing.TB, src []byte) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), gen.FileName, src, parser.ParseComments)
	if err != nil {
		t.Fatalf("generated code does not parse: %v\n%s", err, src)
	}
	var bad []string
	for _, g := range f.Comments {
		for _, c := range g.List {
			text := c.Text
			if strings.HasPrefix(text, "/*") {
				bad = append(bad, text)
				continue
			}
			if ownDirectives[text] {
				continue
			}
			body := text[len("//"):]
			switch {
			case constraint.IsGoBuild(text), constraint.IsPlusBuild(text),
				strings.Contains(text, "+build") && strings.HasPrefix(strings.TrimLeft(body, " \t"), "+build"),
				strings.HasPrefix(body, "line "), strings.HasPrefix(body, "go:"),
				strings.HasPrefix(body, "export"), strings.HasPrefix(body, "extern"),
				strings.HasPrefix(body, "sys"), isDirective(body):
				bad = append(bad, text)
			}
		}
	}
	for line := range bytes.Lines(src) {
		if bytes.HasPrefix(line, []byte("//go:generate")) {
			bad = append(bad, string(bytes.TrimSpace(line)))
		}
	}
	return bad
}

// isDirective is go/ast's rule: a comment "//" followed at once by a lower
// case word and a colon (//go:…, //lint:…) or by "line ", "extern ",
// "export ".
func isDirective(body string) bool {
	i := 0
	for i < len(body) && (body[i] >= 'a' && body[i] <= 'z' || body[i] >= '0' && body[i] <= '9') {
		i++
	}
	return i > 0 && i < len(body) && body[i] == ':'
}

// injections are spec strings that would be directives or build constraints
// if they reached the start of a generated comment line as they are.
var injections = []string{
	"//go:generate touch flaggen-injected",
	"//go:generate false",
	"//go:build ignore",
	"//line x.go:1",
	"/*line x.go:1*/",
	"+build ignore",
	"// +build ignore",
	"//export Evil",
	"//extern evil",
	"//sys evil()",
	"//lint:ignore",
	"//go:linkname x runtime.x",
}

// injectionSpec returns a spec that puts text everywhere spec text reaches
// generated code: flag and attribute descriptions and owners (alone, and
// after a long word so that wrapping starts a line with it), variant names
// and values, strategy docs, metadata. (A string attribute's enum values
// become Go constant names, so the spec check refuses such text there.)
func injectionSpec(text string) []byte {
	long := strings.Repeat("x", 60) + " " + text
	doc := map[string]any{
		"context": map[string]any{
			"user_id": map[string]any{"type": "int", "key": true, "description": text},
			"plan":    map[string]any{"type": "string", "description": long, "enum": []string{"free", "pro"}},
		},
		"flags": map[string]any{
			"a": map[string]any{"active": true,
				"metadata": map[string]any{"description": text, "owner": text, "extra": text},
				"strategy": map[string]any{"name": "AStrategy", "on": "On", "off": "Off"}},
			"b": map[string]any{"active": true, "owner": long,
				"metadata": map[string]any{"description": long}},
			"c": map[string]any{"type": "enum", "active": true, "default": "v",
				"variants": map[string]any{"v": 50, "w": 50},
				"metadata": map[string]any{"description": strings.Repeat("word ", 14) + text},
				"strategy": map[string]any{"name": "CStrategy", "variants": map[string]any{"v": "V", "w": "W"}}},
			"e": map[string]any{"type": "int", "active": true, "default": text,
				"variants": map[string]any{text: map[string]any{"value": 1, "weight": 50}, long: map[string]any{"value": 2, "weight": 50}},
				"strategy": map[string]any{"name": "EStrategy", "variants": map[string]any{text: "One", long: "Two"}}},
			"d": map[string]any{"type": "string", "active": true, "default": "s",
				"variants": map[string]any{"s": map[string]any{"value": text, "weight": 50}, "t": map[string]any{"value": long, "weight": 50}}},
		},
	}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		panic(err)
	}
	return data
}

// TestSpecTextCannotBecomeDirectives: spec text that reads as a Go
// directive, a build constraint or a line directive stays plain comment
// text wherever it lands in the generated file (issue 9, item 1).
func TestSpecTextCannotBecomeDirectives(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, text := range injections {
		t.Run(text, func(t *testing.T) {
			data := injectionSpec(text)
			s, err := spec.Parse("flags.json", data)
			if err != nil {
				t.Fatalf("spec.Parse: %v\n%s", err, data)
			}
			files, err := gen.Generate(s, gen.Options{Package: "flags", Now: now})
			if err != nil {
				t.Fatalf("Generate: %v", err)
			}
			src := files[gen.FileName]
			if bad := foreignDirectives(t, src); len(bad) > 0 {
				t.Fatalf("generated code holds directives from the spec: %q\n%s", bad, src)
			}
			if n := strings.Count(string(src), "\n//go:noinline\n"); n != 1 {
				t.Errorf("%d //go:noinline directives, want 1 (flagEvalBool's)", n)
			}
		})
	}
}

// TestForeignDirectivesCheck: the check the tests above rely on sees each
// kind of directive.
func TestForeignDirectivesCheck(t *testing.T) {
	for _, c := range []string{
		"//go:generate touch x", "//go:build ignore", "// +build ignore", "//line x.go:1",
		"/*line x.go:1*/", "//export X", "//extern x", "//sys x()", "//go:linkname a b", "//lint:ignore x",
	} {
		src := fmt.Sprintf("package p\n\n%s\nvar X = 1\n", c)
		if c == "//line x.go:1" {
			src = fmt.Sprintf("package p\n\n%s\nvar X = 1\n", "//line x.go:10")
		}
		if bad := foreignDirectives(t, []byte(src)); len(bad) == 0 {
			t.Errorf("%q not reported", c)
		}
	}
	raw := []byte("package p\n\nconst s = `\n//go:generate touch x\n`\n")
	if bad := foreignDirectives(t, raw); len(bad) == 0 {
		t.Errorf("//go:generate in a raw string not reported")
	}
	ok := []byte("package p\n\n// a //go:generate x\n// +x +build y\n//\n//go:noinline\nfunc f() {}\n")
	if bad := foreignDirectives(t, ok); len(bad) > 0 {
		t.Errorf("plain comments reported: %q", bad)
	}
}
