package remove

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/tools/go/packages"

	"github.com/flaggen/flaggen/internal/gen"
	"github.com/flaggen/flaggen/internal/lint"
	"github.com/flaggen/flaggen/internal/spec"
)

// runtimePath is the import path of the flaggen runtime.
const runtimePath = "github.com/flaggen/flaggen/runtime"

// emptyElse stands for an else branch left empty; render drops
// " else {emptyElse}" once a file is rendered.
const emptyElse = "\x00"

// A target is the flag being removed as the rewriter sees it.
type target struct {
	// spec is the spec the flag is removed from.
	spec *spec.Spec
	flag *spec.Flag
	// keep is the flag's kept value; keepLit its Go text, of the accessor's
	// type.
	keep    constant.Value
	keepLit string
	// keepState is the kept state: "on", "off" or a variant name.
	keepState string
	// ours are the import paths of the packages generated from the spec;
	// removed holds the names of their top-level objects ("Name", or
	// "Type.Method") that regeneration drops.
	ours    map[string]bool
	removed map[string]bool
	// accessors is the accessor style of each package of ours.
	accessors map[string]gen.Accessors
}

// A fileRewriter rewrites one Go file.
type fileRewriter struct {
	t    *target
	p    *packages.Package
	f    *ast.File
	src  []byte
	base int // offset of the file in the file set
	name string
	// elseOf marks the if statements that are another's else branch;
	// labeled marks the statements a label names.
	elseOf  map[ast.Stmt]bool
	labeled map[ast.Stmt]bool
	// followed marks the statements of a list that others follow.
	followed map[ast.Stmt]bool
	// uses are the positions of the identifiers that name a removed object.
	uses []token.Pos
	// passedTo names the function each use of the handle is an argument
	// of, by the position of the handle's identifier.
	passedTo map[token.Pos]string
	errs     []string
	notes    []string
}

// pos formats p as file:line.
func (r *fileRewriter) pos(p token.Pos) string {
	return fmt.Sprintf("%s:%d", r.name, r.p.Fset.Position(p).Line)
}

func (r *fileRewriter) errorf(p token.Pos, format string, args ...any) {
	r.errs = append(r.errs, r.pos(p)+": "+fmt.Sprintf(format, args...))
}

func (r *fileRewriter) notef(p token.Pos, format string, args ...any) {
	r.notes = append(r.notes, r.pos(p)+": "+fmt.Sprintf(format, args...))
}

// removedObj reports whether obj is an object of a generated package that
// regeneration drops.
func (r *fileRewriter) removedObj(obj types.Object) bool {
	if obj == nil || obj.Pkg() == nil || !r.t.ours[obj.Pkg().Path()] {
		return false
	}
	return r.t.removed[lint.ObjKey(obj)]
}

// use returns the object the identifier or qualified identifier e names.
func (r *fileRewriter) use(e ast.Expr) types.Object {
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		return r.p.TypesInfo.Uses[e]
	case *ast.SelectorExpr:
		return r.p.TypesInfo.Uses[e.Sel]
	case *ast.IndexExpr:
		return r.use(e.X)
	case *ast.IndexListExpr:
		return r.use(e.X)
	}
	return nil
}

