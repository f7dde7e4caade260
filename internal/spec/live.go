package spec

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Live state that the spec refuses affects only the flags involved. A
// flag's live patch is refused when it is not valid for the flag (it does
// not decode, or a hand-built Patch fails the flag's checks) or when its
// depends_on closes a dependency cycle. A refused patch does not apply:
// its flag takes its definition from the spec, except that a kill switch
// in the refused patch still holds ("active" false or null, or a
// "tripped" reason), so that a refused value never switches a flag on.
// Every other flag's patch applies.
//
// Which patches a cycle refuses depends only on the set of patches, never
// on the order they came in nor on what was applied before, so every
// instance that holds the same live state and spec agrees: while the
// flags' dependencies (each flag's patched depends_on, or the spec's for
// a flag whose patch is refused or sets none) make a cycle, the patch of
// every flag that has a dependency inside a cycle that its spec
// definition lacks is refused (its flag falls back to the spec's
// depends_on). The spec itself has no cycle, so each round refuses at
// least one patch, and the rounds end.

// refusal is one flag's refused live patch in a live spec.
type refusal struct {
	// def is the flag as its patch defines it, for a patch refused for a
	// dependency cycle (nil: the patch is not valid for the flag).
	def *Flag
	// fallback is the patch that stands in for the refused one (nil: the
	// flag as the spec defines it).
	fallback *Patch
	// err says why, with pointers into the patch ("/depends_on/0: …").
	err ErrorList
}

// ApplyLive is Apply for live state: instead of refusing the whole set of
// patches when one is bad, it refuses each bad patch alone and applies the
// others, by the rule at the top of this file. Refused on the result lists
// the refusals; ApplyLive itself never fails. A patch naming a flag the
// spec lacks is refused too (and changes nothing).
func (s *Spec) ApplyLive(patches map[string]*Patch) *Spec {
	ns := *s
	ns.Flags = slices.Clone(s.Flags)
	ns.refused = map[string]*refusal{}
	var segs map[string]*Patch
	for name, p := range patches {
		if _, ok := segmentOf(name); ok {
			if segs == nil {
				segs = map[string]*Patch{}
			}
			segs[name] = p
			continue
		}
		s.define(&ns, name, p)
	}
	s.breakCycles(&ns)
	s.applySegments(&ns, segs)
	return ns.compactRefused()
}

// Reapply is ApplyLive of a new set of patches at the cost of what changed:
// live is the result of ApplyLive (or Reapply) for the previous set, or s
// itself for none, and changed holds, for each flag whose patch differs
// between the sets, its new patch (nil: the flag has no patch now). Flags
// not in changed keep their live definition; dependency cycles are looked
// for again only when a changed flag's dependencies differ from before.
// The result, refusals included, is ApplyLive's over the whole new set. It
// fails only when live is not a live spec of s.
func (s *Spec) Reapply(live *Spec, changed map[string]*Patch) (*Spec, error) {
	if len(live.Flags) != len(s.Flags) {
		return nil, fmt.Errorf("spec: Reapply: live spec has %d flags, the spec %d", len(live.Flags), len(s.Flags))
	}
	ns := *s
	ns.Flags = slices.Clone(live.Flags)
	ns.refused = maps.Clone(live.refused)
	if ns.refused == nil {
		ns.refused = map[string]*refusal{}
	}
	ns.Segments, ns.segmentPatches = live.Segments, live.segmentPatches
	if segs, ok := segmentPatchesChanged(live, changed); ok {
		s.applySegments(&ns, segs)
	}
	deps := false        // some flag's dependencies differ from before
	var onCycle []string // changed flags refused for a cycle before, with the same dependencies
	for name, p := range changed {
		if _, ok := segmentOf(name); ok {
			continue
		}
		f := s.Flag(name)
		var before []string // the flag's dependencies in the last cycle search
		if f != nil {
			before = live.Flags[f.Index].DependsOn
		}
		prev := ns.refused[name]
		if prev != nil && prev.def != nil {
			before = prev.def.DependsOn
		}
		s.define(&ns, name, p)
		if f == nil {
			continue
		}
		if !slices.Equal(ns.Flags[f.Index].DependsOn, before) {
			deps = true
		} else if prev != nil && prev.def != nil && ns.refused[name] == nil {
			onCycle = append(onCycle, name)
		}
	}
	if deps {
		// Look for cycles again over every flag as its patch defines it.
		for name, r := range ns.refused {
			if r.def != nil {
				ns.Flags[r.def.Index] = r.def
				delete(ns.refused, name)
			}
		}
		s.breakCycles(&ns)
	} else {
		// The dependencies are those of the last search: a flag whose
		// patch it refused stays refused, with its new patch's kill switch.
		for _, name := range onCycle {
			f := s.Flag(name)
			s.refuseForCycle(&ns, ns.Flags[f.Index], live.refused[name].err)
		}
	}
	return ns.compactRefused(), nil
}

