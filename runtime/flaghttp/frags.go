package flaghttp

import (
	"github.com/flaggen/flaggen/internal/bridge"
	"github.com/flaggen/flaggen/internal/engine"
	"github.com/flaggen/flaggen/internal/evalmap"
	"github.com/flaggen/flaggen/internal/jsonx"
)

// fragments holds, for one snapshot, the JSON of the evaluationSuccess
// objects its flags can answer: formatting a value and a variant once per
// snapshot instead of once per flag of every bulk request. A decision not
// found in it (a snapshot's outcomes miss none today) is formatted as it
// comes. The outcomes of all flags share one array and their JSON one
// buffer, so that a request reads few cache lines.
//
// When the whole objects (one per outcome and reason) fit in
// maxWholeObjects bytes, the buffer holds them, and an answer is one copy;
// otherwise it holds each outcome's object split around its reason
// member, and an answer is three copies.
type fragments struct {
	snap  *engine.Snapshot
	flags [][]outcome // flag i's outcomes, in one shared array
	buf   []byte
	whole bool
}

// maxWholeObjects bounds the bytes of a snapshot's whole objects (see
// fragments): about a thousand flags.
const maxWholeObjects = 1 << 20

// outcome is one value and variant a flag can answer, as the engine
// decides them (Decision.Value, Decision.Variant, and whether the flag is
// pinned), and its objects. Whole: the object of reason r is
// buf[at[r]:at[r+1]]. Split: the head (`{"key":K,"value":V`) is
// buf[at[0]:at[1]], then comes the reason member, then the tail
// (`,"variant":"NAME"}` with evalmap.Variant's name, or `}`),
// buf[at[1]:at[2]].
type outcome struct {
	val     engine.Value
	variant string
	pinned  bool
	at      [nReasons + 1]int32
}

// maxFlagOutcomes bounds the outcomes a flag's fragments list: a flag with
// more (a variant flag of many variants) has none, and its answers are
// formatted as they come, so that neither building the fragments (each
// outcome is compared with those before it) nor finding one (a linear
// search) grows with the square of, or linearly in, its variants.
const maxFlagOutcomes = 16

// nReasons is the number of evalmap.Reasons.
const nReasons = 6

// reasonMembers[r] is the `,"reason":"R"` member of reason r.
var reasonMembers = func() (m [nReasons][]byte) {
	if len(evalmap.Reasons) != nReasons {
		panic("flaghttp: nReasons is not the number of evalmap.Reasons")
	}
	for i, r := range evalmap.Reasons {
		m[i] = []byte(`,"reason":"` + r + `"`)
	}
	return m
}()

// fragmentsOf returns the fragments of snapshot snap, building them when
// the last ones built are another snapshot's and snap is still the
// current one; nil while another request builds them, or when snap is no
// longer current (a request that began before a live change), so that the
// current snapshot's fragments are never replaced by an older one's: the
// callers format their answers meanwhile.
func (h *handler) fragmentsOf(snap *engine.Snapshot) *fragments {
	if f := h.frags.Load(); f != nil && f.snap == snap {
		return f
	}
	if snap != h.ev.Snapshot() || !h.building.CompareAndSwap(false, true) {
		return nil
	}
	defer h.building.Store(false)
	f := h.buildFragments(snap, false)
	if wholeSize(f) <= maxWholeObjects {
		f = h.buildFragments(snap, true)
	}
	h.frags.Store(f)
	return f
}

// wholeSize returns the bytes the whole objects of split fragments f
// would take.
func wholeSize(f *fragments) int {
	reasons := 0
	for _, m := range reasonMembers {
		reasons += len(m)
	}
	n := 0
	for _, outs := range f.flags {
		for _, o := range outs {
			n += nReasons*int(o.at[2]-o.at[0]) + reasons
		}
	}
	return n
}

// buildFragments returns the fragments of snap, with whole objects or
// split ones.
func (h *handler) buildFragments(snap *engine.Snapshot, whole bool) *fragments {
	f := &fragments{snap: snap, flags: make([][]outcome, len(h.flags)), whole: whole}
	var outs []outcome
	first := make([]int, len(h.flags)+1)
	for i := range h.flags {
		first[i] = len(outs)
		if i >= snap.Len() {
			continue
		}
		pinned := snap.Pinned(i)
		bufStart, tooMany := len(f.buf), false
		snap.Outcomes(i, func(v engine.Value, variant string) {
			if tooMany {
				return
			}
			d := bridge.Decision{Value: v, Variant: variant}
			if pinned {
				d.Step = "pinned"
			}
			for k := first[i]; k < len(outs); k++ {
				if outs[k].matches(&d) {
					return // listed already
				}
			}
			if len(outs)-first[i] == maxFlagOutcomes {
				tooMany = true
				return
			}
			o := outcome{val: v, variant: variant, pinned: pinned}
			o.at[0] = int32(len(f.buf))
			if whole {
				for r := range nReasons {
					f.buf = h.appendObject(f.buf, i, v, reasonMembers[r], evalmap.Variant(d))
					o.at[r+1] = int32(len(f.buf))
				}
			} else {
				f.buf = append(f.buf, h.flags[i].prefix...)
				f.buf = v.AppendJSON(f.buf)
				o.at[1] = int32(len(f.buf))
				f.buf = appendVariant(f.buf, evalmap.Variant(d))
				o.at[2] = int32(len(f.buf))
			}
			outs = append(outs, o)
		})
		if tooMany {
			outs, f.buf = outs[:first[i]], f.buf[:bufStart]
		}
	}
	first[len(h.flags)] = len(outs)
	for i := range f.flags {
		f.flags[i] = outs[first[i]:first[i+1]:first[i+1]]
	}
	return f
}

// matches reports whether o is the outcome of decision d.
func (o *outcome) matches(d *bridge.Decision) bool {
	return o.variant == d.Variant && o.val == d.Value && o.pinned == (d.Step == "pinned")
}

// appendObject appends flag i's evaluationSuccess object of value v,
// reason member reason and variant variant (evalmap.Variant's) to b.
func (h *handler) appendObject(b []byte, i int, v engine.Value, reason []byte, variant string) []byte {
	b = append(b, h.flags[i].prefix...)
	b = v.AppendJSON(b)
	b = append(b, reason...)
	return appendVariant(b, variant)
}

// find returns flag i's outcome of decision d, or nil.
func (f *fragments) find(i int, d *bridge.Decision) *outcome {
	outs := f.flags[i]
	for k := range outs {
		if o := &outs[k]; o.matches(d) {
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
// evaluation in ec.
func (h *handler) appendDecided(b []byte, ec evalShard, f *fragments, i int, d *bridge.Decision) []byte {
	ri := evalmap.ReasonOf(*d)
	ec.inc(i, ri)
	if f != nil {
		if o := f.find(i, d); o != nil {
			if f.whole {
				return append(b, f.buf[o.at[ri]:o.at[ri+1]]...)
			}
			b = append(b, f.buf[o.at[0]:o.at[1]]...)
			b = append(b, reasonMembers[ri]...)
			return append(b, f.buf[o.at[1]:o.at[2]]...)
		}
	}
	return h.appendObject(b, i, d.Value, reasonMembers[ri], evalmap.Variant(*d))
}
