package remove

import (
	"bytes"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"strconv"

	"golang.org/x/tools/go/ast/astutil"
)

// tidy drops the local variables and imports the rewrite left unused and
// gofmts the file.
func tidy(r *fileRewriter, src []byte) ([]byte, error) {
	var fset *token.FileSet
	var f *ast.File
	for {
		fset = token.NewFileSet()
		var err error
		f, err = parser.ParseFile(fset, r.name, src, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		c, ok := unusedLocal(fset, f, src, r.pureDefinition)
		if !ok {
			break
		}
		src, err = applyCuts(src, []cut{c})
		if err != nil {
			return nil, err
		}
	}
	used := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok {
				used[id.Name] = true
			}
		}
		return true
	})
	for _, is := range r.f.Imports {
		pn := r.p.TypesInfo.PkgNameOf(is)
		if pn == nil || pn.Name() == "_" || pn.Name() == "." || used[pn.Name()] {
			continue
		}
		path, _ := strconv.Unquote(is.Path.Value)
		name := ""
		if is.Name != nil {
			name = is.Name.Name
		}
		astutil.DeleteNamedImport(fset, f, name, path)
	}
	var b bytes.Buffer
	if err := format.Node(&b, fset, f); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// unusedLocal finds a statement "x := v" in a function whose variable no
// other identifier of the function names, with v free of side effects (a
// literal, a name, &T{...} of those, context.Background(), or what pureDef
// says of the same definition in the file before the rewrite): only the
// rewrite can have left it so, as the code compiled before. It returns the
// cut that removes the statement's lines.
func unusedLocal(fset *token.FileSet, f *ast.File, src []byte, pureDef func(name, value string) bool) (cut, bool) {
	var found *ast.AssignStmt
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil || found != nil {
			continue
		}
		count := map[string]int{}
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok {
				count[id.Name]++
			}
			return true
		})
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			as, ok := n.(*ast.AssignStmt)
			if found != nil || !ok || as.Tok != token.DEFINE || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
				return found == nil
			}
			tf := fset.File(as.Pos())
			value := string(src[tf.Offset(as.Rhs[0].Pos()):tf.Offset(as.Rhs[0].End())])
			if id, ok := as.Lhs[0].(*ast.Ident); ok && id.Name != "_" && count[id.Name] == 1 && (syntacticallyPure(as.Rhs[0]) || pureDef(id.Name, value)) {
				found = as
			}
			return true
		})
	}
	if found == nil {
		return cut{}, false
	}
	tf := fset.File(found.Pos())
	from, to := tf.Offset(found.Pos()), tf.Offset(found.End())
	for from > 0 && (src[from-1] == ' ' || src[from-1] == '\t') {
		from--
	}
	if to < len(src) && src[to] == '\n' {
		to++
	}
	return cut{from: from, to: to}, true
}

// syntacticallyPure reports whether e is a literal, a name, a selector of
// names, &T{...} or T{...} of those, or context.Background() or TODO().
func syntacticallyPure(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.BasicLit, *ast.Ident:
		return true
	case *ast.SelectorExpr:
		return syntacticallyPure(e.X)
	case *ast.ParenExpr:
		return syntacticallyPure(e.X)
	case *ast.UnaryExpr:
		return e.Op == token.AND && syntacticallyPure(e.X)
	case *ast.CompositeLit:
		for _, x := range e.Elts {
			if kv, ok := x.(*ast.KeyValueExpr); ok {
				x = kv.Value
			}
			if !syntacticallyPure(x) {
				return false
			}
		}
		return true
	case *ast.CallExpr:
		if sel, ok := e.Fun.(*ast.SelectorExpr); ok && len(e.Args) == 0 {
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == "context" && (sel.Sel.Name == "Background" || sel.Sel.Name == "TODO") {
				return true
			}
		}
	}
	return false
}

// pureDefinition reports whether the file, before the rewrite, defines
// name := value with value free of side effects (by type information).
func (r *fileRewriter) pureDefinition(name, value string) bool {
	found := false
	ast.Inspect(r.f, func(n ast.Node) bool {
		as, ok := n.(*ast.AssignStmt)
		if found || !ok || as.Tok != token.DEFINE || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
			return !found
		}
		id, ok := as.Lhs[0].(*ast.Ident)
		if ok && id.Name == name && string(r.src[r.off(as.Rhs[0].Pos()):r.off(as.Rhs[0].End())]) == value && r.pure(as.Rhs[0]) {
			found = true
		}
		return !found
	})
	return found
}
