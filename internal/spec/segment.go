package spec

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
)

// segField is one field of a segment object: how the decoder reads it
// into the model (a null n removes it), the same code for the spec and
// for a segment's live patch.
type segField struct {
	name string
	set  func(b *builder, s *Spec, g *Segment, n *node)
}

// segmentTable lists the fields of a segment; segmentFields, which a test
// holds equal to the schema's "$defs/segment" properties, comes from it.
var segmentTable = []*segField{
	{"description", func(_ *builder, _ *Spec, g *Segment, n *node) { g.Description = str(n) }},
	{"include", func(b *builder, s *Spec, g *Segment, n *node) { g.Include = b.users(s, n) }},
	{"exclude", func(b *builder, s *Spec, g *Segment, n *node) { g.Exclude = b.users(s, n) }},
	{"regions", func(_ *builder, _ *Spec, g *Segment, n *node) { g.Regions = strs(n) }},
	{"account_types", func(_ *builder, _ *Spec, g *Segment, n *node) { g.AccountTypes = strs(n) }},
	{"beta_program", func(_ *builder, _ *Spec, g *Segment, n *node) { g.BetaProgram = boolean(n) }},
	{"rules", func(b *builder, s *Spec, g *Segment, n *node) {
		g.Rules = nil
		if n.kind == kArray {
			g.Rules = make([]*Rule, len(n.elems))
			for i, e := range n.elems {
				g.Rules[i] = b.rule(s, e)
			}
		}
	}},
	{"segments", func(_ *builder, _ *Spec, g *Segment, n *node) { g.Segments = strs(n) }},
}

// segmentFields are the names of segmentTable's fields, in order.
var segmentFields = func() []string {
	out := make([]string, len(segmentTable))
	for i, fd := range segmentTable {
		out[i] = fd.name
	}
	return out
}()

// SegmentFields lists the fields of a segment, in the spec's order: what a
// segment's live patch may set.
func SegmentFields() []string { return slices.Clone(segmentFields) }

// segment builds segment name from its object n.
func (b *builder) segment(s *Spec, name string, n *node) *Segment {
	g := &Segment{Name: name}
	if n != nil && n.kind == kObject {
		for i, key := range n.keys {
			b.setSegmentField(s, g, key, n.elems[i])
		}
	}
	return g
}

// setSegmentField sets one field of g from n; a JSON null (or nil n)
// removes it. A key that is no segment field is ignored (the schema
// reports it).
func (b *builder) setSegmentField(s *Spec, g *Segment, key string, n *node) {
	i := slices.Index(segmentFields, key)
	if i < 0 {
		return
	}
	if n == nil {
		n = &node{kind: kNull, keyOff: -1}
	}
	segmentTable[i].set(b, s, g, n)
}

func segmentPtr(name string) string { return "/segments/" + escapeToken(name) }

// segments checks every segment: its name (by the rules of a flag's), its
// fields against the context, the segments it names, and that no segment
// reaches itself through "segments" (each cycle reported once).
func (c *checker) segments() {
	for _, g := range c.s.Segments {
		if goName := GoName(g.Name); !isExportedIdent(goName) {
			c.errorf(segmentPtr(g.Name), "segment %q does not make an exported Go identifier (%q): name it as a flag is named, like eu_beta", g.Name, goName)
		}
		c.segment(g)
	}
	c.segmentCycles()
}

func (c *checker) segment(g *Segment) {
	p := segmentPtr(g.Name)
	c.targetingChecks(p, g.Regions, g.AccountTypes, g.BetaProgram, g.Rules)
	c.keys(p, "include", g.Include)
	c.keys(p, "exclude", g.Exclude)
	c.segmentRefs(p, g.Segments)
	if g.Include == nil || g.Exclude == nil {
		return
	}
	for i := range g.Exclude.Len() {
		k := g.Exclude.At(i)
		var in bool
		switch v := k.(type) {
		case int64:
			in = g.Include.HasInt(v)
		case string:
			in = g.Include.HasString(v)
		}
		if in {
			c.errorf(p+"/exclude/"+strconv.Itoa(i), "%s is in both include and exclude: list it in one", quoteAny(k))
		}
	}
}