// rewrite returns the file's new text, or nil when nothing changes.
func (r *fileRewriter) rewrite() []byte {
	r.elseOf, r.labeled, r.followed = map[ast.Stmt]bool{}, map[ast.Stmt]bool{}, map[ast.Stmt]bool{}
	follow := func(list []ast.Stmt) {
		for i := 0; i+1 < len(list); i++ {
			r.followed[list[i]] = true
		}
	}
	ast.Inspect(r.f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.BlockStmt:
			follow(n.List)
		case *ast.CaseClause:
			follow(n.Body)
		case *ast.CommClause:
			follow(n.Body)
		case *ast.IfStmt:
			if n.Else != nil {
				r.elseOf[n.Else] = true
			}
		case *ast.LabeledStmt:
			r.labeled[n.Stmt] = true
		case *ast.Ident:
			if r.removedObj(r.p.TypesInfo.Uses[n]) {
				r.uses = append(r.uses, n.Pos())
			}
		case *ast.CallExpr:
			r.byName(n)
			for _, a := range n.Args {
				if r.isHandle(a) {
					if fn, ok := r.use(n.Fun).(*types.Func); ok {
						if r.passedTo == nil {
							r.passedTo = map[token.Pos]string{}
						}
						id := a
						if sel, ok := ast.Unparen(a).(*ast.SelectorExpr); ok {
							id = sel.Sel
						}
						r.passedTo[id.Pos()] = lint.ObjKey(fn)
					}
				}
			}
		}
		return true
	})
	if len(r.uses) == 0 || len(r.errs) > 0 {
		return nil
	}
	tf := r.p.Fset.File(r.f.Pos())
	out := r.textRange(r.f, token.Pos(tf.Base()), token.Pos(tf.Base()+tf.Size()), nil)
	out = strings.ReplaceAll(out, " else {"+emptyElse+"}", "")
	out = strings.ReplaceAll(out, emptyElse, "")
	return []byte(out)
}

// byName notes a call of a runtime API that takes the flag's name as a
// constant: runtime.ToggleNameAs is rewritten (see toggle), the
// FeedbackCollector's CollectName and GetName left alone (the feedback
// outlives the flag), the others refused.
func (r *fileRewriter) byName(c *ast.CallExpr) {
	fn, ok := r.use(c.Fun).(*types.Func)
	if !ok || fn.Pkg() == nil || fn.Pkg().Path() != runtimePath {
		return
	}
	if k := lint.ObjKey(fn); k == "FeedbackCollector.CollectName" || k == "FeedbackCollector.GetName" {
		return // the feedback on the flag, kept by name (see feedback)
	}
	for _, a := range c.Args {
		tv := r.p.TypesInfo.Types[a]
		if tv.Value == nil || tv.Value.Kind() != constant.String || constant.StringVal(tv.Value) != r.t.flag.Name {
			continue
		}
		if fn.Name() == "ToggleNameAs" {
			r.uses = append(r.uses, c.Pos())
		} else {
			r.errorf(c.Pos(), "%s looks flag %q up by name: change it by hand first", lint.ObjKey(fn), r.t.flag.Name)
		}
	}
}

// touches reports whether n contains a use of a removed object.
func (r *fileRewriter) touches(n ast.Node) bool {
	for _, p := range r.uses {
		if n.Pos() <= p && p < n.End() {
			return true
		}
	}
	return false
}

// node returns n's new text.
func (r *fileRewriter) node(n ast.Node) string {
	if s, ok := r.replace(n); ok {
		return s
	}
	return r.textRange(n, n.Pos(), n.End(), nil)
}

// textRange returns the source from lo to hi, which lies within root, with
// the replacements of root's descendants in it and the extra cuts (byte
// offsets in the file) applied.
func (r *fileRewriter) textRange(root ast.Node, lo, hi token.Pos, extra []cut) string {
	cuts := slices.Clone(extra)
	ast.Inspect(root, func(m ast.Node) bool {
		if m == nil || m == root {
			return true
		}
		if m.End() <= lo || m.Pos() >= hi {
			return false
		}
		if m.Pos() < lo || m.End() > hi {
			return true
		}
		for _, c := range extra {
			if r.off(m.Pos()) < c.to && r.off(m.End()) > c.from {
				return false // cut anyway
			}
		}
		if !r.touches(m) {
			return false
		}
		if s, ok := r.replace(m); ok {
			c := cut{from: r.off(m.Pos()), to: r.off(m.End()), text: s}
			if _, stmt := m.(ast.Stmt); stmt && s == "" {
				c = r.wholeLines(c, r.off(lo), r.off(hi))
			}
			cuts = append(cuts, c)
			return false
		}
		if id, ok := m.(*ast.Ident); ok && r.removedObj(r.p.TypesInfo.Uses[id]) {
			r.errorf(id.Pos(), "cannot rewrite this use of %s (%s): change it by hand first", id.Name, r.describe(id))
		}
		return true
	})
	l := r.off(lo)
	for i := range cuts {
		cuts[i].from -= l
		cuts[i].to -= l
	}
	out, err := applyCuts(r.src[l:r.off(hi)], cuts)
	if err != nil {
		r.errorf(lo, "%v", err)
		return string(r.src[l:r.off(hi)])
	}
	return string(out)
}

