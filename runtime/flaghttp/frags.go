package flaghttp

import (
	"github.com/flaggen/flaggen/internal/bridge"
	"github.com/flaggen/flaggen/internal/engine"
	"github.com/flaggen/flaggen/internal/evalmap"
	"github.com/flaggen/flaggen/internal/jsonx"
)

// fragments holds, for one snapshot, the JSON of every evaluationSuccess
// object its flags can answer, but for the reason: formatting a value and
// a variant once per snapshot instead of once per flag of every bulk
// request. A decision not found in it (a snapshot's outcomes miss none
// today) is formatted as it comes.
type fragments struct {
	snap  *engine.Snapshot
	flags [][]outcome // by flag index
}

// outcome is one value and variant a flag can answer (Variant's name,
// "on"/"off" for a bool flag), and its object: head (`{"key":K,"value":V`)
// + the reason member + tail (`,"variant":"NAME"}` or `}`), in one buffer
// split at cut.
type outcome struct {
	val     engine.Value
	variant string
	obj     []byte
	cut     int
}

// reasonMembers[r] is the `,"reason":"R"` member of reason r.
var reasonMembers = func() (m [][]byte) {
	for _, r := range evalmap.Reasons {
		m = append(m, []byte(`,"reason":"`+r+`"`))
	}
	return m
}()

// fragmentsOf returns the fragments of snapshot snap, building them when
// the last ones built are another snapshot's. Requests racing on a new
// snapshot may each build them; the last one built is kept.
func (h *handler) fragmentsOf(snap *engine.Snapshot) *fragments {
	if f := h.frags.Load(); f != nil && f.snap == snap {
		return f
	}
	f := &fragments{snap: snap, flags: make([][]outcome, len(h.flags))}
	for i := range h.flags {
		if i >= snap.Len() {
			break
		}
		var outs []outcome
		snap.Outcomes(i, func(v engine.Value, variant string) {
			if variant == "" {
				if on, ok := v.Any().(bool); ok {
					variant = "off"
					if on {
						variant = "on"
					}
				}
			}
			for _, o := range outs {
				if o.val == v && o.variant == variant {
					return
				}
			}
			obj := append([]byte(nil), h.flags[i].prefix...)
			obj = v.AppendJSON(obj)
			cut := len(obj)
			obj = appendVariant(obj, variant)
			outs = append(outs, outcome{val: v, variant: variant, obj: obj, cut: cut})
		})
		f.flags[i] = outs
	}
	h.frags.Store(f)
	return f
}

// appendVariant appends the end of an evaluationSuccess object after its
// reason: the variant member when there is a variant, and the brace.
func appendVariant(b []byte, variant string) []byte {
	if variant != "" {
		b = append(b, `,"variant":`...)
		b = jsonx.AppendString(b, variant)
	}
	return append(b, '}')
}

// appendDecided appends flag i's evaluationSuccess object for decision d
// to b, from f when it holds d's outcome, and counts the evaluation.
func (h *handler) appendDecided(b []byte, f *fragments, i int, d bridge.Decision) []byte {
	ri := evalmap.ReasonOf(d)
	h.m.evals[i][ri].Inc()
	variant := evalmap.Variant(d)
	if o := f.find(i, d.Value, variant); o != nil {
		b = append(b, o.obj[:o.cut]...)
		b = append(b, reasonMembers[ri]...)
		return append(b, o.obj[o.cut:]...)
	}
	return h.formatSuccess(b, i, ri, variant, d)
}

// find returns flag i's outcome of value v and variant variant, or nil.
func (f *fragments) find(i int, v engine.Value, variant string) *outcome {
	for k := range f.flags[i] {
		if o := &f.flags[i][k]; o.val == v && o.variant == variant {
			return o
		}
	}
	return nil
}
