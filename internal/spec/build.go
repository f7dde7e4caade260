package spec

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// builder turns a decoded tree into the model. It trusts nothing: a value
// of the wrong JSON type (which the schema has reported) is skipped, so that
// building never fails and the semantic checks can still run on the rest.
// Its own errors are the ones only it can see (unparsable dates, integers
// too large for int64).
type builder struct {
	errs []*Error
}

func (b *builder) errorf(ptr, format string, args ...any) {
	b.errs = append(b.errs, &Error{Pointer: ptr, Msg: fmt.Sprintf(format, args...)})
}

// The fields the decoder reads, per kind of object (a flag's: flagTable).
// A test holds them equal to the schema's properties, so the two cannot
// drift.
var (
	topFields       = []string{"$schema", "context", "environments", "flags", "releases", "segments"}
	attributeFields = []string{"type", "enum", "key", "description"}
	variantFields   = []string{"value", "weight"}
	ruleFields      = []string{"attribute", "operator", "values"}
	strategyFields  = []string{"name", "on", "off", "variants"}
	releaseFields   = []string{"description", "flags"}
)

// seedContext is the context of a spec without a "context" block: the
// attributes the Python system's FeatureManager reads.
func seedContext() []*Attribute {
	return []*Attribute{
		{Name: "user_id", GoName: "UserID", Type: Int, Key: true, Index: 0},
		{Name: "region", GoName: "Region", Type: String, Index: 1},
		{Name: "account_type", GoName: "AccountType", Type: String, Index: 2},
		{Name: "beta_program", GoName: "BetaProgram", Type: Bool, Index: 3},
	}
}

func (b *builder) spec(root *node) *Spec {
	s := &Spec{}
	if c := root.get("context"); c == nil {
		s.Context = seedContext()
	} else if c.kind == kObject {
		for i, name := range c.keys {
			s.Context = append(s.Context, b.attribute(name, len(s.Context), c.elems[i]))
		}
	}
	for _, a := range s.Context {
		if a.Key && s.Key == nil {
			s.Key = a
		}
	}
	if s.Key == nil {
		if a := s.Attribute("user_id"); a != nil {
			a.Key = true
			s.Key = a
		}
	}
	s.Environments = strs(root.get("environments"))
	if fl := root.get("flags"); fl != nil && fl.kind == kObject {
		for i, name := range fl.keys {
			s.Flags = append(s.Flags, b.flag(s, name, fl.elems[i]))
		}
	}
	slices.SortFunc(s.Flags, func(x, y *Flag) int { return strings.Compare(x.Name, y.Name) })
	for i, f := range s.Flags {
		f.Index = i
	}
	if rl := root.get("releases"); rl != nil && rl.kind == kObject {
		for i, name := range rl.keys {
			n := rl.elems[i]
			s.Releases = append(s.Releases, &Release{Name: name, Description: str(n.get("description")), Flags: strs(n.get("flags"))})
		}
	}
	slices.SortFunc(s.Releases, func(x, y *Release) int { return strings.Compare(x.Name, y.Name) })
	if sg := root.get("segments"); sg != nil && sg.kind == kObject {
		for i, name := range sg.keys {
			s.Segments = append(s.Segments, b.segment(s, name, sg.elems[i]))
		}
	}
	slices.SortFunc(s.Segments, func(x, y *Segment) int { return strings.Compare(x.Name, y.Name) })
	return s
}

func (b *builder) attribute(name string, index int, n *node) *Attribute {
	a := &Attribute{Name: name, GoName: GoName(name), Index: index}
	switch t := Type(str(n.get("type"))); t {
	case Int, String, Bool, Float:
		a.Type = t
	}
	if e := n.get("enum"); e != nil && e.kind == kArray {
		for _, v := range e.elems {
			a.Enum = append(a.Enum, coerce(b.typedNatural(v, a.Type), a.Type))
		}
	}
	a.Key = boolean(n.get("key"))
	a.Doc = str(n.get("description"))
	return a
}