// wholeLines widens a cut that removes text to the whole lines it
// occupies when nothing but blanks shares them, within [lo, hi).
func (r *fileRewriter) wholeLines(c cut, lo, hi int) cut {
	from, to := c.from, c.to
	for from > lo && (r.src[from-1] == ' ' || r.src[from-1] == '\t') {
		from--
	}
	for to < hi && (r.src[to] == ' ' || r.src[to] == '\t' || r.src[to] == '\r') {
		to++
	}
	if (from == lo || r.src[from-1] == '\n') && to < hi && r.src[to] == '\n' {
		return cut{from: from, to: to + 1, text: c.text}
	}
	return c
}

// describe says what the use at id is, for refusals.
func (r *fileRewriter) describe(id *ast.Ident) string {
	switch obj := r.p.TypesInfo.Uses[id].(type) {
	case *types.Var:
		if fn := r.passedTo[id.Pos()]; fn != "" {
			return fmt.Sprintf("the handle of flag %q passed to %s", r.t.flag.Name, fn)
		}
		return fmt.Sprintf("the handle of flag %q, used other than in runtime.ToggleAs, .Name(), a comparison or a list of handles", r.t.flag.Name)
	case *types.Func:
		if obj.Signature().Recv() != nil {
			return "a method of the flag's generated code used other than as a call with side-effect-free arguments"
		}
		return "a function of the flag's generated code"
	case *types.TypeName:
		return "a type of the flag's generated code"
	}
	return "generated for the flag"
}

func (r *fileRewriter) off(p token.Pos) int { return int(p) - r.base }

// pure reports whether evaluating e has no side effects, so that the
// rewrite may drop it.
func (r *fileRewriter) pure(e ast.Expr) bool {
	switch e := e.(type) {
	case nil, *ast.Ident, *ast.BasicLit, *ast.FuncLit:
		return true
	case *ast.ParenExpr:
		return r.pure(e.X)
	case *ast.SelectorExpr:
		return r.pure(e.X)
	case *ast.StarExpr:
		return r.pure(e.X)
	case *ast.UnaryExpr:
		return e.Op != token.ARROW && r.pure(e.X)
	case *ast.BinaryExpr:
		return r.pure(e.X) && r.pure(e.Y)
	case *ast.KeyValueExpr:
		return r.pure(e.Key) && r.pure(e.Value)
	case *ast.IndexExpr:
		return r.pure(e.X) && r.pure(e.Index)
	case *ast.CompositeLit:
		return !slices.ContainsFunc(e.Elts, func(x ast.Expr) bool { return !r.pure(x) })
	case *ast.CallExpr:
		if !slices.ContainsFunc(e.Args, func(x ast.Expr) bool { return !r.pure(x) }) && r.pureCall(e) {
			return true
		}
	}
	return false
}

