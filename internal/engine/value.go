package engine

import (
	"math"
	"strconv"

	"github.com/flaggen/flaggen/internal/jsonx"
)

type valueKind uint8

const (
	kindAbsent valueKind = iota
	// kindUndeclared is a present attribute whose value is none the spec
	// declares (Undeclared); kinds up to it fail every check.
	kindUndeclared
	kindString
	kindInt
	kindFloat
	kindBool
)

// Value is one evaluation-context attribute value: a string, int, float or
// bool. The zero Value is an absent attribute, which fails every check that
// needs it; so does an Undeclared one, which is present all the same (a
// context holding one is not the empty context).
type Value struct {
	s    string
	n    uint64 // int64 bits, float64 bits, or 0/1
	kind valueKind
}

// String returns a present string Value.
func String(s string) Value { return Value{s: s, kind: kindString} }

// Int returns a present int Value.
func Int(i int64) Value { return Value{n: uint64(i), kind: kindInt} }

// Float returns a present float Value.
func Float(f float64) Value { return Value{n: math.Float64bits(f), kind: kindFloat} }

// Bool returns a present bool Value.
func Bool(b bool) Value {
	v := Value{kind: kindBool}
	if b {
		v.n = 1
	}
	return v
}

// Undeclared returns the Value of an attribute given a value its type does
// not declare: generated code gives it for an enum field outside its
// constants. It matches no rule (not_in and neq included), is no key, and
// still makes the context non-empty.
func Undeclared() Value { return Value{kind: kindUndeclared} }

// failsAll reports whether v fails every check: absent or undeclared.
func (v *Value) failsAll() bool { return v.kind <= kindUndeclared }

// IsAbsent reports whether v is the zero Value (attribute absent).
func (v Value) IsAbsent() bool { return v.kind == kindAbsent }

// Any returns v as a Go value: string, int64, float64, bool, or nil when
// absent or undeclared.
func (v Value) Any() any {
	switch v.kind {
	case kindString:
		return v.s
	case kindInt:
		return int64(v.n)
	case kindFloat:
		return math.Float64frombits(v.n)
	case kindBool:
		return v.n != 0
	}
	return nil
}

// Str returns a string Value's string, else "".
func (v Value) Str() string { return v.s }

// Int64 returns an int Value's integer, else 0.
func (v Value) Int64() int64 {
	if v.kind != kindInt {
		return 0
	}
	return int64(v.n)
}

// Float64 returns a number Value as a float64, else 0.
func (v Value) Float64() float64 {
	f, _ := v.num()
	return f
}

// True reports whether v is the bool true.
func (v Value) True() bool { return v.kind == kindBool && v.n != 0 }

// GoString formats v for explanations: strings quoted, absent as "absent",
// an Undeclared value as "undeclared".
func (v Value) GoString() string {
	switch v.kind {
	case kindString:
		return strconv.Quote(v.s)
	case kindInt:
		return strconv.FormatInt(int64(v.n), 10)
	case kindFloat:
		return strconv.FormatFloat(math.Float64frombits(v.n), 'g', -1, 64)
	case kindBool:
		return strconv.FormatBool(v.n != 0)
	case kindUndeclared:
		return "undeclared"
	}
	return "absent"
}

// ValueOf converts a spec value (string, int64, float64, bool, or another
// integer/float type from JSON) to a Value.
func ValueOf(x any) Value {
	switch x := x.(type) {
	case string:
		return String(x)
	case int64:
		return Int(x)
	case int:
		return Int(int64(x))
	case float64:
		return Float(x)
	case bool:
		return Bool(x)
	}
	return Value{}
}

// num returns v as a float64 for numeric comparisons.
func (v Value) num() (float64, bool) {
	switch v.kind {
	case kindInt:
		return float64(int64(v.n)), true
	case kindFloat:
		return math.Float64frombits(v.n), true
	}
	return 0, false
}

// Equal reports Python-style equality: numbers by value across int/float,
// otherwise same kind and same content.
func (v Value) Equal(w Value) bool {
	if v.kind == w.kind && v.kind != kindFloat {
		return v.s == w.s && v.n == w.n
	}
	a, ok1 := v.num()
	b, ok2 := w.num()
	return ok1 && ok2 && a == b
}

// AppendJSON appends v to b as a JSON value (null when absent or
// undeclared), without
// allocating beyond growing b. A float keeps a fraction or an exponent
// ("50.0", not "50"), so that a reader telling integers from floats by
// their text still sees a float.
func (v Value) AppendJSON(b []byte) []byte {
	switch v.kind {
	case kindString:
		return jsonx.AppendString(b, v.s)
	case kindInt:
		return strconv.AppendInt(b, int64(v.n), 10)
	case kindFloat:
		n := len(b)
		b = strconv.AppendFloat(b, math.Float64frombits(v.n), 'g', -1, 64)
		for _, c := range b[n:] {
			if c == '.' || c == 'e' {
				return b
			}
		}
		return append(b, ".0"...)
	case kindBool:
		return strconv.AppendBool(b, v.n != 0)
	}
	return append(b, "null"...)
}
