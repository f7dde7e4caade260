// Package reason maps one evaluation's engine.Decision onto its OpenFeature reason and variant, for package runtime's hooks and, through internal/evalmap, for runtime/flaghttp and runtime/openfeature.
package reason

import (
	"github.com/flaggen/flaggen/internal/engine"
	"github.com/flaggen/flaggen/internal/spec"
)

// Reason is an OpenFeature resolution reason, as an index of Names.
type Reason int

// The reasons a decision maps to (see Of), and Error.
const (
	Static Reason = iota
	TargetingMatch
	Split
	Disabled
	Default
	Error
)

// Names names each Reason, in order.
var Names = []string{"STATIC", "TARGETING_MATCH", "SPLIT", "DISABLED", "DEFAULT", "ERROR"}

// String returns r's OpenFeature name.
func (r Reason) String() string { return Names[r] }

// Of maps the cascade's deciding step (runtime.Explanation.Step) to its
// reason: Static for a pinned flag or one whose value cannot depend on the
// context; Disabled when active, activation_date, environments or a
// tripped monitor switched the flag off; TargetingMatch for the
// allow-list, the empty context and passed targeting; Split for a rollout
// bucket or a variant; Default when targeting, a dependency or the variant
// weights fell through to the default.
func Of(d engine.Decision) Reason {
	switch d.Step {
	case "pinned":
		return Static
	case "active", "activation_date", "environments", "tripped":
		return Disabled
	case "users", "empty_context":
		return TargetingMatch
	case "targeting":
		if d.Const {
			return Static
		}
		return TargetingMatch
	case "rollout", "variants":
		return Split
	}
	// "default", "depends_on" and a failed targeting check
	// ("regions", "rules[i]", "segments" …).
	return Default
}

// Variant returns d's variant: a variant flag's variant, "on" or "off"
// for a bool flag, "" for a pinned bool flag (a test pin picks a value,
// not a variant).
func Variant(d engine.Decision) string {
	if d.Variant != "" || d.Step == "pinned" {
		return d.Variant
	}
	if on, isBool := d.Value.Any().(bool); isBool {
		if on {
			return "on"
		}
		return "off"
	}
	return ""
}

// Variants returns the variants flag f can serve, as Variant names them:
// "on" and "off" for a bool flag, its declared variants in spec order
// otherwise.
func Variants(f *spec.Flag) []string {
	if f.Type == spec.Bool {
		return []string{"on", "off"}
	}
	names := make([]string, len(f.Variants))
	for i, v := range f.Variants {
		names[i] = v.Name
	}
	return names
}