// flag builds one flag. "type" and "variants" come first because other
// fields are read in their light; the rest go through setField, the same
// code a live patch uses.
func (b *builder) flag(s *Spec, name string, n *node) *Flag {
	f := &Flag{Name: name, GoName: GoName(name), Type: Bool}
	if n == nil || n.kind != kObject {
		return f
	}
	if t := n.get("type"); t != nil {
		switch tt := Type(t.str); tt {
		case Bool, String, Int, Float, Enum:
			f.Type = tt
		default:
			f.Type = "" // reported by the schema; skip type-dependent checks
		}
	}
	if v := n.get("variants"); v != nil && v.kind == kObject {
		for i, vname := range v.keys {
			f.Variants = append(f.Variants, b.variant(f, vname, v.elems[i]))
		}
	}
	for i, key := range n.keys {
		b.setField(s, f, key, n.elems[i]) // ignores "type" and "variants"
	}
	meta, _ := f.Metadata["owner"].(string)
	if f.Owner == "" {
		f.Owner = meta
	}
	f.Description, _ = f.Metadata["description"].(string)
	if f.Salt == "" {
		f.Salt = name
	}
	resolveDefault(f)
	return f
}

func (b *builder) variant(f *Flag, name string, n *node) *Variant {
	v := &Variant{Name: name, GoName: f.GoName + GoName(name)}
	switch n.kind {
	case kNumber:
		v.Weight = float(n)
	case kObject:
		v.Weight = float(n.get("weight"))
		if val := n.get("value"); val != nil && (val.kind == kString || val.kind == kNumber) {
			v.Value = coerce(b.typedNatural(val, f.Type), f.Type)
		}
	}
	if v.Value == nil && (f.Type == String || f.Type == Enum) {
		v.Value = name
	}
	return v
}

// resolveDefault sets f.Default to the value of the default variant.
func resolveDefault(f *Flag) {
	f.Default = nil
	for _, v := range f.Variants {
		if v.Name == f.DefaultVariant {
			f.Default = v.Value
		}
	}
}

// setField sets one field of f from n (flagTable's set); a JSON null (or nil
// n) removes the field, as a live patch asks. A key that is no field, or is
// "type" or "variants" (read by flag), is ignored.
func (b *builder) setField(s *Spec, f *Flag, key string, n *node) {
	fd := fieldByName[key]
	if fd == nil || fd.set == nil {
		return
	}
	if n == nil {
		n = &node{kind: kNull, keyOff: -1}
	}
	fd.set(b, s, f, n)
}

// users builds an allow-list of the key attribute's type (without a key,
// of its first entry's). An entry of the other type is reported here, as
// the checks would report a value of the wrong type; other JSON types are
// the schema's to report.
func (b *builder) users(s *Spec, n *node) *IDs {
	if n.kind != kArray {
		return nil
	}
	strs := len(n.elems) > 0 && n.elems[0].kind == kString
	if s.Key != nil {
		strs = s.Key.Type == String
	}
	var ints []int64
	var ss []string
	if strs {
		ss = make([]string, 0, len(n.elems))
	} else {
		ints = make([]int64, 0, len(n.elems))
	}
	for _, e := range n.elems {
		var v any // an entry of the other type
		switch e.kind {
		case kString:
			if strs {
				ss = append(ss, e.str)
				continue
			}
			v = e.str
		case kNumber:
			i, integral, fits := exactInt(string(e.num))
			switch {
			case !integral: // the schema's to report
				continue
			case !fits:
				b.errorf(e.ptr, "%s is out of range for a 64-bit integer", e.num)
				continue
			case !strs:
				ints = append(ints, i)
				continue
			}
			v = i
		default:
			continue
		}
		if s.Key != nil && (s.Key.Type == Int || s.Key.Type == String) {
			b.errorf(e.ptr, "%s (key attribute %q is %s)", typeMismatch(v, s.Key.Type), s.Key.Name, s.Key.Type)
		}
	}
	if strs {
		return StringIDs(ss...)
	}
	return IntIDs(ints...)
}

