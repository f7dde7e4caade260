package runtime

import "github.com/flaggen/flaggen/internal/engine"

// Value is one evaluation-context attribute value: a string, int, float or
// bool, as Spec.ParseContext returns them in Spec.Attributes order. The zero
// Value is an absent attribute, which fails every check that needs it.
// Its methods: IsAbsent, Any (the Go value: string, int64, float64, bool,
// or nil when absent), GoString (as explanations print it) and Equal
// (numbers compare by value across int and float).
type Value = engine.Value
