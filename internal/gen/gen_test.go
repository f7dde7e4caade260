package gen

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flaggen/flaggen/internal/spec"
)

var jan2025 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func generate(t testing.TB, s *spec.Spec, opts Options) []byte {
	t.Helper()
	files, err := Generate(s, opts)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	if len(files) != 1 || files[FileName] == nil {
		t.Fatalf("Generate returned files %v, want just %s", keys(files), FileName)
	}
	return files[FileName]
}

func keys(m map[string][]byte) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// parse parses generated source, failing the test on a syntax error.
func parse(t testing.TB, src []byte) *ast.File {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), FileName, src, parser.ParseComments)
	if err != nil {
		t.Fatalf("generated code does not parse: %v\n%s", err, src)
	}
	return f
}

// checkWellFormed asserts what every generated file must be: parseable,
// gofmt'd, marked generated, in the right package.
func checkWellFormed(t testing.TB, src []byte, pkg string) *ast.File {
	t.Helper()
	f := parse(t, src)
	if !ast.IsGenerated(f) {
		t.Errorf("ast.IsGenerated = false; header is %q", bytes.SplitN(src, []byte("\n"), 2)[0])
	}
	if f.Name.Name != pkg {
		t.Errorf("package %s, want %s", f.Name.Name, pkg)
	}
	formatted, err := format.Source(src)
	if err != nil {
		t.Fatalf("format.Source: %v", err)
	}
	if !bytes.Equal(formatted, src) {
		t.Errorf("generated code is not gofmt'd")
	}
	if f.Doc == nil || !strings.HasPrefix(f.Doc.Text(), "Package "+pkg+" ") {
		t.Errorf("package doc = %q, want it to start with %q", f.Doc.Text(), "Package "+pkg+" ")
	}
	return f
}

// decl returns the doc comment text of the top-level function, method
// (Recv.Name) or type/var/const named name.
func declDoc(f *ast.File, name string) (string, bool) {
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			n := d.Name.Name
			if d.Recv != nil {
				var recv string
				switch t := d.Recv.List[0].Type.(type) {
				case *ast.StarExpr:
					switch x := t.X.(type) {
					case *ast.Ident:
						recv = x.Name
					case *ast.IndexExpr:
						recv = x.X.(*ast.Ident).Name
					}
				case *ast.Ident:
					recv = t.Name
				}
				n = recv + "." + n
			}
			if n == name {
				return d.Doc.Text(), true
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				var names []*ast.Ident
				var doc *ast.CommentGroup
				switch s := s.(type) {
				case *ast.TypeSpec:
					names, doc = []*ast.Ident{s.Name}, s.Doc
				case *ast.ValueSpec:
					names, doc = s.Names, s.Doc
				}
				for _, id := range names {
					if id.Name == name {
						if doc == nil {
							doc = d.Doc
						}
						return doc.Text(), true
					}
				}
			}
		}
	}
	return "", false
}

func TestGenerateWellFormed(t *testing.T) {
	src := generate(t, handSpec(), Options{Package: "demo", Now: jan2025})
	f := checkWellFormed(t, src, "demo")
	for _, name := range []string{
		"Context", "Context.flagAttrs", "Flags", "New", "MustNew", "Flags.Runtime", "Flags.Close", "Flags.Explain", "Spec",
		"NewUI", "Flags.NewUI", "SearchEngineVariant", "SearchEngineClassic", "Flags.SearchEngine",
		"SearchServiceImpls", "SearchServiceFactory", "NewSearchServiceFactory", "SearchServiceFactory.Get",
		"ButtonRendererImpls", "PagerFactory.Get", "SearcherFactory.Get",
	} {
		doc, ok := declDoc(f, name)
		if !ok {
			t.Errorf("no declaration of %s", name)
			continue
		}
		if doc == "" && name != "Context.flagAttrs" {
			t.Errorf("%s has no doc comment", name)
		}
	}
}

