package remove

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"go/ast"
	"go/constant"
	"go/format"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/flaggen/flaggen/internal/gen"
	"github.com/flaggen/flaggen/internal/lint"
	"github.com/flaggen/flaggen/internal/spec"
	"golang.org/x/tools/go/ast/astutil"
)

// Options say what to remove and where.
type Options struct {
	// Spec is the spec file's name.
	Spec string
	// Flag is the name of the flag to remove.
	Flag string
	// Keep is the state the code keeps: "on" or "off" for a bool flag, a
	// variant name for a variant flag.
	Keep string
	// Dir is the directory packages are loaded from and paths are printed
	// relative to; "" is the current directory.
	Dir string
	// Patterns are the go/packages patterns of the code to rewrite; empty
	// means "./...".
	Patterns []string
	// Env is the environment for the go command; nil means os.Environ().
	Env []string
	// Now is the generation time (see gen.Options); zero means time.Now().
	Now time.Time
}

// A File is one file the removal changes.
type File struct {
	Name     string // absolute
	Old, New []byte
}

// A Plan is a removal computed in full, before anything is written.
type Plan struct {
	// Dir is Options.Dir made absolute; Diff prints names relative to it.
	Dir string
	// Files are the changed files, sorted by name: the spec, the
	// regenerated code and the rewritten Go files.
	Files []File
	// Notes report what the rewrite removed or left for a person to
	// finish: dependents' depends_on, releases, tests that pinned the
	// removed state, implementations a factory no longer uses.
	Notes []string
}

// New plans the removal of opt.Flag: it reads the spec, loads the
// packages, rewrites every use of the flag, regenerates the generated
// packages and checks that the result type-checks. It writes nothing. It
// refuses, with every reason, when the flag or state is unknown, when with
// -keep off other flags depend on it, or when a use cannot be rewritten
// without changing what the code does.
func New(opt Options) (*Plan, error) {
	if opt.Dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, err
		}
		opt.Dir = wd
	}
	dir, err := filepath.Abs(opt.Dir)
	if err != nil {
		return nil, err
	}
	opt.Dir = dir
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	specFile := opt.Spec
	if !filepath.IsAbs(specFile) {
		specFile = filepath.Join(dir, specFile)
	}
	src, err := os.ReadFile(specFile)
	if err != nil {
		return nil, err
	}
	s, err := spec.Parse(opt.Spec, src)
	if err != nil {
		return nil, err
	}
	f := s.Flag(opt.Flag)
	if f == nil {
		names := make([]string, len(s.Flags))
		for i, sf := range s.Flags {
			names[i] = sf.Name
		}
		msg := fmt.Sprintf("%s: no flag %q", opt.Spec, opt.Flag)
		if near := spec.Suggest(opt.Flag, names); near != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", near)
		}
		return nil, errors.New(msg)
	}
	t, err := newTarget(s, f, opt.Keep)
	if err != nil {
		return nil, err
	}
	plan := &Plan{Dir: dir}

	newSpec, notes, err := editSpec(s, f)
	if err != nil {
		return nil, err
	}
	plan.Notes = append(plan.Notes, notes...)
	ns, err := spec.Parse(opt.Spec, newSpec)
	if err != nil {
		return nil, fmt.Errorf("the spec without %q is not valid (edit it by hand): %v", f.Name, err)
	}
	plan.Files = append(plan.Files, File{Name: specFile, Old: src, New: newSpec})

	prog, err := lint.Load(s, lint.Options{Dir: dir, Patterns: opt.Patterns, Env: opt.Env})
	if err != nil {
		return nil, err
	}
	if len(prog.Generated) == 0 {
		return nil, fmt.Errorf("no loaded package is generated from %s (run go generate, or name the packages that use it)", opt.Spec)
	}
	if err := t.regenerate(plan, prog, ns, filepath.Base(opt.Spec), opt.Now); err != nil {
		return nil, err
	}

	var errs []string
	seen := map[string]bool{}
	for _, p := range prog.Packages {
		for _, af := range p.Syntax {
			tf := p.Fset.File(af.Pos())
			name := tf.Name()
			if seen[name] || prog.GeneratedFiles[name] {
				continue
			}
			seen[name] = true
			old, err := os.ReadFile(name)
			if err != nil {
				return nil, err
			}
			if len(old) != tf.Size() {
				return nil, fmt.Errorf("%s changed while it was read", name)
			}
			r := &fileRewriter{t: t, p: p, f: af, src: old, base: tf.Base(), name: rel(dir, name)}
			out := r.rewrite()
			errs = append(errs, r.errs...)
			plan.Notes = append(plan.Notes, r.notes...)
			if out == nil || len(r.errs) > 0 {
				continue
			}
			out, err = tidy(r, out)
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s: the rewritten file does not parse (%v): please report this", r.name, err))
				continue
			}
			plan.Files = append(plan.Files, File{Name: name, Old: old, New: out})
		}
	}
	if len(errs) > 0 {
		slices.SortFunc(errs, byPlace)
		return nil, fmt.Errorf("cannot remove flag %q; nothing was written:\n\t%s", f.Name, strings.Join(slices.Compact(errs), "\n\t"))
	}
	slices.SortFunc(plan.Files, func(a, b File) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(plan.Notes, byPlace)
	plan.Notes = slices.Compact(plan.Notes)

	// The rewritten code must type-check with the regenerated packages.
	overlay := map[string][]byte{}
	for _, pf := range plan.Files {
		if strings.HasSuffix(pf.Name, ".go") {
			overlay[pf.Name] = pf.New
		}
	}
	if _, err := lint.Load(ns, lint.Options{Dir: dir, Patterns: opt.Patterns, Env: opt.Env, Overlay: overlay}); err != nil {
		return nil, fmt.Errorf("the code without flag %q would not build, so nothing was written (finish these uses by hand, then run remove again): %v", f.Name, err)
	}
	return plan, nil
}

