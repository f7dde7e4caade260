package remove

import (
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"slices"
	"strings"

	"github.com/flaggen/flaggen/internal/lint"
)

// ifStmt keeps the live branch of an if whose condition the flag decides.
func (r *fileRewriter) ifStmt(s *ast.IfStmt) (string, bool) {
	if !r.touches(s.Cond) {
		return "", false
	}
	b, ok := r.boolVal(s.Cond)
	if !ok {
		return "", false
	}
	r.checkPure(s.Cond)
	var kept ast.Stmt
	if b {
		kept = s.Body
	} else if s.Else != nil {
		kept = s.Else
	}
	init := r.initText(s.Init, kept)
	if r.elseOf[s] { // must stay a block or an if
		switch {
		case kept == nil && init == "":
			return "{" + emptyElse + "}", true
		case kept == nil:
			return "{\n" + init + "\n}", true
		case init == "":
			return r.node(kept), true
		}
		return "{\n" + init + "\n" + strings.TrimSpace(r.node(kept)) + "\n}", true
	}
	var body string
	block := init != "" || r.labeled[s]
	switch k := kept.(type) {
	case nil:
	case *ast.BlockStmt:
		body = r.textRange(k, k.Lbrace+1, k.Rbrace, nil)
		block = block || r.declares(k)
		if n := len(k.List); n > 0 && r.followed[s] && terminates(k.List[n-1]) {
			r.notef(s.Pos(), "this if always takes its branch, which ends the block: the statements after it are now unreachable; delete them")
		}
	default:
		body = r.node(k)
	}
	body = strings.TrimSpace(body)
	if init != "" {
		body = init + "\n" + body
	}
	if block {
		return "{\n" + body + "\n}", true
	}
	return strings.TrimSpace(body), true
}

// initText is the text of an if or switch statement's init kept with the
// live branch: nothing when it only declares variables that branch does
// not use with side-effect-free values; "_ = value" when the values have
// side effects but the branch does not use the variables.
func (r *fileRewriter) initText(init ast.Stmt, kept ast.Node) string {
	if init == nil {
		return ""
	}
	as, ok := init.(*ast.AssignStmt)
	if !ok || as.Tok != token.DEFINE {
		return r.node(init)
	}
	if kept != nil {
		for _, l := range as.Lhs {
			if obj := r.p.TypesInfo.Defs[l.(*ast.Ident)]; obj != nil && r.usedIn(obj, kept) {
				return r.node(init)
			}
		}
	}
	pure := true
	var rhs []string
	for _, e := range as.Rhs {
		pure = pure && r.pure(e)
		rhs = append(rhs, r.node(e))
	}
	if pure {
		return ""
	}
	return strings.Repeat("_, ", len(as.Lhs)-1) + "_ = " + strings.Join(rhs, ", ")
}

// usedIn reports whether obj is used in n.
func (r *fileRewriter) usedIn(obj types.Object, n ast.Node) bool {
	found := false
	ast.Inspect(n, func(m ast.Node) bool {
		if id, ok := m.(*ast.Ident); ok && r.p.TypesInfo.Uses[id] == obj {
			found = true
		}
		return !found
	})
	return found
}

// declares reports whether inlining the statements of the block (or case
// clause) scope n into the enclosing one could clash: n declares a name
// that the enclosing scopes also declare, or a label.
func (r *fileRewriter) declares(n ast.Node) bool {
	sc := r.p.TypesInfo.Scopes[n]
	if sc == nil {
		return true
	}
	for _, name := range sc.Names() {
		if obj, _ := sc.Parent().LookupParent(name, token.NoPos); obj != nil && obj.Parent() != types.Universe {
			return true
		}
	}
	labeled := false
	ast.Inspect(n, func(m ast.Node) bool {
		if _, ok := m.(*ast.LabeledStmt); ok {
			labeled = true
		}
		_, lit := m.(*ast.FuncLit)
		return !labeled && !lit
	})
	return labeled
}

// switchStmt keeps the live clause of a switch the flag decides, or drops
// the clauses it makes dead.
func (r *fileRewriter) switchStmt(s *ast.SwitchStmt) (string, bool) {
	if s.Tag != nil {
		if !r.touches(s.Tag) {
			return "", false
		}
		tag, ok := r.val(s.Tag)
		if !ok {
			return "", false
		}
		var chosen, def *ast.CaseClause
	clauses:
		for _, st := range s.Body.List {
			cc := st.(*ast.CaseClause)
			if cc.List == nil {
				def = cc
				continue
			}
			for _, e := range cc.List {
				v, ok := r.val(e)
				if !ok || !comparable(tag, v) {
					return "", false // undecidable: only the tag changes
				}
				if constant.Compare(tag, token.EQL, v) {
					chosen = cc
					break clauses
				}
			}
		}
		if chosen == nil {
			chosen = def
		}
		r.checkPure(s.Tag)
		return r.keepClause(s, chosen), true
	}
	if !r.touches(s.Body) {
		return "", false
	}
	// A switch without tag: a clause all of whose cases are false is dead;
	// the first clause whose first non-false case is true, with only dead
	// clauses before it, is taken.
	var dead []cut
	for _, st := range s.Body.List {
		cc := st.(*ast.CaseClause)
		if cc.List == nil {
			continue
		}
		state := "dead"
		for _, e := range cc.List {
			b, ok := r.boolVal(e)
			if !ok {
				state = "unknown"
				break
			}
			if b {
				state = "taken"
				break
			}
		}
		switch state {
		case "taken":
			if r.touches(cc) || len(dead) > 0 {
				for _, e := range cc.List {
					r.checkPure(e)
				}
				return r.keepClause(s, cc), true
			}
			return "", false
		case "dead":
			if !r.touches(cc) {
				return "", false
			}
			for _, e := range cc.List {
				r.checkPure(e)
			}
			dead = append(dead, r.wholeLines(cut{from: r.off(cc.Pos()), to: r.off(cc.End())}, r.off(s.Body.Lbrace+1), r.off(s.Body.Rbrace)))
			continue
		}
		break
	}
	if len(dead) == 0 {
		return "", false
	}
	return r.textRange(s, s.Pos(), s.End(), dead), true
}