func TestGenerateDeterministic(t *testing.T) {
	opts := Options{Package: "demo", Now: jan2025, SpecFile: "flags.json"}
	a := generate(t, handSpec(), opts)
	for range 5 {
		if b := generate(t, handSpec(), opts); !bytes.Equal(a, b) {
			t.Fatalf("two runs differ:\n%s", firstDiff(a, b))
		}
	}
}

func firstDiff(a, b []byte) string {
	al, bl := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return "line " + strconv.Itoa(i+1) + ":\n- " + al[i] + "\n+ " + bl[i]
		}
	}
	return "lengths differ"
}

func TestDeprecatedFollowsNow(t *testing.T) {
	for _, tc := range []struct {
		now             time.Time
		legacy, buttons bool
	}{
		// "expires": "2024-06-30" is the last valid day: deprecated from the next.
		{time.Date(2024, 6, 30, 0, 0, 0, 0, time.UTC), false, false},
		{time.Date(2024, 6, 30, 23, 59, 59, 0, time.UTC), false, false},
		{time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC), true, false},
		{jan2025, true, false},
		{time.Date(2099, 12, 31, 12, 0, 0, 0, time.UTC), true, false},
		{time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC), true, true},
	} {
		f := parse(t, generate(t, handSpec(), Options{Package: "demo", Now: tc.now}))
		for name, want := range map[string]bool{"Flags.LegacyExport": tc.legacy, "Flags.CheckoutButton": tc.buttons, "Flags.NewUI": false} {
			doc, _ := declDoc(f, name)
			if got := strings.Contains(doc, "\nDeprecated: flag "); got != want {
				t.Errorf("now %v: %s deprecated = %v, want %v; doc:\n%s", tc.now, name, got, want, doc)
			}
		}
		if tc.legacy {
			doc, _ := declDoc(f, "Flags.LegacyExport")
			if want := `Deprecated: flag "legacy_export" expired after 2024-06-30; remove it.`; !strings.Contains(doc, want) {
				t.Errorf("doc lacks %q:\n%s", want, doc)
			}
		}
	}
}

func TestDescriptionsCannotBreakOut(t *testing.T) {
	s := handSpec()
	nasty := "one */ func init() { panic(1) } /* two\n\npackage evil\r\x00\u202etxt.exe\u2028// three"
	s.Flags[5].Description = nasty
	s.Flags[5].Owner = "Team */\nfunc X() {}"
	s.Context[1].Doc = nasty
	src := generate(t, s, Options{Package: "demo", Now: jan2025})
	f := checkWellFormed(t, src, "demo")
	inits := 0 // the generated one sets the handles
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && (fd.Name.Name == "init" && inits > 0 || fd.Name.Name == "X") {
			t.Fatalf("description injected code: func %s", fd.Name.Name)
		} else if ok && fd.Name.Name == "init" {
			inits++
		}
	}
	doc, _ := declDoc(f, "Flags.NewUI")
	if !strings.Contains(doc, "one func init() { panic(1) } two package evil txt.exe // three.") {
		t.Errorf("sanitised description not kept as one paragraph:\n%s", doc)
	}
	for _, bad := range []string{"\u202e", "\u2028", "\x00", "\r", "*/"} {
		if bytes.Contains(src, []byte(bad)) {
			t.Errorf("generated code contains %q", bad)
		}
	}
}

