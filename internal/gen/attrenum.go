package gen

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/flaggen/flaggen/internal/spec"
)

// This file emits the types of typed enum attributes (spec.Attribute.Typed:
// a string attribute with an enum). Each gets a named integer type, as
// protobuf's enums do: an untyped string constant does not convert to an
// integer type, so Context{Plan: "por"} does not compile, where a named
// string type would accept it. Constants count from 1: the zero value is
// no value, the attribute absent. Context.flagAttrs maps a constant to its
// attribute value through a table indexed by the constant (attrValuesVar),
// so evaluation calls no method and allocates nothing; an index outside
// the table, a value the spec does not declare, maps to
// flagimpl.Undeclared, which fails every rule (internal/engine: rule.match)
// but is present, so that a Context holding one is not the empty context,
// which step 7 turns on.

// attrValuesVar is the name of a typed attribute's table of
// flagimpl.Values, indexed by its constants.
func attrValuesVar(a *spec.Attribute) string { return "flag" + a.GoName + "Values" }

// attrNamesVar is the name of a typed attribute's table of spec values,
// indexed by its constants.
func attrNamesVar(a *spec.Attribute) string { return "flag" + a.GoName + "Names" }

// enumWidth is the smallest unsigned integer type that holds n constants
// counted from 1.
func enumWidth(n int) string {
	switch {
	case n < 1<<8:
		return "uint8"
	case n < 1<<16:
		return "uint16"
	}
	return "uint32"
}

// attrTypes emits, for each typed attribute, its type, constants, tables,
// String and Valid methods and Parse function.
func (g *generator) attrTypes(f *jen.File) {
	for _, a := range g.s.Context {
		if !a.Typed() {
			continue
		}
		t, names, values, consts := a.GoName, attrNamesVar(a), attrValuesVar(a), a.EnumConsts()
		q := clean(strconv.Quote(a.Name))
		quoted := make([]string, len(a.Enum))
		for i, v := range a.Enum {
			quoted[i] = strconv.Quote(v.(string))
		}
		f.Add(doc(
			fmt.Sprintf("%s is the type of attribute %s: one of its declared values, %s.", t, q, orList(consts)),
			fmt.Sprintf("The zero value is no value: the attribute is absent. A value the spec does not declare "+
				"(%s(%d): see [%s.Valid]) matches no rule, not_in and neq included, and still counts as given: "+
				"a Context holding one is not the empty context. "+
				"[Parse%s] converts a string that comes from outside, such as a request, and says which values it may take.",
				t, len(a.Enum)+1, t, t),
		).Type().Id(t).Id(enumWidth(len(a.Enum))))
		f.Add(doc(fmt.Sprintf("The values of attribute %s, in spec order.", q)).
			Const().DefsFunc(func(d *jen.Group) {
			for i, v := range a.Enum {
				d.Add(doc(fmt.Sprintf("%s is value %s.", consts[i], literal(v))).
					Id(consts[i]).Id(t).Op("=").Lit(i + 1))
			}
		}))
		f.Add(doc(fmt.Sprintf("%s holds the spec value of each %s, indexed by it.", names, t)).
			Var().Id(names).Op("=").Index(jen.Op("...")).String().ValuesFunc(func(l *jen.Group) {
			for i, v := range a.Enum {
				l.Line().Id(consts[i]).Op(":").Lit(v.(string))
			}
			l.Line()
		}))
		f.Add(doc(fmt.Sprintf("%s holds the attribute value of each %s, indexed by it; entry 0 is absent.", values, t)).
			Var().Id(values).Op("=").Index(jen.Op("...")).Qual(fi, "Value").ValuesFunc(func(l *jen.Group) {
			for i, v := range a.Enum {
				l.Line().Id(consts[i]).Op(":").Qual(fi, "String").Call(jen.Lit(v.(string)))
			}
			l.Line()
		}))
		recv := jen.Id("v").Id(t)
		f.Add(doc(fmt.Sprintf("String returns v's spec value, such as %s, or %s(n) for a value the spec does not declare, "+
			"the zero value included.", quoted[0], t)).
			Func().Params(recv.Clone()).Id("String").Params().String().Block(
			jen.If(jen.Id("v").Dot("Valid").Call()).Block(jen.Return(jen.Id(names).Index(jen.Id("v")))),
			jen.Return(jen.Lit(t+"(").Op("+").Qual("strconv", "FormatUint").Call(jen.Uint64().Call(jen.Id("v")), jen.Lit(10)).Op("+").Lit(")")),
		))
		f.Add(doc(fmt.Sprintf("Valid reports whether v is one of the values the spec declares for attribute %s. "+
			"Evaluation treats the zero value as an absent attribute, and any other value it does not declare as "+
			"one that matches no rule.", q)).
			Func().Params(recv.Clone()).Id("Valid").Params().Bool().Block(
			jen.Return(jen.Id("v").Op("!=").Lit(0).Op("&&").Int().Call(jen.Id("v")).Op("<").Len(jen.Id(names))),
		))
		pct := strings.NewReplacer("%", "%%")
		msg := fmt.Sprintf("%s: attribute %s: %%q is not one of %s", g.opts.Package,
			pct.Replace(strconv.Quote(a.Name)), pct.Replace(strings.Join(quoted, ", ")))
		f.Add(doc(fmt.Sprintf("Parse%s returns the %s whose spec value is s (exactly, case included), or an error that "+
			"names the attribute, s and the values it may take.", t, t)).
			Func().Id("Parse"+t).Params(jen.Id("s").String()).Params(jen.Id(t), jen.Error()).Block(
			jen.Switch(jen.Id("s")).BlockFunc(func(sw *jen.Group) {
				for i, v := range a.Enum {
					sw.Case(jen.Lit(v.(string))).Block(jen.Return(jen.Id(consts[i]), jen.Nil()))
				}
			}),
			jen.Return(jen.Lit(0), jen.Qual("fmt", "Errorf").Call(jen.Lit(msg), jen.Id("s"))),
		))
	}
}
