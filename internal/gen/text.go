package gen

import (
	"bytes"
	"errors"
	"go/doc/comment"
	"strconv"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/flaggen/flaggen/internal/spec"
)

// The declarations every flag has (its handle, its accessor and, for a bool
// flag, its slow path) are written here as text that is already what gofmt
// prints, instead of through jennifer and go/format: formatting them took
// most of the time of a big spec (hundreds of microseconds a flag). So is
// the embedded spec, which go/format would copy through go/printer for
// nothing. Each takes the place of a marker declaration in the formatted
// jennifer file (see splice). The tests hold the output to gofmt
// (TestGolden, FuzzGenerate, TestBigSpecWellFormed).

// Marker declarations, each on a line of its own in the formatted file.
// Their names are unexported, so no flag's Go name can be one; spec text in
// comments is on lines that start with "//", and the embedded spec is
// spliced in only after its marker has been found.
const (
	sourceMarker    = "const flagSpecJSON = 0\n"
	handlesMarker   = "var flaggenHandles = 0\n"
	accessorsMarker = "var flaggenAccessors = 0\n"
	// accessorsAtomic is accessorsMarker when a bool accessor needs
	// sync/atomic: the marker makes jennifer import it.
	accessorsAtomic = "var flaggenAccessors = atomic.LoadUint32\n"
)

// sourceMarkerDecl, handlesMarkerDecl and accessorsMarkerDecl are the
// marker declarations.
func sourceMarkerDecl() jen.Code { return jen.Const().Id("flagSpecJSON").Op("=").Lit(0) }

func handlesMarkerDecl() jen.Code { return jen.Var().Id("flaggenHandles").Op("=").Lit(0) }

func (g *generator) accessorsMarkerDecl() jen.Code {
	for _, fl := range g.s.Flags {
		if ftype(fl) == spec.Bool {
			return jen.Var().Id("flaggenAccessors").Op("=").Qual("sync/atomic", "LoadUint32")
		}
	}
	return jen.Var().Id("flaggenAccessors").Op("=").Lit(0)
}

var errMarker = errors.New("gen: internal error: a marker declaration is missing from the formatted file")

// splice replaces the marker declarations in src, a formatted file, with
// the text of the declarations they stand for.
func (g *generator) splice(src []byte) ([]byte, error) {
	var out bytes.Buffer
	out.Grow(len(src) + len(g.s.Source) + len(g.s.Flags)*1000)
	rest := src
	for k, m := range []struct {
		markers []string
		write   func(*bytes.Buffer)
	}{
		{[]string{sourceMarker}, g.sourceText},
		{[]string{handlesMarker}, g.handlesText},
		{[]string{accessorsMarker, accessorsAtomic}, g.accessorsText},
	} {
		if k > 0 && len(g.s.Flags) == 0 {
			break
		}
		i, n := -1, 0
		for _, marker := range m.markers {
			if i = bytes.Index(rest, []byte("\n"+marker)); i >= 0 {
				n = len(marker)
				break
			}
		}
		if i < 0 {
			return nil, errMarker
		}
		out.Write(rest[:i+1])
		m.write(&out)
		rest = rest[i+1+n:]
	}
	out.Write(rest)
	return out.Bytes(), nil
}

// sourceText writes the constant holding the embedded spec.
func (g *generator) sourceText(b *bytes.Buffer) {
	b.WriteString("const flagSpecJSON = " + stringLit(string(g.s.Source)) + "\n")
}

// handlesText writes the var block of the flag handles.
func (g *generator) handlesText(b *bytes.Buffer) {
	docText(b, "The flag handles, for runtime.ToggleAs in tests and Flags.Explain.")
	b.WriteString("var (\n")
	for _, fl := range g.s.Flags {
		for _, line := range wrap(fl.GoName+" is the handle of flag "+clean(strconv.Quote(fl.Name))+".", commentWidth) {
			b.WriteString("\t" + commentLine(line) + "\n")
		}
		b.WriteString("\t" + fl.GoName + " = flagimpl.NewFlag[" + valueTypeName(fl) + "](Spec, " + strconv.Itoa(fl.Index) + ", " + strconv.Quote(fl.Name) + ")\n")
	}
	b.WriteString(")\n")
}

