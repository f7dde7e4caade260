package engine

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/flaggen/flaggen/internal/spec"
)

// cseg is one segment compiled for a Snapshot, shared by the compiled
// flags that list it (ccomp.segs) and the segments that name it.
type cseg struct {
	name    string
	idx     int       // its index among the Snapshot's segments, for segMemo
	include *spec.IDs // nil: none
	exclude *spec.IDs // nil: none
	targets bool      // has a check beyond include and exclude
	rules   []rule    // regions, account_types, beta_program, rules
	segs    []*cseg   // the context must match one of these, when set (non-nil)
	nseg    int       // the number of the Snapshot's segments
}

// How a segment decided a match (verdict.via).
const (
	viaNone      uint8 = iota
	viaInclude         // the key is in include
	viaTargeting       // every check of the segment passes
)

// compileSegments compiles every segment of live, those a segment names
// first (the spec guarantees no cycle).
func compileSegments(live *spec.Spec, attr func(string) int) (map[string]*cseg, error) {
	out := make(map[string]*cseg, len(live.Segments))
	var compile func(g *spec.Segment, depth int) (*cseg, error)
	compile = func(g *spec.Segment, depth int) (*cseg, error) {
		if c, ok := out[g.Name]; ok {
			return c, nil
		}
		if depth > len(live.Segments) {
			return nil, fmt.Errorf("segment cycle through segment %q", g.Name)
		}
		rules, err := compileTargeting(attr, g.Regions, g.AccountTypes, g.BetaProgram, g.Rules)
		if err != nil {
			return nil, fmt.Errorf("segment %q: %w", g.Name, err)
		}
		c := &cseg{name: g.Name, include: g.Include, exclude: g.Exclude, targets: g.Targets(), rules: rules}
		if g.Segments != nil {
			c.segs = make([]*cseg, 0, len(g.Segments))
		}
		for _, name := range g.Segments {
			h := live.Segment(name)
			if h == nil {
				return nil, fmt.Errorf("segment %q: unknown segment %q", g.Name, name)
			}
			ch, err := compile(h, depth+1)
			if err != nil {
				return nil, err
			}
			c.segs = append(c.segs, ch)
		}
		c.idx = len(out)
		out[g.Name] = c
		return c, nil
	}
	for _, g := range live.Segments {
		if _, err := compile(g, 0); err != nil {
			return nil, err
		}
	}
	for _, c := range out {
		c.nseg = len(out)
	}
	return out, nil
}

// sameSegments reports whether a and b hold the same segment definitions
// (a live spec shares the definitions its patches leave alone).
func sameSegments(a, b *spec.Spec) bool {
	return slices.Equal(a.Segments, b.Segments)
}

// segMemo remembers, during one evaluation, which segments the context
// is in, so that a segment named by several others (a diamond) is
// evaluated once: an evaluation costs at most one match per segment.
type segMemo struct {
	// done and in: bit cseg.idx is set when the segment is decided, and
	// when the context is in it; the first 64*memoWords segments in the
	// arrays (no allocation), the others in the slices.
	done, in         [memoWords]uint64
	doneMore, inMore []uint64
	evals            int // segments evaluated (match calls), for tests
}

// memoWords is the size of the bitsets a segMemo holds inline: up to
// 64*memoWords segments, an evaluation allocates nothing.
const memoWords = 16

// init sets m up for n segments.
func (m *segMemo) init(n int) {
	if w := (n+63)/64 - memoWords; w > 0 {
		m.doneMore, m.inMore = make([]uint64, w), make([]uint64, w)
	}
}

// words returns the words of m that hold segment g's bits, and its bit.
func (m *segMemo) words(g *cseg) (done, in *uint64, bit uint64) {
	w, bit := g.idx>>6, uint64(1)<<(g.idx&63)
	if w < memoWords {
		return &m.done[w], &m.in[w], bit
	}
	return &m.doneMore[w-memoWords], &m.inMore[w-memoWords], bit
}

// matches reports whether the context is in g, evaluating g only the first
// time.
func (m *segMemo) matches(g *cseg, a []Value, key *Value) bool {
	done, in, bit := m.words(g)
	if *done&bit != 0 {
		return *in&bit != 0
	}
	ok, _ := g.match(a, key, m)
	return ok
}

