package runtime

import (
	"unsafe"

	"github.com/flaggen/flaggen/internal/engine"
)

// Value is one evaluation-context attribute value: a string, int, float or
// bool, as Spec.ParseContext returns them in Spec.Attributes order, or as
// String, Int, Float and Bool make them. The zero Value is an absent
// attribute, which fails every check that needs it.
type Value engine.Value

// String returns a present string Value.
func String(s string) Value { return Value(engine.String(s)) }

// Int returns a present int Value.
func Int(i int64) Value { return Value(engine.Int(i)) }

// Float returns a present float Value.
func Float(f float64) Value { return Value(engine.Float(f)) }

// Bool returns a present bool Value.
func Bool(b bool) Value { return Value(engine.Bool(b)) }

// Undeclared returns the Value of an attribute given a value outside the
// ones its type declares (generated code gives it for an enum field outside
// its constants): it matches no rule, not_in and neq included, is no key,
// and still makes the context non-empty.
func Undeclared() Value { return Value(engine.Undeclared()) }

// IsAbsent reports whether v is the zero Value (attribute absent).
func (v Value) IsAbsent() bool { return engine.Value(v).IsAbsent() }

// Any returns v as a Go value: string, int64, float64, bool, or nil when
// absent or undeclared.
func (v Value) Any() any { return engine.Value(v).Any() }

// GoString formats v as explanations print it: strings quoted, absent as
// "absent", an Undeclared value as "undeclared".
func (v Value) GoString() string { return engine.Value(v).GoString() }

// Equal reports whether v and w are equal: numbers by value across int and
// float, otherwise the same kind and content.
func (v Value) Equal(w Value) bool { return engine.Value(v).Equal(engine.Value(w)) }

// engineValues returns a as the engine's values, sharing a's memory: Value
// is defined as engine.Value, so the two have the same layout.
func engineValues(a []Value) []engine.Value {
	return unsafe.Slice((*engine.Value)(unsafe.SliceData(a)), len(a))
}
