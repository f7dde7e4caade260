package gen

import (
	"bytes"
	"encoding/json"
	"errors"
	"go/doc/comment"
	"strconv"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/flaggen/flaggen/internal/spec"
)

// The declarations every flag has (its handle and its accessor) are
// written here as text that is already what gofmt prints, instead of
// through jennifer and go/format: formatting them took
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

// sourceText writes the constant holding the embedded spec: compact JSON
// on one line (json.Compact), so that the spec costs a big package one
// line, not one per field. It is the same document as the spec file
// (ops.Session compares a recorded spec with a file modulo white space).
func (g *generator) sourceText(b *bytes.Buffer) {
	var c bytes.Buffer
	if err := json.Compact(&c, g.s.Source); err != nil {
		// Unreachable for a spec from spec.Parse: embed it as it is.
		c.Reset()
		c.Write(g.s.Source)
	}
	b.WriteString("const flagSpecJSON = " + stringLit(c.String()) + "\n")
}

// handlesText writes the var block of the flag handles, zero until
// package initialization, and the table by which init sets them
// (flagimpl.InitFlags), several entries a line.
func (g *generator) handlesText(b *bytes.Buffer) {
	docText(b, "The flag handles, for runtime.ToggleAs in tests and Flags.Explain.")
	b.WriteString("var (\n")
	for _, fl := range g.s.Flags {
		h := g.opts.Accessors.HandleName(fl)
		for _, line := range wrap(h+" is the handle of flag "+clean(strconv.Quote(fl.Name))+".", commentWidth) {
			b.WriteString("\t" + commentLine(line) + "\n")
		}
		b.WriteString("\t" + h + " runtime.Flag[" + valueTypeName(fl) + "]\n")
	}
	b.WriteString(")\n\n")
	docText(b, "flagHandles points to each flag's handle, in flag index order, for flagimpl.InitFlags.")
	b.WriteString("var flagHandles = [...]any{")
	width := commentWidth
	for _, fl := range g.s.Flags {
		entry := "&" + g.opts.Accessors.HandleName(fl) + ","
		if width+1+len(entry) > commentWidth {
			b.WriteString("\n\t")
			width = 0
		} else {
			b.WriteString(" ")
			width++
		}
		b.WriteString(entry)
		width += len(entry)
	}
	b.WriteString("\n}\n\nfunc init() { flagimpl.InitFlags(Spec, flagHandles[:]) }\n")
}

// accessorsText writes each flag's accessor (a method of Flags, or a
// function with Funcs), separated by blank lines.
func (g *generator) accessorsText(b *bytes.Buffer) {
	for k, fl := range g.s.Flags {
		if k > 0 {
			b.WriteString("\n")
		}
		g.accessorText(b, fl)
	}
}

// accessorText writes flag fl's accessor: a constant fast path, then the
// evaluation by the shared slow path of its type (evalHelpers). A bool
// accessor stays within the inliner's budget (generated/inline_test.go): a
// switch on one atomic load of the flag's state (cheaper for the inliner
// than an if and a comparison), then a call of flagEvalBool, which is not
// inlined. Accessors reach the fields of Flags through a *flagFields (see
// client), never through a selector on *Flags. A Funcs accessor is the same
// function with the Flags as its first parameter instead of its receiver.
func (g *generator) accessorText(b *bytes.Buffer, fl *spec.Flag) {
	docText(b, g.accessorDoc(fl)...)
	idx := strconv.Itoa(fl.Index)
	vt := valueTypeName(fl)
	if g.opts.Accessors == Funcs {
		b.WriteString("func " + fl.GoName + "(f *Flags, ctx context.Context, c *Context) " + vt + " {\n")
	} else {
		b.WriteString("func (f *Flags) " + fl.GoName + "(ctx context.Context, c *Context) " + vt + " {\n")
	}
	if ftype(fl) == spec.Bool {
		b.WriteString("\tswitch atomic.LoadUint32(&(*flagFields)(f).k[" + idx + "]) {\n" +
			"\tcase flagimpl.StateOn:\n\t\treturn true\n" +
			"\tcase flagimpl.StateOff:\n\t\treturn false\n\t}\n" +
			"\treturn flagEvalBool(f, ctx, " + idx + ", c)\n}\n")
		return
	}
	fn := evalFuncs[ftype(fl)]
	conv := func(v string) string {
		if ftype(fl) == spec.Enum {
			return vt + "(" + v + ")"
		}
		return v
	}
	b.WriteString("\tif v, ok := (*flagFields)(f).e." + fn[0] + "(" + idx + "); ok {\n" +
		"\t\treturn " + conv("v") + "\n\t}\n" +
		"\treturn " + conv("flagEval"+fn[1]+"(f, ctx, "+idx+", c)") + "\n}\n")
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