// newTarget checks the kept state and the dependents.
func newTarget(s *spec.Spec, f *spec.Flag, keep string) (*target, error) {
	t := &target{flag: f, keepState: keep}
	if f.Type == spec.Bool {
		switch keep {
		case "on":
			t.keep, t.keepLit = constant.MakeBool(true), "true"
		case "off":
			t.keep, t.keepLit = constant.MakeBool(false), "false"
		default:
			return nil, fmt.Errorf("-keep %q: flag %q is a bool flag: keep on or off", keep, f.Name)
		}
	} else {
		var names []string
		for _, v := range f.Variants {
			names = append(names, v.Name)
			if v.Name != keep {
				continue
			}
			switch x := v.Value.(type) {
			case string:
				t.keep, t.keepLit = constant.MakeString(x), strconv.Quote(x)
			case int64:
				t.keep, t.keepLit = constant.MakeInt64(x), fmt.Sprintf("int64(%d)", x)
			case float64:
				t.keep, t.keepLit = constant.MakeFloat64(x), "float64("+strconv.FormatFloat(x, 'g', -1, 64)+")"
			default:
				return nil, fmt.Errorf("flag %q: variant %q has a value of type %T", f.Name, keep, x)
			}
		}
		if t.keep == nil {
			return nil, fmt.Errorf("-keep %q: flag %q has no such variant; its variants: %s", keep, f.Name, strings.Join(names, ", "))
		}
	}
	if keep == "on" {
		return t, nil
	}
	var deps []string
	for _, d := range s.Flags {
		if slices.Contains(d.DependsOn, f.Name) {
			deps = append(deps, strconv.Quote(d.Name))
		}
	}
	if len(deps) > 0 {
		return nil, fmt.Errorf("cannot remove flag %q keeping %s: %s depend%s on it and would be off for good; remove %s first, or keep on",
			f.Name, keep, strings.Join(deps, ", "), map[bool]string{true: "s", false: ""}[len(deps) == 1], map[bool]string{true: "it", false: "them"}[len(deps) == 1])
	}
	return t, nil
}

// regenerate generates the packages generated from the spec anew from ns,
// adds their files to the plan and records which of their objects go.
func (t *target) regenerate(plan *Plan, prog *lint.Program, ns *spec.Spec, specBase string, now time.Time) error {
	t.ours, t.removed = prog.Generated, map[string]bool{}
	var names []string
	for name := range prog.GeneratedFiles {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if !slices.Contains(slices.Collect(maps.Values(prog.GeneratedDirs)), filepath.Dir(name)) {
			continue // generated from another spec
		}
		old, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		af, err := parser.ParseFile(token.NewFileSet(), name, old, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		files, err := gen.Generate(ns, gen.Options{Package: af.Name.Name, SpecFile: specBase, Now: now})
		if err != nil {
			return err
		}
		out, ok := files[gen.FileName]
		if !ok || len(files) != 1 {
			return fmt.Errorf("internal error: the generator made %d files", len(files))
		}
		nf, err := parser.ParseFile(token.NewFileSet(), name, out, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		kept := declNames(nf)
		for n := range declNames(af) {
			if !kept[n] {
				t.removed[n] = true
			}
		}
		plan.Files = append(plan.Files, File{Name: name, Old: old, New: out})
	}
	return nil
}

// declNames returns the names of f's top-level declarations: "Name" or
// "Type.Method".
func declNames(f *ast.File) map[string]bool {
	names := map[string]bool{}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			n := d.Name.Name
			if d.Recv != nil && len(d.Recv.List) == 1 {
				typ := d.Recv.List[0].Type
				if s, ok := typ.(*ast.StarExpr); ok {
					typ = s.X
				}
				switch x := typ.(type) {
				case *ast.IndexExpr:
					typ = x.X
				case *ast.IndexListExpr:
					typ = x.X
				}
				if id, ok := typ.(*ast.Ident); ok {
					n = id.Name + "." + n
				}
			}
			names[n] = true
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					names[s.Name.Name] = true
				case *ast.ValueSpec:
					for _, id := range s.Names {
						names[id.Name] = true
					}
				}
			}
		}
	}
	return names
}

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

// rel returns name relative to dir when it lies inside dir.
func rel(dir, name string) string {
	if r, err := filepath.Rel(dir, name); err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return r
	}
	return name
}

// byPlace orders "file:line: message" texts by file, then line, then text.
func byPlace(a, b string) int {
	split := func(s string) (string, int) {
		file, rest, _ := strings.Cut(s, ":")
		n, _ := strconv.Atoi(strings.SplitN(rest, ":", 2)[0])
		return file, n
	}
	fa, la := split(a)
	fb, lb := split(b)
	return cmp.Or(strings.Compare(fa, fb), cmp.Compare(la, lb), strings.Compare(a, b))
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