// pureCall reports whether the function e calls has no side effects: a
// conversion, len or cap, context.Background or TODO, or a method of a
// generated Flags (an accessor, Runtime), or an accessor function (a
// package generated with -accessors=funcs).
func (r *fileRewriter) pureCall(e *ast.CallExpr) bool {
	if tv, ok := r.p.TypesInfo.Types[e.Fun]; ok && tv.IsType() {
		return true
	}
	switch obj := r.use(e.Fun).(type) {
	case *types.Builtin:
		return obj.Name() == "len" || obj.Name() == "cap"
	case *types.Func:
		if obj.Pkg() == nil {
			return false
		}
		if obj.Pkg().Path() == "context" && (obj.Name() == "Background" || obj.Name() == "TODO") {
			return true
		}
		if sel, ok := ast.Unparen(e.Fun).(*ast.SelectorExpr); ok && r.t.ours[obj.Pkg().Path()] && strings.HasPrefix(lint.ObjKey(obj), "Flags.") {
			return r.pure(sel.X)
		}
		if r.isFuncAccessor(obj) {
			return true
		}
	}
	return false
}

// isAccessor reports whether call evaluates the flag through its accessor:
// its Flags method, or its function in a package generated with
// -accessors=funcs.
func (r *fileRewriter) isAccessor(call *ast.CallExpr) bool {
	fn, ok := r.use(call.Fun).(*types.Func)
	return ok && r.removedObj(fn) && lint.ObjKey(fn) == r.style(fn).AccessorKey(r.t.flag)
}

// isFuncAccessor reports whether obj is the accessor function of a flag in
// a package generated from the spec with -accessors=funcs.
func (r *fileRewriter) isFuncAccessor(obj types.Object) bool {
	if obj == nil || obj.Pkg() == nil || !r.t.ours[obj.Pkg().Path()] || r.style(obj) != gen.Funcs {
		return false
	}
	return slices.ContainsFunc(r.t.spec.Flags, func(f *spec.Flag) bool { return gen.Funcs.AccessorKey(f) == lint.ObjKey(obj) })
}

// style is the accessor style of the generated package obj belongs to.
func (r *fileRewriter) style(obj types.Object) gen.Accessors {
	if a := r.t.accessors[obj.Pkg().Path()]; a != "" {
		return a
	}
	return gen.Methods
}

// isHandle reports whether e is the flag's handle, possibly converted
// (runtime.Handle(flags.NewUI)).
func (r *fileRewriter) isHandle(e ast.Expr) bool {
	e = ast.Unparen(e)
	if c, ok := e.(*ast.CallExpr); ok && len(c.Args) == 1 {
		if tv, ok := r.p.TypesInfo.Types[c.Fun]; ok && tv.IsType() {
			return r.isHandle(c.Args[0])
		}
	}
	v, ok := r.use(e).(*types.Var)
	return ok && r.removedObj(v) && v.Name() == r.style(v).HandleName(r.t.flag)
}

// boolVal is val for booleans.
func (r *fileRewriter) boolVal(e ast.Expr) (b, ok bool) {
	v, ok := r.val(e)
	if !ok || v.Kind() != constant.Bool {
		return false, false
	}
	return constant.BoolVal(v), true
}

// val returns the constant e has once the flag is replaced by its kept
// value, if it has one.
func (r *fileRewriter) val(e ast.Expr) (constant.Value, bool) {
	switch x := e.(type) {
	case *ast.ParenExpr:
		return r.val(x.X)
	case *ast.CallExpr:
		if r.isAccessor(x) {
			return r.t.keep, true
		}
	case *ast.UnaryExpr:
		if b, ok := r.boolVal(x.X); ok && x.Op == token.NOT {
			return constant.MakeBool(!b), true
		}
	case *ast.BinaryExpr:
		switch x.Op {
		case token.LAND, token.LOR:
			decides := x.Op == token.LOR // the operand value that decides alone
			l, lok := r.boolVal(x.X)
			rv, rok := r.boolVal(x.Y)
			switch {
			case lok && l == decides:
				return constant.MakeBool(decides), true
			case lok && rok:
				return constant.MakeBool(rv), true
			case rok && rv == decides && r.pure(x.X):
				return constant.MakeBool(decides), true
			}
			return nil, false
		case token.EQL, token.NEQ, token.LSS, token.LEQ, token.GTR, token.GEQ:
			if (r.isHandle(x.X) && r.pure(x.Y) || r.isHandle(x.Y) && r.pure(x.X)) && (x.Op == token.EQL || x.Op == token.NEQ) {
				return constant.MakeBool(x.Op == token.NEQ), true
			}
			l, lok := r.val(x.X)
			rv, rok := r.val(x.Y)
			if lok && rok && comparable(l, rv) {
				return constant.MakeBool(constant.Compare(l, x.Op, rv)), true
			}
			return nil, false
		}
	}
	if tv, ok := r.p.TypesInfo.Types[e]; ok && tv.Value != nil {
		return tv.Value, true
	}
	return nil, false
}