// accessorsText writes each flag's accessor method and, for a bool flag,
// the method of its slow path, separated by blank lines.
func (g *generator) accessorsText(b *bytes.Buffer) {
	for k, fl := range g.s.Flags {
		if k > 0 {
			b.WriteString("\n")
		}
		g.accessorText(b, fl)
	}
}

// accessorText writes flag fl's accessor: a constant fast path, then the
// evaluation. A bool accessor stays within the inliner's budget: one atomic
// load of the flag's state, and a call of a one-flag method (no index, no
// ctx argument: each would cost a node too many) that is not inlined.
func (g *generator) accessorText(b *bytes.Buffer, fl *spec.Flag) {
	docText(b, g.accessorDoc(fl)...)
	idx := strconv.Itoa(fl.Index)
	vt := valueTypeName(fl)
	b.WriteString("func (f *Flags) " + fl.GoName + "(ctx context.Context, c *Context) " + vt + " {\n")
	if ftype(fl) == spec.Bool {
		slow := "eval" + fl.GoName
		b.WriteString("\tif v := atomic.LoadUint32(&f.k[" + idx + "]); v != flagimpl.StateDynamic {\n" +
			"\t\treturn v == flagimpl.StateOn\n\t}\n" +
			"\treturn f." + slow + "(c)\n}\n\n")
		docText(b, slow+" evaluates flag "+clean(strconv.Quote(fl.Name))+" for c while its value depends on the context. "+
			"It is not inlined, so that "+fl.GoName+" is.")
		b.WriteString("//\n//go:noinline\n" +
			"func (f *Flags) " + slow + "(c *Context) bool {\n" +
			"\tvar a [" + strconv.Itoa(len(g.s.Context)) + "]flagimpl.Value\n" +
			"\tc.flagAttrs(&a)\n" +
			"\treturn f.e.Bool(" + idx + ", a[:])\n}\n")
		return
	}
	fn := evalFuncs[ftype(fl)]
	conv := func(v string) string {
		if ftype(fl) == spec.Enum {
			return vt + "(" + v + ")"
		}
		return v
	}
	b.WriteString("\tif v, ok := f.e." + fn[0] + "(" + idx + "); ok {\n" +
		"\t\treturn " + conv("v") + "\n\t}\n" +
		"\treturn " + conv("f.flagEval"+fn[1]+"("+idx+", c)") + "\n}\n")
}

// valueTypeName is the Go type of flag fl's values in generated code.
func valueTypeName(fl *spec.Flag) string {
	if ftype(fl) == spec.Enum {
		return fl.GoName + "Variant"
	}
	return goTypes[ftype(fl)]
}

// docText writes paragraphs as a top-level doc comment, exactly as gofmt
// prints the comment doc would render: gofmt reformats top-level doc
// comments with go/doc/comment (go/printer's formatDocComment), which this
// repeats.
func docText(b *bytes.Buffer, paragraphs ...string) {
	var text strings.Builder
	for i, lines := range wrapParagraphs(paragraphs) {
		if i > 0 {
			text.WriteString("\n")
		}
		for _, line := range lines {
			text.WriteString(line + "\n")
		}
	}
	var parser comment.Parser
	var printer comment.Printer
	out := printer.Comment(parser.Parse(text.String()))
	for len(out) > 0 {
		line, rest, _ := bytes.Cut(out, []byte("\n"))
		out = rest
		switch {
		case len(line) == 0:
			b.WriteString("//\n")
		case line[0] == '\t':
			b.WriteString("//")
			b.Write(line)
			b.WriteString("\n")
		default:
			b.WriteString("// ")
			b.Write(line)
			b.WriteString("\n")
		}
	}
}
