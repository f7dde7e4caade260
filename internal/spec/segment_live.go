package spec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/flaggen/flaggen/schema"
)

// A segment's live patch sits in the same map as the flags' patches,
// under its segment's name with SegmentPrefix ("segment:eu_beta"), so that
// stores, audit and change feeds carry it as they carry a flag's. It is a
// JSON object of segment fields (SegmentFields): each replaces the spec's,
// null removes it. It decodes (DecodePatch, DecodePatches) to a Patch that
// holds the patched, checked segment, and applies with the flags' patches
// (ApplyLive, Reapply). A segment patch that is not valid for the segment
// (it does not decode), or whose "segments" close a cycle of segments
// in the live state, is refused: its segment keeps the spec's definition,
// and Refused reports it under the patch's name. When patched segments
// make a cycle, the patch of every segment on it whose "segments" differ
// from the spec's is refused (the spec has no cycle, so that ends it),
// whatever order the patches came in.

// SegmentKey returns the name of segment's live patch: "segment:" +
// segment.
func SegmentKey(segment string) string { return SegmentPrefix + segment }

// segmentOf returns the segment a live patch name is for, and whether the
// name is a segment patch's.
func segmentOf(key string) (string, bool) { return strings.CutPrefix(key, SegmentPrefix) }

// HasPatchTarget reports whether name is a flag of s or the patch name of
// one of its segments (SegmentKey): what a live patch may be for.
func (s *Spec) HasPatchTarget(name string) bool {
	if seg, ok := segmentOf(name); ok {
		return s.Segment(seg) != nil
	}
	return s.Flag(name) != nil
}

// decodeSegmentPatch decodes the live patch data of segment seg (key is
// its patch name) over s: it validates it against the schema's
// "$defs/segmentPatch", applies it to the spec's segment and runs the
// segment's checks, cycles through the spec's other segments included.
// Errors are positioned in data, with pointers into the patch.
func decodeSegmentPatch(s *Spec, key, seg string, data []byte) (*Patch, error) {
	g := s.Segment(seg)
	if g == nil {
		return nil, ErrorList{{File: patchFile, Msg: fmt.Sprintf("unknown segment %q%s", seg, didYouMean(seg, segmentNames(s)))}}
	}
	base := segmentPtr(seg)
	doc, errs := decodePatchDocument(patchFile, data, base)
	if doc == nil {
		for _, e := range errs {
			e.Pointer = strings.TrimPrefix(e.Pointer, base)
		}
		return nil, errs
	}
	errs = append(errs, doc.validate(schema.SegmentPatch())...)
	clone := *g
	b := &builder{}
	if doc.root.kind == kObject {
		for i, k := range doc.root.keys {
			b.setSegmentField(s, &clone, k, doc.root.elems[i])
		}
	}
	errs = append(errs, b.errs...)
	if len(errs) == 0 {
		ns := *s
		ns.Segments = slices.Clone(s.Segments)
		ns.Segments[slices.Index(s.Segments, g)] = &clone
		c := &checker{s: &ns, prefer: []string{key}}
		c.segment(&clone)
		c.segmentCycles()
		errs = append(errs, c.errs...)
	}
	if len(errs) > 0 {
		return nil, doc.locateUnder(errs, base)
	}
	var text bytes.Buffer
	if err := json.Compact(&text, data); err != nil {
		return nil, ErrorList{{File: patchFile, Msg: err.Error()}}
	}
	return &Patch{segment: &clone, segmentJSON: text.Bytes(), against: s}, nil
}

// Segment returns the segment a segment patch defines (nil for a flag's
// patch).
func (p *Patch) Segment() *Segment { return p.segment }

// applySegments sets the segments of the live spec ns from the segment
// patches of a live state (by patch name; nil: none), recording in
// ns.refused a patch that does not apply, by the rule at the top of this
// file. It clears the earlier refusals of segment patches.
func (s *Spec) applySegments(ns *Spec, patches map[string]*Patch) {
	for name := range ns.refused {
		if _, ok := segmentOf(name); ok {
			delete(ns.refused, name)
		}
	}
	ns.segmentPatches = nil
	ns.Segments = s.Segments
	if len(patches) == 0 {
		return
	}
	ns.segmentPatches = patches
	ns.Segments = slices.Clone(s.Segments)
	index := map[string]int{}
	for i, g := range s.Segments {
		index[g.Name] = i
	}
	for key, p := range patches {
		seg, _ := segmentOf(key)
		i, known := index[seg]
		switch {
		case p == nil:
		case !known:
			ns.refused[key] = &refusal{err: ErrorList{{Msg: fmt.Sprintf("unknown segment %q%s", seg, didYouMean(seg, segmentNames(s)))}}}
		case p.segment == nil || p.against != s || p.segment.Name != seg:
			ns.refused[key] = &refusal{err: ErrorList{{Msg: fmt.Sprintf("not a live patch of segment %q decoded over this spec", seg)}}}
		default:
			ns.Segments[i] = p.segment
		}
	}
	for {
		c := &checker{s: ns}
		c.segmentCycles()
		if len(c.segCycles) == 0 {
			return
		}
		// Refuse every patched segment on a reported cycle whose
		// "segments" differ from the spec's.
		refused := false
		for _, cy := range c.segCycles {
			m, msg := cy.members, cy.err.Msg
			for k, seg := range m {
				i := index[seg]
				next := m[(k+1)%len(m)]
				if g := ns.Segments[i]; g != s.Segments[i] && !slices.Equal(g.Segments, s.Segments[i].Segments) {
					ptr := "/segments/" + strconv.Itoa(slices.Index(g.Segments, next))
					ns.Segments[i] = s.Segments[i]
					ns.refused[SegmentKey(seg)] = &refusal{err: ErrorList{{Pointer: ptr, Msg: msg}}}
					refused = true
				}
			}
		}
		if !refused {
			// Cannot happen (the spec has no cycle); should it, no
			// segment patch applies rather than a cycle.
			for key, p := range patches {
				seg, _ := segmentOf(key)
				if i, known := index[seg]; known && p != nil && ns.Segments[i] != s.Segments[i] {
					ns.Segments[i] = s.Segments[i]
					ns.refused[key] = &refusal{err: ErrorList{{Msg: "segment cycle in the live state"}}}
				}
			}
			return
		}
	}
}

// segmentPatchesChanged returns the segment patches of the live spec live
// with changed (by patch name; nil removes one) applied, and whether
// changed holds one.
func segmentPatchesChanged(live *Spec, changed map[string]*Patch) (map[string]*Patch, bool) {
	var out map[string]*Patch
	any := false
	for key, p := range changed {
		if _, ok := segmentOf(key); !ok {
			continue
		}
		if !any {
			out = maps.Clone(live.segmentPatches)
			if out == nil {
				out = map[string]*Patch{}
			}
			any = true
		}
		if p == nil {
			delete(out, key)
		} else {
			out[key] = p
		}
	}
	return out, any
}