// keepClause returns the statements of clause cc of switch s (none when
// cc is nil) as they replace s: in a block when they declare names or s
// has an init or a label, and still under a switch when they break out of
// it.
func (r *fileRewriter) keepClause(s *ast.SwitchStmt, cc *ast.CaseClause) string {
	var body string
	var kept ast.Node
	if cc != nil {
		body = strings.TrimSpace(r.textRange(cc, cc.Colon+1, cc.End(), nil))
		kept = cc
		for _, st := range cc.Body {
			if b, ok := st.(*ast.BranchStmt); ok && b.Tok == token.FALLTHROUGH {
				r.errorf(b.Pos(), "the kept case of this switch falls through: rewrite it by hand first")
			}
		}
	}
	init := r.initText(s.Init, kept)
	if cc != nil && breaksOut(cc) {
		if init != "" {
			init += ";"
		}
		return "switch " + init + " {\ndefault:\n" + body + "\n}"
	}
	if init != "" {
		body = init + "\n" + body
	}
	if init != "" || r.labeled[s] || cc != nil && r.declares(cc) {
		return "{\n" + body + "\n}"
	}
	return strings.TrimSpace(body)
}

// breaksOut reports whether cc has an unlabeled break of its own switch.
func breaksOut(cc *ast.CaseClause) bool {
	found := false
	walk := func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.BranchStmt:
			if n.Tok == token.BREAK && n.Label == nil {
				found = true
			}
		case *ast.ForStmt, *ast.RangeStmt, *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt, *ast.FuncLit:
			return false
		}
		return !found
	}
	for _, st := range cc.Body {
		ast.Inspect(st, walk)
	}
	return found
}

// toggle reports whether s pins the flag in a test (runtime.ToggleAs with
// its handle, runtime.ToggleNameAs with its name): the line goes, and a
// pin to a state other than the kept one is reported.
func (r *fileRewriter) toggle(s *ast.ExprStmt) bool {
	call, ok := s.X.(*ast.CallExpr)
	if !ok {
		return false
	}
	fn, ok := r.use(call.Fun).(*types.Func)
	if !ok || fn.Pkg() == nil || fn.Pkg().Path() != runtimePath {
		return false
	}
	switch lint.ObjKey(fn) {
	case "Client.ReportError", "Client.ReportPerformance":
		// A report about the flag: nothing to report once it is gone.
		if len(call.Args) > 0 && r.isHandle(call.Args[0]) && !slices.ContainsFunc(call.Args, func(a ast.Expr) bool { return !r.pure(a) }) {
			if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok && r.pure(sel.X) {
				return true
			}
		}
		return false
	case "ToggleAs":
		if len(call.Args) != 4 || !r.isHandle(call.Args[2]) {
			return false
		}
	case "ToggleNameAs":
		if len(call.Args) != 4 {
			return false
		}
		tv := r.p.TypesInfo.Types[call.Args[2]]
		if tv.Value == nil || tv.Value.Kind() != constant.String || constant.StringVal(tv.Value) != r.t.flag.Name {
			return false
		}
	default:
		return false
	}
	for _, a := range call.Args {
		if !r.pure(a) {
			r.errorf(a.Pos(), "this pin of %q has an argument with side effects: rewrite it by hand first", r.t.flag.Name)
		}
	}
	v := r.p.TypesInfo.Types[call.Args[3]].Value
	test := r.enclosingFunc(s.Pos())
	switch {
	case v == nil:
		r.notef(s.Pos(), "%s pinned %q to a value known only at run time: check what it covers", test, r.t.flag.Name)
	case !comparable(v, r.t.keep) || !constant.Compare(v, token.EQL, r.t.keep):
		r.notef(s.Pos(), "%s pinned %q to %s, which the removal makes impossible: it covered the dead branch; delete or rework it", test, r.t.flag.Name, v.ExactString())
	}
	return true
}

// enclosingFunc names the function declared around p.
func (r *fileRewriter) enclosingFunc(p token.Pos) string {
	for _, d := range r.f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Pos() <= p && p < fd.End() {
			return fd.Name.Name
		}
	}
	return "the code"
}

// terminates reports whether s always leaves the statement list: a return,
// goto, break, continue or panic.
func terminates(s ast.Stmt) bool {
	switch s := s.(type) {
	case *ast.ReturnStmt, *ast.BranchStmt:
		return true
	case *ast.ExprStmt:
		if c, ok := s.X.(*ast.CallExpr); ok {
			if id, ok := c.Fun.(*ast.Ident); ok && id.Name == "panic" {
				return true
			}
		}
	}
	return false
}
