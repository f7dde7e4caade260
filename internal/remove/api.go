package remove

import (
	"go/ast"
	"go/types"
	"strconv"

	"github.com/flaggen/flaggen/internal/lint"
)

// handleList drops the flag's handle from a composite literal of handles
// ([]runtime.Handle{flags.NewUI, flags.AdvancedSearch}).
func (r *fileRewriter) handleList(lit *ast.CompositeLit) (string, bool) {
	var cuts []cut
	for i, e := range lit.Elts {
		if !r.isHandle(e) {
			continue
		}
		switch {
		case i+1 < len(lit.Elts):
			cuts = append(cuts, cut{from: r.off(e.Pos()), to: r.off(lit.Elts[i+1].Pos())})
		case i > 0 && !r.isHandle(lit.Elts[i-1]):
			cuts = append(cuts, cut{from: r.off(lit.Elts[i-1].End()), to: r.off(e.End())})
		default:
			cuts = append(cuts, cut{from: r.off(e.Pos()), to: r.off(e.End())})
		}
	}
	if cuts == nil {
		return "", false
	}
	return r.textRange(lit, lit.Pos(), lit.End(), cuts), true
}

// call rewrites the calls of the flag's generated API other than its
// accessor: the handle's Name, the strategy factory's Get and constructor.
func (r *fileRewriter) call(c *ast.CallExpr) (string, bool) {
	sel, isSel := ast.Unparen(c.Fun).(*ast.SelectorExpr)
	if isSel && sel.Sel.Name == "Name" && len(c.Args) == 0 && r.isHandle(sel.X) {
		return strconv.Quote(r.t.flag.Name), true
	}
	if s, ok := r.monitor(c); ok {
		return s, true
	}
	if s, ok := r.feedback(c); ok {
		return s, true
	}
	st := r.t.flag.Strategy
	if st == nil {
		return "", false
	}
	if isSel && sel.Sel.Name == "Get" {
		if fn, ok := r.use(sel).(*types.Func); ok && r.removedObj(fn) && lint.ObjKey(fn) == st.Name+"Factory.Get" {
			for _, a := range c.Args {
				if !r.pure(a) {
					r.errorf(a.Pos(), "this Get has an argument with side effects that removing the flag would drop: move it to a variable first")
				}
			}
			return r.node(sel.X), true
		}
	}
	fn, ok := r.use(c.Fun).(*types.Func)
	if !ok || !r.removedObj(fn) || fn.Name() != "New"+st.Name+"Factory" || len(c.Args) != 2 {
		return "", false
	}
	lit, ok := ast.Unparen(c.Args[1]).(*ast.CompositeLit)
	if !ok {
		r.errorf(c.Pos(), "cannot see which implementations this %s gets: pass a %sImpls literal", fn.Name(), st.Name)
		return "", false
	}
	if !r.pure(c.Args[0]) {
		r.errorf(c.Args[0].Pos(), "the Flags argument of %s has side effects: move it to a variable first", fn.Name())
	}
	keepField := st.Impls[r.t.keepState]
	var kept ast.Expr
	for i, e := range lit.Elts {
		field, val := "", e
		if kv, ok := e.(*ast.KeyValueExpr); ok {
			if id, ok := kv.Key.(*ast.Ident); ok {
				field, val = id.Name, kv.Value
			}
		} else if i < len(st.Order) {
			field = st.Impls[st.Order[i]]
		}
		if field == keepField {
			kept = val
			continue
		}
		if !r.pure(val) {
			r.errorf(val.Pos(), "the implementation %s, which the removal drops, has side effects: move it to a variable first", field)
		}
		r.notef(val.Pos(), "the %s factory no longer uses %s (%s): delete it if nothing else does", st.Name, r.src[r.off(val.Pos()):r.off(val.End())], field)
	}
	if kept == nil {
		r.errorf(lit.Pos(), "this %sImpls literal has no %s implementation", st.Name, keepField)
		return "", false
	}
	r.notef(c.Pos(), "the %s factory is replaced by its %s implementation: its Get calls now use it directly", st.Name, keepField)
	return r.node(kept) + ", error(nil)", true
}