// segmentRefs checks the segment names of the "segments" of the flag or
// segment at pointer p.
func (c *checker) segmentRefs(p string, names []string) {
	for i, name := range names {
		if c.s.Segment(name) == nil {
			c.errorf(p+"/segments/"+strconv.Itoa(i), "unknown segment %q%s", name, didYouMean(name, segmentNames(c.s)))
		}
	}
}

// segmentCycles reports each cycle of segments naming segments once, at
// the reference that closes it from its first segment by name (or the
// first preferred one, the patched segment of a live patch, on it).
func (c *checker) segmentCycles() {
	color := map[string]int{} // 0 new, 1 on the path, 2 done
	var path []string
	seen := map[string]bool{}
	var visit func(g *Segment)
	visit = func(g *Segment) {
		color[g.Name] = 1
		path = append(path, g.Name)
		for _, d := range g.Segments {
			h := c.s.Segment(d)
			if h == nil {
				continue
			}
			switch color[d] {
			case 0:
				visit(h)
			case 1:
				c.segmentCycle(slices.Clone(path[slices.Index(path, d):]), seen)
			}
		}
		path = path[:len(path)-1]
		color[g.Name] = 2
	}
	for _, g := range c.s.Segments {
		if color[g.Name] == 0 {
			visit(g)
		}
	}
}

func (c *checker) segmentCycle(members []string, seen map[string]bool) {
	var prefer []string // the patched segments
	for _, p := range c.prefer {
		if seg, ok := segmentOf(p); ok {
			prefer = append(prefer, seg)
		}
	}
	rot, fresh := rotateCycle(members, prefer, seen)
	if !fresh {
		return
	}
	next := rot[0]
	if len(rot) > 1 {
		next = rot[1]
	}
	first := c.s.Segment(rot[0])
	c.errorf(segmentPtr(first.Name)+"/segments/"+strconv.Itoa(slices.Index(first.Segments, next)),
		"segment cycle %s → %s", strings.Join(rot, " → "), rot[0])
	c.segCycles = append(c.segCycles, segCycle{members: rot, err: c.errs[len(c.errs)-1]})
}

// segCycle is one cycle of segments a checker reported: its members, each
// naming the next (the last the first), and the error reporting it.
type segCycle struct {
	members []string
	err     *Error
}

// SegmentPrefix starts the name under which a store holds a segment's live
// patch, in the same map as the flags' patches: "segment:eu_beta". No flag
// can have such a name: a flag's name must make an exported Go identifier,
// and ':' is in none.
const SegmentPrefix = "segment:"

func segmentNames(s *Spec) []string {
	names := make([]string, len(s.Segments))
	for i, g := range s.Segments {
		names[i] = g.Name
	}
	return names
}

// MarshalJSON writes g as a spec's segment object: the fields it sets, in
// SegmentFields order.
func (g *Segment) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	add := func(name string, v any) error {
		if buf.Len() > 1 {
			buf.WriteByte(',')
		}
		buf.WriteString(strconv.Quote(name) + ":")
		text, err := encodeField(name, v)
		buf.Write(text)
		return err
	}
	for _, fd := range segmentFields {
		var v any
		switch fd {
		case "description":
			if g.Description != "" {
				v = g.Description
			}
		case "include":
			if g.Include != nil {
				v = g.Include
			}
		case "exclude":
			if g.Exclude != nil {
				v = g.Exclude
			}
		case "regions":
			v = sliceOrNil(g.Regions)
		case "account_types":
			v = sliceOrNil(g.AccountTypes)
		case "beta_program":
			if g.BetaProgram {
				v = true
			}
		case "rules":
			if g.Rules != nil {
				rules := make([]any, len(g.Rules))
				for i, r := range g.Rules {
					rules[i] = r.jsonValue()
				}
				v = rules
			}
		case "segments":
			v = sliceOrNil(g.Segments)
		}
		if v == nil {
			continue
		}
		if err := add(fd, v); err != nil {
			return nil, err
		}
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}