// comparable reports whether constant.Compare accepts a and b.
func comparable(a, b constant.Value) bool {
	num := func(k constant.Kind) bool { return k == constant.Int || k == constant.Float }
	return a.Kind() == b.Kind() && a.Kind() != constant.Unknown && a.Kind() != constant.Complex || num(a.Kind()) && num(b.Kind())
}

// literal is the Go text of constant v that e folds to.
func (r *fileRewriter) literal(e ast.Expr, v constant.Value) string {
	if c, ok := ast.Unparen(e).(*ast.CallExpr); ok && r.isAccessor(c) {
		return r.t.keepLit
	}
	if v.Kind() == constant.Bool {
		return strconv.FormatBool(constant.BoolVal(v))
	}
	return v.ExactString()
}

// replace returns the new text of n when the rewrite changes n itself
// (rather than some of its parts).
func (r *fileRewriter) replace(n ast.Node) (string, bool) {
	if e, ok := n.(ast.Expr); ok && r.touches(e) {
		if tv, ok := r.p.TypesInfo.Types[e]; !ok || !tv.IsType() {
			if v, ok := r.val(e); ok {
				r.checkPure(e)
				return r.literal(e, v), true
			}
		}
	}
	switch n := n.(type) {
	case *ast.BinaryExpr:
		if n.Op == token.LAND || n.Op == token.LOR {
			neutral := n.Op == token.LAND
			if l, ok := r.boolVal(n.X); ok && l == neutral {
				r.checkPure(n.X)
				return r.node(n.Y), true
			}
			if rv, ok := r.boolVal(n.Y); ok && rv == neutral {
				r.checkPure(n.Y)
				return r.node(n.X), true
			}
		}
	case *ast.IfStmt:
		return r.ifStmt(n)
	case *ast.SwitchStmt:
		return r.switchStmt(n)
	case *ast.ExprStmt:
		if r.toggle(n) {
			return "", true
		}
		if _, ok := r.val(n.X); ok { // a flag evaluated for nothing
			r.checkPure(n.X)
			return "", true
		}
	case *ast.CompositeLit:
		return r.handleList(n)
	case *ast.CallExpr:
		return r.call(n)
	case *ast.StarExpr, *ast.IndexExpr, *ast.IndexListExpr, *ast.SelectorExpr, *ast.Ident:
		return r.typeExpr(n.(ast.Expr))
	}
	return "", false
}

// checkPure refuses the rewrite when dropping e (the flag's accessor calls
// in it, or e itself) would drop a side effect.
func (r *fileRewriter) checkPure(e ast.Expr) {
	ast.Inspect(e, func(n ast.Node) bool {
		c, ok := n.(*ast.CallExpr)
		if !ok || !r.isAccessor(c) {
			return true
		}
		sel, _ := ast.Unparen(c.Fun).(*ast.SelectorExpr)
		args := slices.Clone(c.Args)
		if sel != nil {
			args = append(args, sel.X)
		}
		for _, a := range args {
			if !r.pure(a) {
				r.errorf(a.Pos(), "the call of %s has an argument with side effects (%s) that removing the flag would drop: move it to a variable first", r.t.flag.GoName, r.src[r.off(a.Pos()):r.off(a.End())])
			}
		}
		return false
	})
}
