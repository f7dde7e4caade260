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
// today) is formatted as it comes. The outcomes of all flags share one
// array and their JSON one buffer, so that a request reads few cache
// lines.
type fragments struct {
	snap  *engine.Snapshot
	outs  []outcome // flag i's are outs[first[i]:first[i+1]]
	first []int32
	buf   []byte
}

// outcome is one value and variant a flag can answer, as the engine
// decides them (Decision.Value, Decision.Variant, and whether the flag is
// pinned), and its object: the head (`{"key":K,"value":V`, buf[off:cut]),
// then the reason member, then the tail (`,"variant":"NAME"}` with
// evalmap.Variant's name, or `}`, buf[cut:end]).
type outcome struct {
	val           engine.Value
	variant       string
	pinned        bool
	off, cut, end int32
}

// reasonMembers[r] is the `,"reason":"R"` member of reason r.
var reasonMembers = func() (m [][]byte) {
	for _, r := range evalmap.Reasons {
		m = append(m, []byte(`,"reason":"`+r+`"`))
	}
	return m
}()

// fragmentsOf returns the fragments of snapshot snap, building them when
// the last ones built are another snapshot's; nil while another request
// builds them (its callers format their answers meanwhile).
func (h *handler) fragmentsOf(snap *engine.Snapshot) *fragments {
	if f := h.frags.Load(); f != nil && f.snap == snap {
		return f
	}
	if !h.building.CompareAndSwap(false, true) {
		return nil
	}
	defer h.building.Store(false)
	f := &fragments{snap: snap, first: make([]int32, len(h.flags)+1)}
	for i := range h.flags {
		f.first[i] = int32(len(f.outs))
		f.first[i+1] = f.first[i]
		if i >= snap.Len() {
			continue
		}
		pinned := snap.Pinned(i)
		snap.Outcomes(i, func(v engine.Value, variant string) {
			d := bridge.Decision{Value: v, Variant: variant}
			if pinned {
				d.Step = "pinned"
			}
			if f.find(i, &d) != nil {
				return
			}
			o := outcome{val: v, variant: variant, pinned: pinned, off: int32(len(f.buf))}
			f.buf = append(f.buf, h.flags[i].prefix...)
			f.buf = v.AppendJSON(f.buf)
			o.cut = int32(len(f.buf))
			f.buf = appendVariant(f.buf, evalmap.Variant(d))
			o.end = int32(len(f.buf))
			f.outs = append(f.outs, o)
			f.first[i+1] = int32(len(f.outs)) // for find, while building
		})
	}
	f.first[len(h.flags)] = int32(len(f.outs))
	h.frags.Store(f)
	return f
}

// find returns flag i's outcome of decision d, or nil.
func (f *fragments) find(i int, d *bridge.Decision) *outcome {
	outs := f.outs[f.first[i]:f.first[i+1]]
	for k := range outs {
		if o := &outs[k]; o.variant == d.Variant && o.val == d.Value && o.pinned == (d.Step == "pinned") {
			return o
		}
	}
	return nil
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
// to b, from f when f (which may be nil) holds d's outcome, and counts the
// evaluation.
func (h *handler) appendDecided(b []byte, f *fragments, i int, d *bridge.Decision) []byte {
	ri := evalmap.ReasonOf(*d)
	h.m.evals[i][ri].Inc()
	if f != nil {
		if o := f.find(i, d); o != nil {
			b = append(b, f.buf[o.off:o.cut]...)
			b = append(b, reasonMembers[ri]...)
			return append(b, f.buf[o.cut:o.end]...)
		}
	}
	return h.formatSuccess(b, i, ri, evalmap.Variant(*d), d)
}