func (b *builder) rule(s *Spec, n *node) *Rule {
	r := &Rule{Attribute: str(n.get("attribute")), Operator: str(n.get("operator")), Pointer: n.ptr}
	var t Type
	if a := s.Attribute(r.Attribute); a != nil {
		t = a.Type
	}
	if vs := n.get("values"); vs != nil && vs.kind == kArray {
		r.Values = make([]any, len(vs.elems))
		for i, e := range vs.elems {
			v := coerce(b.typedNatural(e, t), t)
			if sv, ok := v.(string); ok && (r.Operator == "before" || r.Operator == "after") {
				if d, err := ParseDate(sv); err == nil {
					v = d
				}
			}
			r.Values[i] = v
		}
	}
	return r
}

func (b *builder) strategy(f *Flag, n *node) *Strategy {
	if n.kind != kObject {
		return nil
	}
	st := &Strategy{Name: str(n.get("name")), Impls: map[string]string{}}
	on, off, vs := n.get("on"), n.get("off"), n.get("variants")
	switch {
	case f.Type == "":
		return st
	case f.Type == Bool:
		st.Order = []string{"on", "off"}
		if vs != nil {
			b.errorf(vs.ptr, `a bool flag's strategy names its implementations with "on" and "off", not "variants"`)
		}
		for _, m := range []*node{on, off} {
			if m != nil && m.kind == kString {
				st.Impls[strings.TrimPrefix(m.ptr, n.ptr+"/")] = m.str
			}
		}
	default:
		for _, v := range f.Variants {
			st.Order = append(st.Order, v.Name)
		}
		for _, m := range []*node{on, off} {
			if m != nil {
				b.errorf(m.ptr, `a %s flag's strategy maps each variant to an implementation under "variants", not "on"/"off"`, f.Type)
			}
		}
		if vs != nil && vs.kind == kObject {
			for i, k := range vs.keys {
				if vs.elems[i].kind == kString {
					st.Impls[k] = vs.elems[i].str
				}
			}
		}
	}
	return st
}

func (b *builder) date(n *node) *time.Time {
	if n.kind != kString {
		return nil
	}
	t, err := ParseDate(n.str)
	if err != nil {
		b.errorf(n.ptr, "%v", err)
		return nil
	}
	return &t
}

func (b *builder) intPtr(n *node) *int64 {
	if n.kind != kNumber {
		return nil
	}
	switch v := b.intNatural(n).(type) {
	case int64:
		return &v
	}
	return nil
}

// intNatural is node.natural for a value that should be an integer,
// reporting an integral number outside int64's range (rather than letting
// it become a float64 the checks would call "not an integer").
func (b *builder) intNatural(n *node) any {
	if n.kind == kNumber {
		if _, integral, fits := exactInt(string(n.num)); integral && !fits {
			b.errorf(n.ptr, "%s is out of range for a 64-bit integer", n.num)
		}
	}
	return n.natural()
}

// typedNatural is node.natural for a value of type t: intNatural's for Int.
func (b *builder) typedNatural(n *node, t Type) any {
	if t == Int {
		return b.intNatural(n)
	}
	return n.natural()
}

// coerce converts a natural JSON value (integral numbers are already int64)
// to the Go type of t where that is lossless: an int64 to float64 for Float.
// Anything else is returned unchanged for the checks to report.
func coerce(v any, t Type) any {
	switch t {
	case Float:
		if i, ok := v.(int64); ok {
			return float64(i)
		}
	}
	return v
}

func str(n *node) string {
	if n == nil || n.kind != kString {
		return ""
	}
	return n.str
}

func boolean(n *node) bool { return n != nil && n.kind == kBool && n.b }

func strs(n *node) []string {
	if n == nil || n.kind != kArray {
		return nil
	}
	out := make([]string, 0, len(n.elems))
	for _, e := range n.elems {
		out = append(out, e.str) // non-strings reported by the schema
	}
	return out
}

func float(n *node) float64 {
	if n == nil || n.kind != kNumber {
		return 0
	}
	switch v := n.natural().(type) {
	case int64:
		return float64(v)
	case float64:
		return v
	}
	return 0
}

func floatPtr(n *node) *float64 {
	if n == nil || n.kind != kNumber {
		return nil
	}
	f := float(n)
	return &f
}