// TestDescriptionCannotDeprecate: a description that starts with
// "Deprecated:" must not become a deprecation notice (a paragraph starting
// "Deprecated: "), which would mark every call site as deprecated; only an
// expired flag is.
func TestDescriptionCannotDeprecate(t *testing.T) {
	for _, desc := range []string{"Deprecated: use new_checkout.", "  deprecated : gone soon", "DEPRECATED:x"} {
		s := handSpec()
		s.Flags[5].Description = desc // new_ui, no expiry
		s.Context[1].Doc = desc
		f := checkWellFormed(t, generate(t, s, Options{Package: "demo", Now: jan2025}), "demo")
		for _, name := range []string{"Flags.NewUI", "Context"} {
			doc, _ := declDoc(f, name)
			for _, p := range strings.Split(doc, "\n\n") {
				if strings.HasPrefix(strings.ToLower(strings.TrimSpace(p)), "deprecated") {
					t.Errorf("description %q: %s has a deprecation paragraph:\n%s", desc, name, doc)
				}
			}
			if name == "Flags.NewUI" && !strings.Contains(doc, "\nDescription: "+strings.TrimSpace(desc)) {
				t.Errorf("description %q not kept, labelled:\n%s", desc, doc)
			}
		}
	}
	if got := defuse("Deprecation notes: none"); got != "Deprecation notes: none" {
		t.Errorf("defuse changed %q", got)
	}
}

// TestEmbeddedSource: the embedded spec is the spec without its white
// space (a source that is not JSON, which spec.Parse rejects, as it is),
// in a literal that Go source holds safely.
func TestEmbeddedSource(t *testing.T) {
	for name, src := range map[string]string{
		"raw":        "{\n\t\"flags\": {\"a\": {\"metadata\": {\"description\": \"é ü 日本\"}}}\n}\n",
		"backquote":  "{\"flags\": {}, \"x\": \"`\"}\n",
		"crlf":       "{\r\n\"flags\": {}\r\n}\r\n",
		"bom":        "\uFEFF{\"flags\": {}}",
		"bidi":       "{\"flags\": {}, \"x\": \"\u202e\"}",
		"no newline": "{}",
		"directive":  "{\n//go:generate touch x\n\"flags\": {}}",
		"indented":   "{\n  \t/*line x.go:1*/ \"flags\": {}}",
	} {
		t.Run(name, func(t *testing.T) {
			s := handSpec()
			s.Source = []byte(src)
			f := checkWellFormed(t, generate(t, s, Options{Package: "demo", Now: jan2025}), "demo")
			var lit *ast.BasicLit
			ast.Inspect(f, func(n ast.Node) bool {
				if vs, ok := n.(*ast.ValueSpec); ok && vs.Names[0].Name == "flagSpecJSON" {
					lit = vs.Values[0].(*ast.BasicLit)
				}
				return lit == nil
			})
			if lit == nil {
				t.Fatal("no flagSpecJSON constant")
			}
			got, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Fatal(err)
			}
			want := src
			var c bytes.Buffer
			if json.Compact(&c, []byte(src)) == nil {
				want = c.String()
			}
			if got != want {
				t.Errorf("embedded source = %q, want %q", got, want)
			}
			if raw := strings.HasPrefix(lit.Value, "`"); raw != (name == "raw" || name == "no newline" || name == "crlf") {
				t.Errorf("raw literal = %v for %q", raw, src)
			}
		})
	}
}

