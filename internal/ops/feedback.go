package ops

import (
	"maps"
	"slices"

	"github.com/flaggen/flaggen/internal/bridge"
	"github.com/flaggen/flaggen/internal/reason"
	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/store"
)

// VariantFeedback is the feedback on a flag from the users served one
// variant.
type VariantFeedback struct {
	// Variant is the variant served; "" for the entries collected without
	// it (store.Feedback.Variant).
	Variant string `json:"variant"`
	// Count is len(Feedback).
	Count int `json:"count"`
	// Feedback is the entries, oldest first.
	Feedback []store.Feedback `json:"feedback"`
}

// FeedbackByVariant groups the feedback fbs on flag name (oldest first, as
// a store returns it) by the variant served: the spec's variants of the
// flag first, in spec order (sp may lack the flag: a removed flag's
// feedback is kept), then variants the spec does not name, sorted, then
// the entries without a variant. Only variants with feedback are listed.
func FeedbackByVariant(sp *runtime.Spec, name string, fbs []store.Feedback) []VariantFeedback {
	by := map[string][]store.Feedback{}
	for _, fb := range fbs {
		by[fb.Variant] = append(by[fb.Variant], fb)
	}
	var order []string
	if f := bridge.SpecOf(sp).Flag(name); f != nil {
		order = reason.Variants(f)
	}
	for _, v := range slices.Sorted(maps.Keys(by)) {
		if v != "" && !slices.Contains(order, v) {
			order = append(order, v)
		}
	}
	order = append(order, "")
	var out []VariantFeedback
	for _, v := range order {
		if g := by[v]; len(g) > 0 {
			out = append(out, VariantFeedback{Variant: v, Count: len(g), Feedback: g})
		}
	}
	return out
}
