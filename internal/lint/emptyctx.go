package lint

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/types"
	"strings"

	"golang.org/x/tools/go/packages"

	"github.com/flaggen/flaggen/internal/gen"
	"github.com/flaggen/flaggen/internal/spec"
)

// emptyContexts reports calls that evaluate a bool flag with targeting or
// a rollout below 100% on an empty context: a nil *Context, &Context{} or
// new(Context), or a Context literal whose every field is a constant zero.
// The cascade's step 7 turns such a flag on for everyone who passes steps
// 1–6, which is rarely what the caller meant. The calls are the generated
// accessor (f.NewUI(ctx, nil), or flags.NewUI(f, ctx, nil) in a package
// generated with -accessors=funcs), the same method through an app's
// interface, and a strategy factory's Get. Test files are not checked: a
// test may pin down what the empty context does.
func (a *analysis) emptyContexts() []Diagnostic {
	var ds []Diagnostic
	for _, p := range a.roots {
		for _, f := range p.Syntax {
			file := p.Fset.File(f.Pos()).Name()
			if a.genFiles[file] || isTestFile(file) {
				continue
			}
			ast.Inspect(f, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok || len(call.Args) == 0 {
					return true
				}
				flag, what := a.evaluatedFlag(p, call)
				if flag == nil || !targeted(flag) {
					return true
				}
				arg := call.Args[len(call.Args)-1]
				how := a.emptyContext(p, arg)
				if how == "" {
					return true
				}
				pos := p.Fset.Position(arg.Pos())
				msg := fmt.Sprintf("%s gets %s: flag %q has %s, but an empty context is on for everyone (step 7 of the cascade): pass the caller's Context",
					what, how, flag.Name, strings.Join(targeting(flag), ", "))
				ds = append(ds, Diagnostic{File: relPath(a.opt.Dir, pos.Filename), Line: pos.Line, Message: msg})
				return true
			})
		}
	}
	return ds
}

// evaluatedFlag returns the bool flag the call evaluates with a *Context
// as its last argument, and how to name the call: the accessor of a
// package generated from the spec (a method of its Flags, or a function),
// a method of the same name of an interface taking that package's Context,
// or Get of a strategy factory.
func (a *analysis) evaluatedFlag(p *packages.Package, call *ast.CallExpr) (*spec.Flag, string) {
	var id *ast.Ident
	switch fun := ast.Unparen(call.Fun).(type) {
	case *ast.SelectorExpr:
		id = fun.Sel
	case *ast.Ident:
		id = fun
	default:
		return nil, ""
	}
	fn, ok := p.TypesInfo.Uses[id].(*types.Func)
	if !ok || !a.takesOurContext(fn) {
		return nil, ""
	}
	params := fn.Signature().Params()
	if params.Len() != len(call.Args) || !a.isOurContext(params.At(params.Len()-1).Type()) {
		return nil, ""
	}
	recv := fn.Signature().Recv()
	if recv == nil {
		if g := a.gen[fn.Pkg().Path()]; fn.Pkg() != nil && a.ours[fn.Pkg().Path()] && g.accessors == gen.Funcs {
			for _, f := range a.s.Flags {
				if fn.Name() == g.accessors.AccessorKey(f) {
					return f, fn.Name()
				}
			}
		}
		return nil, ""
	}
	if n := namedOf(recv.Type()); n != nil && n.Obj().Pkg() != nil && a.ours[n.Obj().Pkg().Path()] {
		typ := n.Obj().Name()
		for _, f := range a.s.Flags {
			switch {
			case typ == "Flags" && fn.Name() == f.GoName:
				return f, fn.Name()
			case f.Strategy != nil && typ == f.Strategy.Name+"Factory" && fn.Name() == "Get":
				return f, typ + ".Get"
			}
		}
		return nil, ""
	}
	if types.IsInterface(recv.Type()) {
		for _, f := range a.s.Flags {
			if fn.Name() == f.GoName {
				return f, fn.Name()
			}
		}
	}
	return nil, ""
}

// isOurContext reports whether t is *Context of a package generated from
// the spec.
func (a *analysis) isOurContext(t types.Type) bool {
	p, ok := types.Unalias(t).(*types.Pointer)
	if !ok {
		return false
	}
	n, ok := types.Unalias(p.Elem()).(*types.Named)
	return ok && n.Obj().Name() == "Context" && n.Obj().Pkg() != nil && a.ours[n.Obj().Pkg().Path()]
}

// emptyContext says how arg is the empty context ("a nil Context", "an
// empty Context"), or "" when it is not, or may not be.
func (a *analysis) emptyContext(p *packages.Package, arg ast.Expr) string {
	arg = ast.Unparen(arg)
	if tv, ok := p.TypesInfo.Types[arg]; ok && tv.IsNil() {
		return "a nil Context"
	}
	switch e := arg.(type) {
	case *ast.CallExpr: // new(Context)
		if id, ok := ast.Unparen(e.Fun).(*ast.Ident); ok && len(e.Args) == 1 {
			if b, ok := p.TypesInfo.Uses[id].(*types.Builtin); ok && b.Name() == "new" {
				if p.TypesInfo.Types[e.Args[0]].IsType() {
					return "an empty Context (new)"
				}
			}
		}
	case *ast.UnaryExpr: // &Context{…}
		lit, ok := ast.Unparen(e.X).(*ast.CompositeLit)
		if !ok {
			return ""
		}
		for _, el := range lit.Elts {
			v := el
			if kv, ok := el.(*ast.KeyValueExpr); ok {
				v = kv.Value
			}
			if !isZeroConst(p.TypesInfo.Types[v]) {
				return ""
			}
		}
		if len(lit.Elts) == 0 {
			return "an empty Context"
		}
		return "a Context whose every field is zero (the empty context)"
	}
	return ""
}

// isZeroConst reports whether tv is a constant zero value: 0, "" or false.
func isZeroConst(tv types.TypeAndValue) bool {
	if tv.Value == nil {
		return false
	}
	switch tv.Value.Kind() {
	case constant.Bool:
		return !constant.BoolVal(tv.Value)
	case constant.String:
		return constant.StringVal(tv.Value) == ""
	case constant.Int, constant.Float:
		return constant.Sign(tv.Value) == 0
	}
	return false
}

// targeted reports whether a bool flag's result depends on who asks:
// targeting, or a rollout below 100%. (An allow-list alone does not: every
// user it does not list passes steps 9 and 10 then.)
func targeted(f *spec.Flag) bool { return f.Type == spec.Bool && len(targeting(f)) > 0 }

// targeting names the spec fields by which f depends on the context.
func targeting(f *spec.Flag) []string {
	var fields []string
	if f.Regions != nil {
		fields = append(fields, "regions")
	}
	if f.AccountTypes != nil {
		fields = append(fields, "account_types")
	}
	if f.BetaProgram {
		fields = append(fields, "beta_program")
	}
	if len(f.Rules) > 0 {
		fields = append(fields, "rules")
	}
	if f.PercentageRollout != nil && *f.PercentageRollout < 100 {
		fields = append(fields, "percentage_rollout")
	}
	return fields
}