func TestGenerateRejects(t *testing.T) {
	for name, tc := range map[string]struct {
		mutate func(*spec.Spec)
		opts   Options
		want   string
	}{
		"bad package":     {opts: Options{Package: "my-flags"}, want: `invalid package name "my-flags"`},
		"keyword package": {opts: Options{Package: "func"}, want: `invalid package name "func"`},
		"index":           {mutate: func(s *spec.Spec) { s.Flags[5].Index = 9 }, want: `flag "new_ui": index 9, want 5`},
		"variant type":    {mutate: func(s *spec.Spec) { s.Flags[4].Variants[0].Value = "ten" }, want: `variant "few": value ten (string) does not fit type int`},
		"flag type":       {mutate: func(s *spec.Spec) { s.Flags[5].Type = "uuid" }, want: `flag "new_ui": unsupported flag type "uuid"`},
		"attribute type":  {mutate: func(s *spec.Spec) { s.Context[1].Type = spec.Enum }, want: `attribute "region": unsupported attribute type "enum"`},
		"flag go name":    {mutate: func(s *spec.Spec) { s.Flags[5].GoName = "X\n//go:generate touch x" }, want: `flag "new_ui": Go name "X\n//go:generate touch x" is not an exported identifier`},
		"attr go name":    {mutate: func(s *spec.Spec) { s.Context[1].GoName = "region" }, want: `attribute "region": Go name "region" is not an exported identifier`},
		"variant go name": {mutate: func(s *spec.Spec) { s.Flags[6].Variants[0].GoName = "A B" }, want: `variant "classic": Go name "A B" is not an exported identifier`},
		"enum constant":   {mutate: func(s *spec.Spec) { s.Context[2].Enum[0] = "a b+" }, want: `attribute "account_type": enum value 0: Go name "AccountTypeAB+" is not an exported identifier`},
		"enum value type": {mutate: func(s *spec.Spec) { s.Context[2].Enum[1] = int64(2) }, want: `attribute "account_type": enum value 1: value 2 (int64) does not fit type string`},
	} {
		t.Run(name, func(t *testing.T) {
			s := handSpec()
			if tc.mutate != nil {
				tc.mutate(s)
			}
			if tc.opts.Package == "" {
				tc.opts.Package = "demo"
			}
			_, err := Generate(s, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Generate error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestGeneratedNames: the exported names a generated package declares
// besides the per-flag ones (flag accessors and handles, enum types and
// constants, strategy types) and the per-attribute ones (a typed enum
// attribute's type, constants and Parse function) are exactly
// spec.GeneratedNames, which spec.Parse keeps flags, enums, strategies and
// attribute types away from.
func TestGeneratedNames(t *testing.T) {
	s := handSpec()
	f := parse(t, generate(t, s, Options{Package: "demo", Now: jan2025}))
	perFlag := map[string]bool{}
	typed := 0
	for _, a := range s.Context {
		if a.Typed() {
			typed++
			perFlag[a.GoName], perFlag["Parse"+a.GoName] = true, true
			for _, c := range a.EnumConsts() {
				perFlag[c] = true
			}
		}
	}
	if typed == 0 {
		t.Fatal("handSpec has no typed enum attribute: the test no longer covers their names")
	}
	for _, fl := range s.Flags {
		perFlag[fl.GoName] = true
		if fl.Type == spec.Enum {
			perFlag[fl.GoName+"Variant"] = true
			for _, v := range fl.Variants {
				perFlag[v.GoName] = true
			}
		}
		if st := fl.Strategy; st != nil {
			perFlag[st.Name+"Impls"], perFlag[st.Name+"Factory"], perFlag["New"+st.Name+"Factory"] = true, true, true
		}
	}
	got := map[string]bool{}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv != nil {
				if star, ok := d.Recv.List[0].Type.(*ast.StarExpr); !ok || !isIdent(star.X, "Flags") {
					continue // factory methods (Get) live on per-flag types
				}
			}
			if d.Name.IsExported() && !perFlag[d.Name.Name] {
				got[d.Name.Name] = true
			}
		case *ast.GenDecl:
			for _, sp := range d.Specs {
				var ids []*ast.Ident
				switch sp := sp.(type) {
				case *ast.TypeSpec:
					ids = []*ast.Ident{sp.Name}
				case *ast.ValueSpec:
					ids = sp.Names
				}
				for _, id := range ids {
					if id.IsExported() && !perFlag[id.Name] {
						got[id.Name] = true
					}
				}
			}
		}
	}
	want := map[string]bool{}
	for _, n := range spec.GeneratedNames {
		want[n] = true
	}
	for n := range got {
		if !want[n] {
			t.Errorf("generated package declares %s, which spec.GeneratedNames lacks (flags could clash with it)", n)
		}
	}
	for n := range want {
		if !got[n] {
			t.Errorf("spec.GeneratedNames lists %s, which the generated package does not declare", n)
		}
	}
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		"  a\n\n b\tc  ":    "a b c",
		"x */ y":            "x y",
		"*/*/":              "",
		"*\u202e/ z":        "z",
		"/\x00* q":          "q",
		"ok \xff bad utf-8": "ok \uFFFD bad utf-8",
	} {
		if got := clean(in); got != want {
			t.Errorf("clean(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDefaultPackage(t *testing.T) {
	for dir, want := range map[string]string{
		"/a/b/flags":        "flags",
		"/a/Feature-Flags":  "featureflags",
		"./internal/flags2": "flags2",
		"/a/2fa":            "",
		"/a/type":           "",
		"/":                 "",
	} {
		if got := DefaultPackage(dir); got != want {
			t.Errorf("DefaultPackage(%q) = %q, want %q", dir, got, want)
		}
	}
}

// TestDocCommentReformatting: gofmt rewrites some doc comment text (” and
// “ quotes, list markers at line starts); the output must still be a fixed
// point of gofmt.
func TestDocCommentReformatting(t *testing.T) {
	s := handSpec()
	s.Flags[5].Description = "''quoted'' and ``this`` - " + strings.Repeat("word ", 13) + "- a list? 1. maybe [x]: http://example.com"
	checkWellFormed(t, generate(t, s, Options{Package: "demo", Now: jan2025}), "demo")
}

// TestHeader: the first line names the generator version and the spec
// file, stays one line that ast.IsGenerated recognises whatever the file's
// name, and holds nothing that changes between runs.
func TestHeader(t *testing.T) {
	want := "Code generated by flaggen (generator version " + strconv.Itoa(GenVersion) + ") from flags.json. DO NOT EDIT."
	if got := Header("flags.json"); got != want {
		t.Errorf("Header = %q, want %q", got, want)
	}
	for _, name := range []string{"flags.json", "conf/feature-flags_v2.json", "my flags.json", "a\nb.json", "x */ y.json", "\u202etxt.json", ""} {
		h := Header(name)
		if strings.ContainsAny(h, "\n\r") || !strings.Contains(h, "(generator version "+strconv.Itoa(GenVersion)+")") {
			t.Errorf("Header(%q) = %q", name, h)
		}
		src := "// " + h + "\n\npackage p\n"
		f, err := parser.ParseFile(token.NewFileSet(), "x.go", src, parser.ParseComments)
		if err != nil {
			t.Fatalf("Header(%q): %v", name, err)
		}
		if !ast.IsGenerated(f) {
			t.Errorf("ast.IsGenerated is false for Header(%q) = %q", name, h)
		}
	}
	if got := Header("my flags.json"); !strings.Contains(got, `from "my flags.json".`) {
		t.Errorf("a name with a space is not quoted: %q", got)
	}
}

// TestEnumWidth: a typed enum attribute's type is the smallest unsigned
// integer that holds its constants, counted from 1, and its tables hold
// every one of them.
func TestEnumWidth(t *testing.T) {
	for n, want := range map[int]string{1: "uint8", 255: "uint8", 256: "uint16", 65535: "uint16", 65536: "uint32"} {
		if got := enumWidth(n); got != want {
			t.Errorf("enumWidth(%d) = %s, want %s", n, got, want)
		}
	}
	s := handSpec()
	s.Context[2].Enum = nil
	for i := range 300 {
		s.Context[2].Enum = append(s.Context[2].Enum, "v"+strconv.Itoa(i))
	}
	src := string(generate(t, s, Options{Package: "demo", Now: jan2025}))
	for _, want := range []string{"type AccountType uint16\n", "\tAccountTypeV299 AccountType = 300\n", "\tAccountTypeV299: flagimpl.String(\"v299\"),\n"} {
		if !strings.Contains(src, want) {
			t.Errorf("generated code lacks %q", want)
		}
	}
}