// typeExpr rewrites the flag's generated types: the strategy factory
// (*flags.SearchServiceFactory[T] becomes T) and the variant type of an enum
// flag (its underlying type).
func (r *fileRewriter) typeExpr(e ast.Expr) (string, bool) {
	tv, ok := r.p.TypesInfo.Types[e]
	if !ok || !tv.IsType() {
		return "", false
	}
	if st, ok := e.(*ast.StarExpr); ok {
		e = st.X
	}
	tn, ok := r.use(e).(*types.TypeName)
	if !ok || !r.removedObj(tn) {
		return "", false
	}
	if s := r.t.flag.Strategy; s != nil && tn.Name() == s.Name+"Factory" {
		switch ix := e.(type) {
		case *ast.IndexExpr:
			return r.node(ix.Index), true
		}
		return "", false
	}
	if b, ok := tn.Type().Underlying().(*types.Basic); ok {
		if _, star := tv.Type.(*types.Pointer); !star {
			return b.Name(), true
		}
	}
	return "", false
}

// feedback rewrites the feedback on the flag, which is history worth
// keeping once the flag is gone, to its by-name form:
// FeedbackCollector.Collect(ctx, h, user, text) becomes
// CollectName(ctx, "name", user, text), and Get(ctx, h) GetName(ctx, "name").
func (r *fileRewriter) feedback(c *ast.CallExpr) (string, bool) {
	fn, ok := r.use(c.Fun).(*types.Func)
	if !ok || fn.Pkg() == nil || fn.Pkg().Path() != runtimePath {
		return "", false
	}
	byName, ok := feedbackByName[lint.ObjKey(fn)]
	if !ok {
		return "", false
	}
	sel, ok := ast.Unparen(c.Fun).(*ast.SelectorExpr)
	if !ok || len(c.Args) < 2 || !r.isHandle(c.Args[1]) {
		return "", false
	}
	h, name := c.Args[1], strconv.Quote(r.t.flag.Name)
	r.notef(c.Pos(), "the feedback on %q is kept by name: %s(…, %s, …) became %s(…, %s, …)", r.t.flag.Name, fn.Name(), r.src[r.off(h.Pos()):r.off(h.End())], byName, name)
	return r.textRange(c, c.Pos(), c.End(), []cut{
		{from: r.off(sel.Sel.Pos()), to: r.off(sel.Sel.End()), text: byName},
		{from: r.off(h.Pos()), to: r.off(h.End()), text: name},
	}), true
}

// feedbackByName maps the FeedbackCollector methods that take a handle to
// their by-name forms, which remove rewrites them to and leaves alone.
var feedbackByName = map[string]string{
	"FeedbackCollector.Collect": "CollectName",
	"FeedbackCollector.Get":     "GetName",
}

// monitor rewrites the monitoring of the flag's feature, which has no flag
// to report to once it is gone: Client.Monitor(h, fn) and
// runtime.MonitorValue(c, h, fn) become fn(), and TrafficMonitor.Observe
// reports no trip (false, error(nil)).
func (r *fileRewriter) monitor(c *ast.CallExpr) (string, bool) {
	fn, ok := r.use(c.Fun).(*types.Func)
	if !ok || fn.Pkg() == nil || fn.Pkg().Path() != runtimePath {
		return "", false
	}
	var client, h, feature ast.Expr
	switch lint.ObjKey(fn) {
	case "TrafficMonitor.Observe":
		// There is no flag left to trip: no drop ever does.
		sel, ok := ast.Unparen(c.Fun).(*ast.SelectorExpr)
		if !ok || len(c.Args) != 3 || !r.isHandle(c.Args[1]) {
			return "", false
		}
		for _, a := range append([]ast.Expr{sel.X}, c.Args...) {
			if !r.pure(a) {
				r.errorf(a.Pos(), "this Observe has an argument with side effects that removing the flag would drop: move it to a variable first")
			}
		}
		r.notef(c.Pos(), "the traffic monitor of %q no longer trips anything: delete it", r.t.flag.Name)
		return "false, error(nil)", true
	case "Client.Monitor":
		sel, ok := ast.Unparen(c.Fun).(*ast.SelectorExpr)
		if !ok || len(c.Args) != 2 {
			return "", false
		}
		client, h, feature = sel.X, c.Args[0], c.Args[1]
	case "MonitorValue":
		if len(c.Args) != 3 {
			return "", false
		}
		client, h, feature = c.Args[0], c.Args[1], c.Args[2]
	default:
		return "", false
	}
	if !r.isHandle(h) {
		return "", false
	}
	if !r.pure(client) {
		r.errorf(client.Pos(), "the client of this %s has side effects that removing the flag would drop: move it to a variable first", fn.Name())
	}
	text := r.node(feature)
	switch ast.Unparen(feature).(type) {
	case *ast.FuncLit, *ast.Ident, *ast.SelectorExpr, *ast.ParenExpr:
	default:
		text = "(" + text + ")"
	}
	return text + "()", true
}
