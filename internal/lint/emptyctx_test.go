package lint

import (
	"fmt"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestEmptyContext lints testdata/emptyctx, whose want comments say which
// diagnostics its lines get, as x/tools' analysistest reads them: a
// comment // want `REGEXP` expects one diagnostic on its line whose
// message matches REGEXP, and every diagnostic in a Go file must be
// expected.
func TestEmptyContext(t *testing.T) {
	dir, err := filepath.Abs("testdata/emptyctx")
	if err != nil {
		t.Fatal(err)
	}
	s := parseSpec(t, "testdata/emptyctx/flags/flags.json")
	s.File = "flags/flags.json"
	unknown := func(string) (time.Time, bool) { return time.Time{}, false }
	ds, err := Run(s, Options{Dir: dir, Now: genNow, SpecChanged: unknown})
	if err != nil {
		t.Fatal(err)
	}
	wants := wantComments(t, dir)
	if len(wants) == 0 {
		t.Fatal("the fixture has no want comments")
	}
	for _, d := range ds {
		if filepath.Ext(d.File) != ".go" {
			continue // the spec's own diagnostics: TestRun, TestCheckSpec
		}
		at := fmt.Sprintf("%s:%d", d.File, d.Line)
		ok := false
		for i, re := range wants[at] {
			if re.MatchString(d.Message) {
				wants[at] = append(wants[at][:i], wants[at][i+1:]...)
				ok = true
				break
			}
		}
		if !ok {
			t.Errorf("unexpected diagnostic %s", d)
		}
	}
	for at, res := range wants {
		for _, re := range res {
			t.Errorf("%s: no diagnostic matching %q", at, re)
		}
	}
}

// wantComments reads the want comments of the Go files in dir, by
// "file:line" (file relative to dir).
func wantComments(t *testing.T, dir string) map[string][]*regexp.Regexp {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	wants := map[string][]*regexp.Regexp{}
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range f.Comments {
			for _, c := range g.List {
				text, ok := strings.CutPrefix(c.Text, "// want ")
				if !ok {
					continue
				}
				pos := fset.Position(c.Pos())
				pattern, err := strconv.Unquote(strings.TrimSpace(text))
				if err != nil {
					t.Fatalf("%s: want comment %s: %v", pos, text, err)
				}
				re, err := regexp.Compile(pattern)
				if err != nil {
					t.Fatalf("%s: %v", pos, err)
				}
				at := fmt.Sprintf("%s:%d", filepath.Base(name), pos.Line)
				wants[at] = append(wants[at], re)
			}
		}
	}
	return wants
}