// Refused returns, for a live spec made by ApplyLive or Reapply, each flag
// whose live patch is refused and why (an ErrorList with pointers into the
// patch, e.g. "/depends_on/0: dependency cycle a → b → a"); nil when none
// is.
func (s *Spec) Refused() map[string]error {
	if len(s.refused) == 0 {
		return nil
	}
	out := make(map[string]error, len(s.refused))
	for name, r := range s.refused {
		out[name] = r.err
	}
	return out
}

// Fallback returns what stands in for flag's live patch raw when the spec
// refuses it: nil (the flag as the spec defines it), or, when raw is a
// JSON object holding a kill switch ("active" false or null, or a
// non-empty "tripped" string), the patch of that kill switch alone.
func (s *Spec) Fallback(flag string, raw []byte) *Patch {
	f := s.Flag(flag)
	if f == nil {
		return nil
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil {
		return nil
	}
	off := false
	if a, ok := fields["active"]; ok {
		a = bytes.TrimSpace(a)
		off = string(a) == "false" || string(a) == "null"
	}
	var tripped string
	if json.Unmarshal(fields["tripped"], &tripped) != nil {
		tripped = ""
	}
	_, p := s.killSwitch(f, off, tripped)
	return p
}

// Live is a live state applied to a spec: what ApplyLiveState and
// ApplyLiveChanges return.
type Live struct {
	// Spec is the spec with the live patches applied (ApplyLive's result).
	Spec *Spec
	// Patches holds, by flag, the patch given to ApplyLive: the decoded
	// live patch, or the Fallback of one that did not decode (none when
	// that is nil).
	Patches map[string]*Patch
	// Undecoded holds, by flag, why its live patch did not decode.
	Undecoded map[string]error
}

// Refused returns every refusal of the live state by flag, whether the
// patch did not decode or Spec refuses it (a dependency cycle); nil when
// none is.
func (l *Live) Refused() map[string]error {
	out := l.Spec.Refused()
	for name, err := range l.Undecoded {
		if out == nil {
			out = map[string]error{}
		}
		out[name] = err
	}
	return out
}

// Effective returns the patch in effect for each flag that has one: its
// patch in Patches, or, for one Spec refuses, its fallback.
func (l *Live) Effective() map[string]*Patch {
	out := maps.Clone(l.Patches)
	for name, r := range l.Spec.refused {
		if r.fallback == nil {
			delete(out, name)
		} else {
			out[name] = r.fallback
		}
	}
	return out
}

// LiveState decodes the raw live patches of a live state (by flag name,
// as a store holds them) and applies them: ApplyLiveState with no cache.
// It returns the live spec, the patch in effect for each flag that has
// one (Live.Effective) and every refusal by flag (Live.Refused).
func (s *Spec) LiveState(flags map[string]json.RawMessage) (live *Spec, effective map[string]*Patch, refused map[string]error) {
	l := s.ApplyLiveState(nil, flags)
	return l.Spec, l.Effective(), l.Refused()
}

// LiveCache remembers the live patches of a spec decoded before, by flag
// and raw text, and what passed the schema (PatchCache), so that applying
// a live state after a few changes decodes only the changed patches. It
// holds a short patch's text and a SHA-256 sum of a longer one, never a
// large patch's text. The zero value is empty and ready. A LiveCache
// serves one Spec; its methods must not run concurrently with each other
// (Clone gives a copy for another goroutine).
type LiveCache struct {
	pc      *PatchCache // shared by clones: safe for concurrent use
	decoded map[string]decoding
}

// decoding is a cached decoding of one flag's raw live patch: p when it
// decoded, else err and fb, what stands in for it (Spec.Fallback).
type decoding struct {
	raw string // rawKey of the raw bytes
	p   *Patch
	err error
	fb  *Patch
}

// patch returns the patch in effect for the decoding d: d's patch, or the
// fallback of one that did not decode.
func (d decoding) patch() *Patch {
	if d.err != nil {
		return d.fb
	}
	return d.p
}

// rawKey identifies a raw patch by its text when shorter than a SHA-256
// sum, else by that sum (so a key is never longer than 32 bytes, and the
// two forms cannot collide).
func rawKey(raw []byte) string {
	if len(raw) < sha256.Size {
		return string(raw)
	}
	sum := sha256.Sum256(raw)
	return string(sum[:])
}

// Clone returns a copy of c that shares its PatchCache.
func (c *LiveCache) Clone() *LiveCache {
	c.init()
	return &LiveCache{pc: c.pc, decoded: maps.Clone(c.decoded)}
}

func (c *LiveCache) init() {
	if c.pc == nil {
		c.pc = new(PatchCache)
	}
}

// DecodePatches is DecodePatches over c's PatchCache: it neither reads
// nor changes c's decodings.
func (c *LiveCache) DecodePatches(s *Spec, raw map[string][]byte) (patches map[string]*Patch, errs map[string]error) {
	c.init()
	return c.pc.DecodePatches(s, raw)
}

// Decode decodes the live patches of the spec's flags in flags (flags the
// spec lacks are skipped), reusing c's decodings whose raw bytes are
// unchanged, and adds the new ones to c. It returns the patch in effect
// for each flag that has one (a patch that did not decode: its Fallback,
// if any), why each patch that did not decode failed, and the flags
// decoded now, sorted.
func (c *LiveCache) Decode(s *Spec, flags map[string]json.RawMessage) (patches map[string]*Patch, undecoded map[string]error, fresh []string) {
	c.init()
	if c.decoded == nil {
		c.decoded = map[string]decoding{}
	}
	patches = make(map[string]*Patch, len(flags))
	undecoded = map[string]error{}
	var todo map[string][]byte
	for name, raw := range flags {
		d, ok := c.decoded[name]
		if !ok || d.raw != rawKey(raw) {
			if !s.HasPatchTarget(name) {
				continue
			}
			if todo == nil {
				todo = map[string][]byte{}
			}
			todo[name] = raw
			continue
		}
		if p := d.patch(); p != nil {
			patches[name] = p
		}
		if d.err != nil {
			undecoded[name] = d.err
		}
	}
	if len(todo) == 0 {
		return patches, undecoded, nil
	}
	decoded, errs := c.pc.DecodePatches(s, todo)
	for name, raw := range todo {
		d := decoding{raw: rawKey(raw), p: decoded[name], err: errs[name]}
		if d.err != nil {
			d.fb = s.Fallback(name, raw)
			undecoded[name] = d.err
		}
		if p := d.patch(); p != nil {
			patches[name] = p
		}
		c.decoded[name] = d
		fresh = append(fresh, name)
	}
	slices.Sort(fresh)
	return patches, undecoded, fresh
}

// ApplyLiveState decodes the raw live patches of a whole live state (by
// flag name, as a store holds them) as DecodePatches does, reusing the
// decodings in c (nil: none), stands Fallback in for each that does not
// decode and applies them all with ApplyLive. Flags the spec lacks
// (registered by name lookups) are skipped. Afterwards c holds the
// decodings of flags alone.
func (s *Spec) ApplyLiveState(c *LiveCache, flags map[string]json.RawMessage) *Live {
	if c == nil {
		c = new(LiveCache)
	}
	for name := range c.decoded {
		if _, ok := flags[name]; !ok {
			delete(c.decoded, name)
		}
	}
	patches, undecoded, _ := c.Decode(s, flags)
	return &Live{Spec: s.ApplyLive(patches), Patches: patches, Undecoded: undecoded}
}

// ApplyLiveChanges is ApplyLiveState for the live state that changes (by
// flag: its new raw patch, nil for a deleted entry) make of the state
// prev was applied from, at the cost of what changed: only the changed
// flags are decoded and applied (Reapply), with the same outcome as
// ApplyLiveState of the whole new state. prev is not changed; c keeps
// the new decodings. It fails only when prev is not a live state of s.
func (s *Spec) ApplyLiveChanges(c *LiveCache, prev *Live, changes map[string]json.RawMessage) (*Live, error) {
	if c == nil {
		c = new(LiveCache)
	}
	present := make(map[string]json.RawMessage, len(changes))
	for name, raw := range changes {
		if raw == nil {
			delete(c.decoded, name)
		} else {
			present[name] = raw
		}
	}
	now, undecodedNow, _ := c.Decode(s, present)
	next := &Live{Patches: maps.Clone(prev.Patches), Undecoded: maps.Clone(prev.Undecoded)}
	if next.Patches == nil {
		next.Patches = map[string]*Patch{}
	}
	changed := make(map[string]*Patch, len(changes))
	for name := range changes {
		if !s.HasPatchTarget(name) {
			continue // not in the spec: skipped, as Decode does
		}
		delete(next.Undecoded, name)
		if err := undecodedNow[name]; err != nil {
			if next.Undecoded == nil {
				next.Undecoded = map[string]error{}
			}
			next.Undecoded[name] = err
		}
		p := now[name]
		if p != prev.Patches[name] {
			changed[name] = p
		}
		if p == nil {
			delete(next.Patches, name)
		} else {
			next.Patches[name] = p
		}
	}
	live, err := s.Reapply(prev.Spec, changed)
	if err != nil {
		return nil, err
	}
	next.Spec = live
	return next, nil
}

// RefusedFields returns the patch fields that a refusal's errors point at
// (as Refused and DecodePatch give them), in patch field order: reverting
// them to the spec repairs the patch. It returns nil when an error points
// at no field (the patch is not a JSON object, or names an unknown field):
// the whole patch must be replaced.
func RefusedFields(err error) []string {
	var list ErrorList
	if !errors.As(err, &list) || len(list) == 0 {
		return nil
	}
	seen := map[string]bool{}
	for _, e := range list {
		tok, _, _ := strings.Cut(strings.TrimPrefix(e.Pointer, "/"), "/")
		if !strings.HasPrefix(e.Pointer, "/") || !slices.Contains(patchFields, tok) {
			return nil
		}
		seen[tok] = true
	}
	var out []string
	for _, f := range patchFields {
		if seen[f] {
			out = append(out, f)
		}
	}
	return out
}

// define sets flag name of the live spec ns to its definition with patch p
// (nil: the spec's), or, when p is not valid for the flag, to the flag's
// fallback, recording the refusal; it clears an earlier refusal of name.
func (s *Spec) define(ns *Spec, name string, p *Patch) {
	delete(ns.refused, name)
	if p != nil && p.against == s && p.checked != nil && p.checked.Name == name {
		ns.Flags[p.checked.Index] = p.checked // decoded and checked over s already
		return
	}
	f := s.Flag(name)
	if f == nil {
		if p != nil {
			ns.refused[name] = &refusal{err: ErrorList{{Msg: fmt.Sprintf("unknown flag %q%s", name, didYouMean(name, flagNames(s)))}}}
		}
		return
	}
	switch {
	case p == nil:
		ns.Flags[f.Index] = f
	default:
		pf, errs := s.patchChecked(ns, f, p)
		if pf != nil {
			c := &checker{s: ns}
			c.flag(pf)
			errs = append(errs, c.errs...)
		}
		if len(errs) == 0 {
			ns.Flags[f.Index] = pf
			return
		}
		for _, e := range errs {
			e.File, e.Line, e.Col = "", 0, 0
			e.Pointer = strings.TrimPrefix(e.Pointer, flagPtr(f))
		}
		off := p.Active != nil && !*p.Active || slices.Contains(p.Null, "active")
		tripped := ""
		if p.Tripped != nil {
			tripped = *p.Tripped
		}
		def, fb := s.killSwitch(f, off, tripped)
		ns.Flags[f.Index] = def
		ns.refused[name] = &refusal{fallback: fb, err: ErrorList(errs).sortDedup()}
	}
}

// killSwitch returns flag f as the spec defines it, switched off when off
// and tripped for the reason tripped when it is not empty (what stands in
// for a refused patch), and the patch that makes it from f (nil: none, the
// flag is f).
func (s *Spec) killSwitch(f *Flag, off bool, tripped string) (*Flag, *Patch) {
	def := *f
	p := &Patch{checked: &def, against: s}
	if off && f.Active {
		p.Active, def.Active = new(bool), false
	}
	if tripped != "" && tripped != f.Tripped {
		p.Tripped, def.Tripped = &tripped, tripped
	}
	if p.Active == nil && p.Tripped == nil {
		return f, nil
	}
	return &def, p
}

// refuseForCycle refuses the patch that defines flag def in the live spec
// ns, for the dependency cycle err: the flag takes its fallback.
func (s *Spec) refuseForCycle(ns *Spec, def *Flag, err ErrorList) {
	f := s.Flags[def.Index]
	fdef, fb := s.killSwitch(f, !def.Active, def.Tripped)
	ns.Flags[def.Index] = fdef
	ns.refused[def.Name] = &refusal{def: def, fallback: fb, err: err}
}

// breakCycles refuses, round after round until the flags of the live spec
// ns make no dependency cycle, the patch of each flag that has a
// dependency inside a cycle that its spec definition lacks.
func (s *Spec) breakCycles(ns *Spec) {
	index := func(name string) int {
		if f := s.Flag(name); f != nil {
			return f.Index
		}
		return -1
	}
	if !slices.ContainsFunc(ns.Flags, func(f *Flag) bool { return !slices.Equal(f.DependsOn, s.Flags[f.Index].DependsOn) }) {
		return // the spec's dependencies: no cycle
	}
	for {
		comp, cyclic := components(ns, index)
		type hit struct {
			def *Flag
			err ErrorList
		}
		var hits []hit
		for i, f := range ns.Flags {
			if !cyclic[comp[i]] {
				continue
			}
			for k, d := range f.DependsOn {
				j := index(d)
				if j < 0 || comp[j] != comp[i] || slices.Contains(s.Flags[i].DependsOn, d) {
					continue
				}
				path := cyclePath(ns, index, comp, i, j)
				hits = append(hits, hit{f, ErrorList{{
					Pointer: "/depends_on/" + strconv.Itoa(k),
					Msg:     "dependency cycle " + strings.Join(path, " → ") + " → " + path[0],
				}}})
				break
			}
		}
		if len(hits) == 0 {
			return
		}
		for _, h := range hits {
			s.refuseForCycle(ns, h.def, h.err)
		}
	}
}

// components returns the strongly connected component of each flag of ns
// over the depends_on edges (index maps a flag name to its index, -1 for
// none), and whether each component holds a cycle (Tarjan's algorithm).
func components(ns *Spec, index func(string) int) (comp []int, cyclic []bool) {
	n := len(ns.Flags)
	comp = make([]int, n)
	order := make([]int, n) // visit order + 1; 0: not visited
	low := make([]int, n)
	onStack := make([]bool, n)
	var stack []int
	next := 0
	var visit func(v int)
	visit = func(v int) {
		next++
		order[v], low[v] = next, next
		stack = append(stack, v)
		onStack[v] = true
		for _, d := range ns.Flags[v].DependsOn {
			w := index(d)
			switch {
			case w < 0:
			case order[w] == 0:
				visit(w)
				low[v] = min(low[v], low[w])
			case onStack[w]:
				low[v] = min(low[v], order[w])
			}
		}
		if low[v] != order[v] {
			return
		}
		id, size := len(cyclic), 0
		for {
			w := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			onStack[w] = false
			comp[w] = id
			size++
			if w == v {
				break
			}
		}
		cyclic = append(cyclic, size > 1)
	}
	for v := range n {
		if order[v] == 0 {
			visit(v)
		}
	}
	for v, f := range ns.Flags {
		if slices.Contains(f.DependsOn, f.Name) {
			cyclic[comp[v]] = true // a flag that depends on itself
		}
	}
	return comp, cyclic
}

// cyclePath returns the names of a shortest cycle through the edge from
// flag i to flag j of the same component (breadth first, in depends_on
// order, so the same graph always gives the same cycle), starting at i.
func cyclePath(ns *Spec, index func(string) int, comp []int, i, j int) []string {
	prev := map[int]int{j: -1}
	queue := []int{j}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		if v == i {
			break
		}
		for _, d := range ns.Flags[v].DependsOn {
			w := index(d)
			if w < 0 || comp[w] != comp[i] {
				continue
			}
			if _, seen := prev[w]; !seen {
				prev[w] = v
				queue = append(queue, w)
			}
		}
	}
	var back []string // i, …, j: from i back to j along prev
	for v := i; v != -1; v = prev[v] {
		back = append(back, ns.Flags[v].Name)
		if v == j {
			break
		}
	}
	slices.Reverse(back) // j, …, i
	return append([]string{ns.Flags[i].Name}, back[:len(back)-1]...)
}

// compactRefused returns s with a nil refused map when it holds none.
func (s *Spec) compactRefused() *Spec {
	if len(s.refused) == 0 {
		s.refused = nil
	}
	return s
}
