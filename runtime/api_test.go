package runtime

import (
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// generatedOnly are identifiers that exist only for generated code: they
// belong in runtime/flagimpl, never in runtime's documented API. (The Value
// constructors String, Int, Float and Bool are runtime's too: Evaluate,
// ExplainName and EvaluateAll take Values.)
var generatedOnly = []string{
	"EnforceVersion", "GenVersion", "MinGenVersion", "MustLoadSpec", "NewFlag", "MissingImpls",
	"StateDynamic", "StateOff", "StateOn",
	"Client.Bool", "Client.String", "Client.Int", "Client.Float",
	"Client.ConstBool", "Client.ConstString", "Client.ConstInt", "Client.ConstFloat",
	"Client.BindBoolStates", "Client.Explain",
}

// generatedUses is what generated code may use of package runtime: the
// types and calls of its public API that a generated Flags wraps, and the
// type of its handles.
var generatedUses = []string{"Client", "Explanation", "Flag", "Handle", "NewClient", "Option"}

// exportedAPI lists the exported identifiers of the package in dir as go
// doc shows them: "Name" for package-level ones, "Type.Name" for methods.
func exportedAPI(t *testing.T, dir string) []string {
	t.Helper()
	fset := token.NewFileSet()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, e := range ents {
		if n := e.Name(); strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go") {
			f, err := parser.ParseFile(fset, filepath.Join(dir, n), nil, parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, f)
		}
	}
	p, err := doc.NewFromFiles(fset, files, "github.com/flaggen/flaggen/runtime")
	if err != nil {
		t.Fatal(err)
	}
	var api []string
	addValues := func(vs []*doc.Value) {
		for _, v := range vs {
			api = append(api, v.Names...)
		}
	}
	addFuncs := func(prefix string, fs []*doc.Func) {
		for _, f := range fs {
			api = append(api, prefix+f.Name)
		}
	}
	addValues(p.Consts)
	addValues(p.Vars)
	addFuncs("", p.Funcs)
	for _, ty := range p.Types {
		api = append(api, ty.Name)
		addValues(ty.Consts)
		addValues(ty.Vars)
		addFuncs("", ty.Funcs)
		addFuncs(ty.Name+".", ty.Methods)
	}
	slices.Sort(api)
	return api
}

// TestNoGeneratedOnlyAPI: `go doc ./runtime` shows nothing that only
// generated code uses (that is runtime/flagimpl's), and the generated
// packages use nothing of runtime beyond its public API.
func TestNoGeneratedOnlyAPI(t *testing.T) {
	api := exportedAPI(t, ".")
	for _, id := range generatedOnly {
		if slices.Contains(api, id) {
			t.Errorf("runtime exports %s, which only generated code uses: move it to runtime/flagimpl", id)
		}
	}
	var gens []string
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Name() == "flags_gen.go" {
			gens = append(gens, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(gens) < 3 {
		t.Fatalf("found %d generated files (%v), want generated/seed, generated/demo and examples/shop at least", len(gens), gens)
	}
	for _, path := range gens {
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok {
				if x, ok := sel.X.(*ast.Ident); ok && x.Name == "runtime" && !slices.Contains(generatedUses, sel.Sel.Name) {
					t.Errorf("%s uses runtime.%s: generated code reaches runtime beyond its public API (%v) only through runtime/flagimpl", path, sel.Sel.Name, generatedUses)
				}
			}
			return true
		})
	}
}
