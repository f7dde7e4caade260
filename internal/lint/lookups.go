package lint

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/types"

	"golang.org/x/tools/go/packages"

	"github.com/flaggen/flaggen/internal/spec"
)

// A nameAPI is a runtime function or method that takes a flag name as a
// string.
type nameAPI struct {
	name  int  // index of the flag-name argument
	owner int  // index of the argument that says which flags (a Pinner or client), or -1
	reads bool // the call evaluates or pins the flag: it counts as a use
}

// nameAPIs are the runtime entry points that look a flag up by name, keyed
// like objKey ("Func" or "Type.Method").
var nameAPIs = map[string]nameAPI{
	"ToggleNameAs":       {name: 2, owner: 1, reads: true},
	"Client.Evaluate":    {name: 1, owner: -1, reads: true},
	"Client.ExplainName": {name: 1, owner: -1, reads: true},
	"Client.Set":         {name: 1, owner: -1},
	"Client.Audit":       {name: 1, owner: -1},
	"Client.Reset":       {name: 1, owner: -1},
}

// lookups reports calls of nameAPIs whose flag-name argument is a constant
// string the spec does not declare. A call whose owner argument is the
// Flags type of another flaggen-generated package is skipped: it looks the
// name up in another spec.
func (a *analysis) lookups() []Diagnostic {
	var ds []Diagnostic
	for _, p := range a.roots {
		for _, f := range p.Syntax {
			file := p.Fset.File(f.Pos()).Name()
			if a.genFiles[file] {
				continue
			}
			ast.Inspect(f, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				api, ok := a.nameAPI(p, call.Fun)
				if !ok || api.name >= len(call.Args) {
					return true
				}
				tv := p.TypesInfo.Types[call.Args[api.name]]
				if tv.Value == nil || tv.Value.Kind() != constant.String {
					return true
				}
				name := constant.StringVal(tv.Value)
				if a.otherSpec(p, call, api) {
					return true
				}
				if a.s.Flag(name) != nil {
					if api.reads {
						a.byName[name] = a.byName[name] || !isTestFile(file)
					}
					return true
				}
				msg := fmt.Sprintf("unknown flag %q", name)
				if near := a.nearest(name); near != "" {
					msg += fmt.Sprintf(" (did you mean %q?)", near)
				}
				pos := p.Fset.Position(call.Pos())
				ds = append(ds, Diagnostic{File: relPath(a.opt.Dir, pos.Filename), Line: pos.Line, Message: msg})
				return true
			})
		}
	}
	return ds
}

// nameAPI resolves the called function to an entry of nameAPIs.
func (a *analysis) nameAPI(p *packages.Package, fun ast.Expr) (nameAPI, bool) {
	for {
		switch e := fun.(type) {
		case *ast.ParenExpr:
			fun = e.X
			continue
		case *ast.IndexExpr: // explicit instantiation f[T](…)
			fun = e.X
			continue
		case *ast.IndexListExpr:
			fun = e.X
			continue
		}
		break
	}
	var id *ast.Ident
	switch e := fun.(type) {
	case *ast.Ident:
		id = e
	case *ast.SelectorExpr:
		id = e.Sel
	default:
		return nameAPI{}, false
	}
	fn, ok := p.TypesInfo.Uses[id].(*types.Func)
	if !ok || fn.Pkg() == nil || fn.Pkg().Path() != runtimePath {
		return nameAPI{}, false
	}
	api, ok := nameAPIs[ObjKey(fn.Origin())]
	return api, ok
}

// otherSpec reports whether the call's owner argument is the Flags of a
// flaggen-generated package not generated from this spec.
//
// A method on a bare *runtime.Client (owner -1) is attributed the same way
// when its receiver is written X.Runtime() with X the Flags of a generated
// package, e.g. f.Runtime().Evaluate(ctx, "name", nil).
func (a *analysis) otherSpec(p *packages.Package, call *ast.CallExpr, api nameAPI) bool {
	var owner ast.Expr
	switch {
	case api.owner >= 0 && api.owner < len(call.Args):
		owner = call.Args[api.owner]
	case api.owner < 0:
		sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
		if !ok {
			return false
		}
		rt, ok := ast.Unparen(sel.X).(*ast.CallExpr)
		if !ok {
			return false
		}
		rsel, ok := ast.Unparen(rt.Fun).(*ast.SelectorExpr)
		if !ok || rsel.Sel.Name != "Runtime" {
			return false
		}
		owner = rsel.X
	default:
		return false
	}
	n := namedOf(p.TypesInfo.TypeOf(owner))
	if n == nil || n.Obj().Pkg() == nil {
		return false
	}
	path := n.Obj().Pkg().Path()
	return a.gen[path] != nil && !a.ours[path]
}

// nearest returns the declared flag name closest to name, or "" when none
// is close enough to be a likely typo.
func (a *analysis) nearest(name string) string {
	names := make([]string, len(a.s.Flags))
	for i, f := range a.s.Flags {
		names[i] = f.Name
	}
	return spec.Suggest(name, names)
}
