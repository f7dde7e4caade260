// Package evalmap maps OpenFeature evaluations onto a runtime.Spec the same way for runtime/flaghttp (OFREP) and runtime/openfeature: a context's members onto the declared attributes, a bridge.Decision onto its reason and variant.
package evalmap

import (
	"github.com/flaggen/flaggen/internal/bridge"
	"github.com/flaggen/flaggen/internal/reason"
)

// Reason is an OpenFeature resolution reason, as an index of Reasons.
type Reason = reason.Reason

// The reasons a decision maps to (see ReasonOf), and Error.
const (
	Static         = reason.Static
	TargetingMatch = reason.TargetingMatch
	Split          = reason.Split
	Disabled       = reason.Disabled
	Default        = reason.Default
	Error          = reason.Error
)

// Reasons names each Reason, in order.
var Reasons = reason.Names

// ReasonOf maps the cascade's deciding step to its reason (internal/reason
// documents the mapping; package runtime's hooks report the same).
func ReasonOf(d bridge.Decision) Reason { return reason.Of(d) }

// Variant returns d's variant: a variant flag's variant, "on" or "off"
// for a bool flag, "" for a pinned bool flag.
func Variant(d bridge.Decision) string { return reason.Variant(d) }