// match reports whether the context (attribute values a, key the key
// attribute's value or nil) is in segment g, and how, recording the
// answer in m.
func (g *cseg) match(a []Value, key *Value, m *segMemo) (bool, uint8) {
	m.evals++
	ok, via := g.decide(a, key, m)
	done, in, bit := m.words(g)
	*done |= bit
	if ok {
		*in |= bit
	}
	return ok, via
}

func (g *cseg) decide(a []Value, key *Value, m *segMemo) (bool, uint8) {
	if key != nil {
		if g.include != nil && inIDs(g.include, key) {
			return true, viaInclude
		}
		if g.exclude != nil && inIDs(g.exclude, key) {
			return false, viaNone
		}
	}
	if !g.targets {
		return false, viaNone
	}
	for k := range g.rules {
		if !g.rules[k].match(a) {
			return false, viaNone
		}
	}
	if g.segs == nil {
		return true, viaTargeting
	}
	for _, h := range g.segs {
		if m.matches(h, a, key) {
			return true, viaTargeting
		}
	}
	return false, viaNone
}

// matchSegments returns the index in c.segs of the first segment the
// context is in and how it matched, or -1 when it is in none.
func (c *ccomp) matchSegments(a []Value, key *Value) (int, uint8) {
	var m segMemo
	m.init(c.nseg)
	return c.matchSegmentsMemo(a, key, &m)
}

func (c *ccomp) matchSegmentsMemo(a []Value, key *Value, m *segMemo) (int, uint8) {
	for k, g := range c.segs {
		if ok, via := g.match(a, key, m); ok {
			return k, via
		}
	}
	return -1, viaNone
}

// why says, for explanations, why the context is or is not in g, e.g.
// "user_id 7 is included", "region: region in ["DE"] fails (region is "US")".
func (g *cseg) why(a []Value, key *Value, keyName string) string {
	if key != nil {
		if g.include != nil && inIDs(g.include, key) {
			return fmt.Sprintf("%s %s is included", keyName, key.GoString())
		}
		if g.exclude != nil && inIDs(g.exclude, key) {
			return fmt.Sprintf("%s %s is excluded", keyName, key.GoString())
		}
	}
	if !g.targets {
		if key == nil {
			return "targets nothing but its include list, and " + keyName + " is absent"
		}
		return fmt.Sprintf("targets nothing but its include list, which lacks %s %s", keyName, key.GoString())
	}
	for k := range g.rules {
		if r := &g.rules[k]; !r.match(a) {
			v := Value{}
			if uint(r.attr) < uint(len(a)) {
				v = a[r.attr]
			}
			return fmt.Sprintf("%s: %s fails (%s is %s)", r.field, r.describe(), r.attrNm, v.GoString())
		}
	}
	if g.segs == nil {
		return "every targeting check passes"
	}
	if len(g.segs) == 0 {
		return "in none of its segments (it lists none)"
	}
	m := new(segMemo)
	m.init(g.nseg)
	var names []string
	for _, h := range g.segs {
		if m.matches(h, a, key) {
			return "every targeting check passes, and it is in segment " + h.name
		}
		names = append(names, h.name)
	}
	return "in none of its segments " + strings.Join(names, ", ")
}

// inIDs reports whether the key v is in the list ids. Numbers compare by
// value across int and float, as Value.equal does.
func inIDs(ids *spec.IDs, v *Value) bool {
	switch v.kind {
	case kindInt:
		return ids.HasInt(int64(v.n))
	case kindFloat:
		f, _ := v.num()
		return f == math.Trunc(f) && f >= -(1<<63) && f < 1<<63 && ids.HasInt(int64(f))
	case kindString:
		return ids.HasString(v.s)
	}
	return false
}

// segmentsWhy says why the context (a) is in none of flag c's segments:
// `in none of eu_beta (user_id 8 is excluded), staff (…)`.
func (s *Snapshot) segmentsWhy(c *cflag, a []Value) string {
	if len(c.segs) == 0 {
		return "in none of its segments (it lists none)"
	}
	keyName := "key attribute"
	if s.live.Key != nil {
		keyName = s.live.Key.Name
	}
	var key *Value
	if uint(s.key) < uint(len(a)) && !a[s.key].failsAll() {
		key = &a[s.key]
	}
	parts := make([]string, len(c.segs))
	for k, g := range c.segs {
		parts[k] = g.name + " (" + g.why(a, key, keyName) + ")"
	}
	return "in none of " + strings.Join(parts, ", ")
}
