package ops

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/flaggen/flaggen/internal/bridge"
	"github.com/flaggen/flaggen/internal/spec"
	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/store"
)

// This file serves the segments (named audiences that flags list) to
// every surface: their effective definitions over the live state, and
// the writes of their live patches, which a store holds beside the
// flags' under spec.SegmentKey ("segment:eu_beta").

// SegmentInfo is one segment's effective definition: the spec's with the
// live patch applied, and who uses it.
type SegmentInfo struct {
	Segment     string `json:"segment"`
	Description string `json:"description,omitempty"`
	// Definition is the effective segment as a spec's segment object:
	// include, exclude, regions, account_types, beta_program, rules,
	// segments.
	Definition json.RawMessage `json:"definition"`
	// Include and Exclude are the effective key lists (nil: none).
	Include json.RawMessage `json:"include"`
	Exclude json.RawMessage `json:"exclude"`
	// Flags lists the flags that list the segment; UsedBy the segments
	// that name it; IndirectFlags the flags that use it only through
	// other segments (listing one that names it, directly or not). All
	// sorted.
	Flags         []string `json:"flags"`
	UsedBy        []string `json:"used_by,omitempty"`
	IndirectFlags []string `json:"indirect_flags,omitempty"`
	// Live is the segment's stored live patch (null when it has none).
	Live json.RawMessage `json:"live"`
	// Problem is set when the stored live patch is refused: instances
	// then use the spec's definition.
	Problem string `json:"problem,omitempty"`
}

// segmentInfos computes every segment's SegmentInfo, in name order, over
// the live spec live (stored: the live state's raw patches; refused: the
// refusals by patch name).
func segmentInfos(live *spec.Spec, stored map[string]json.RawMessage, refused map[string]error) ([]SegmentInfo, error) {
	out := make([]SegmentInfo, 0, len(live.Segments))
	for _, g := range live.Segments {
		def, err := json.Marshal(g)
		if err != nil {
			return nil, fmt.Errorf("segment %q: %v", g.Name, err)
		}
		si := SegmentInfo{Segment: g.Name, Description: g.Description, Definition: def,
			Include: idsJSON(g.Include), Exclude: idsJSON(g.Exclude), Live: stored[spec.SegmentKey(g.Name)]}
		si.Flags, si.UsedBy = live.SegmentUsers(g.Name)
		si.IndirectFlags = live.SegmentIndirectUsers(g.Name)
		if si.Flags == nil {
			si.Flags = []string{}
		}
		if si.Live == nil {
			si.Live = json.RawMessage("null")
		}
		if err := refused[spec.SegmentKey(g.Name)]; err != nil {
			si.Problem = "live patch refused: " + err.Error()
		}
		out = append(out, si)
	}
	return out, nil
}

func idsJSON(ids *spec.IDs) json.RawMessage {
	if ids == nil {
		return json.RawMessage("null")
	}
	text, err := ids.MarshalJSON()
	if err != nil {
		return json.RawMessage("null")
	}
	return text
}

// Segment returns the named segment's info, or nil.
func (in *Inspection) Segment(name string) *SegmentInfo {
	for i := range in.Segments {
		if in.Segments[i].Segment == name {
			return &in.Segments[i]
		}
	}
	return nil
}

// SegmentNames returns the names of sp's segments, sorted.
func SegmentNames(sp *runtime.Spec) []string {
	var names []string
	for _, g := range bridge.SpecOf(sp).Segments {
		names = append(names, g.Name)
	}
	return names
}

// CheckSegment returns an error listing the segments when sp lacks name.
func CheckSegment(sp *runtime.Spec, name string) error {
	if bridge.SpecOf(sp).Segment(name) != nil {
		return nil
	}
	names := SegmentNames(sp)
	if len(names) == 0 {
		return fmt.Errorf("unknown segment %q: the spec declares no segments", name)
	}
	msg := fmt.Sprintf("unknown segment %q", name)
	if m := spec.Suggest(name, names); m != "" {
		return fmt.Errorf("%s (did you mean %s?)", msg, m)
	}
	return fmt.Errorf("%s (segments: %s)", msg, strings.Join(names, ", "))
}

// WriteSegment checks the segment's name, then writes its next live
// patch (w.Plan, with no FlagInfo) as WriteFlag writes a flag's, w.Flag
// naming the segment: one audited change, on condition that the live
// state is still the one the plan saw. Every flag that lists the segment
// follows on every instance. A patch that does not decode, or that closes
// a cycle of segments, is refused with a located error and nothing is
// written. It reports whether it wrote.
func (s *Session) WriteSegment(w FlagWrite) (wrote bool, err error) {
	if err := CheckSegment(s.Spec, w.Flag); err != nil {
		return false, err
	}
	w.Flag = spec.SegmentKey(w.Flag)
	return s.write(w)
}

// DeleteOrphanSegment deletes the live patch of segment name, which the
// spec lacks (an orphaned segment patch, Inspection.OrphanSegments), as
// one audited change (actor and reason from w; w.Plan is not used),
// after the namespace check (CheckWrite with w.Force). A segment of the
// spec is refused: its fields are reverted instead. It reports whether it
// wrote (false: there is no such patch).
func (s *Session) DeleteOrphanSegment(w FlagWrite) (wrote bool, err error) {
	if CheckSegment(s.Spec, w.Flag) == nil {
		return false, fmt.Errorf("segment %q is in the spec: revert the fields of its live patch instead", w.Flag)
	}
	key := spec.SegmentKey(w.Flag)
	return s.update(w.Force, func(st store.State) (runtime.Edit, error) {
		s.State = st
		if _, ok := st.Flags[key]; !ok {
			return runtime.Edit{}, nil
		}
		return runtime.Edit{Actor: w.Actor, Reason: w.Reason, Delete: []string{key}}, nil
	})
}

// SegmentKeys plans adding keys to (or, with remove, removing them from)
// segment's include or exclude list (field), starting from its effective
// list. A key added to one list leaves the other, so that it is in one at
// most; adding a key the list holds already changes nothing.
func SegmentKeys(segment, field string, keys []json.RawMessage, remove bool) Plan {
	return func(s *Session, stored map[string]json.RawMessage, _ *FlagInfo) (map[string]json.RawMessage, bool, bool, error) {
		in, err := Inspect(s.Spec, s.State, time.Now())
		if err != nil {
			return nil, false, false, err
		}
		g := in.Segment(segment)
		if g == nil {
			return nil, false, false, CheckSegment(s.Spec, segment)
		}
		next := maps.Clone(stored)
		if next == nil {
			next = map[string]json.RawMessage{}
		}
		other := "exclude"
		if field == "exclude" {
			other = "include"
		}
		lists := map[string]json.RawMessage{"include": g.Include, "exclude": g.Exclude}
		change := false
		for _, f := range []string{field, other} {
			var list []json.RawMessage
			if !store.IsNull(lists[f]) {
				if err := json.Unmarshal(lists[f], &list); err != nil {
					return nil, false, false, fmt.Errorf("segment %s %s: %v", segment, f, err)
				}
			}
			n := len(list)
			if f == field && !remove {
				// Add the keys not in the list yet, in order, once.
				in := make(map[string]bool, len(list)+len(keys))
				for _, x := range list {
					in[string(x)] = true
				}
				for _, k := range keys {
					if !in[string(k)] {
						in[string(k)] = true
						list = append(list, k)
					}
				}
			} else {
				drop := make(map[string]bool, len(keys))
				for _, k := range keys {
					drop[string(k)] = true
				}
				list = slices.DeleteFunc(list, func(x json.RawMessage) bool { return drop[string(x)] })
			}
			if len(list) == n {
				continue // every key was there already (or none was, to remove): leave the list alone
			}
			text, err := json.Marshal(list)
			if err != nil {
				return nil, false, false, err
			}
			if string(text) != string(lists[f]) {
				next[f] = text
				change = true
			}
		}
		return next, change, false, nil
	}
}

// KeyValues converts command-line keys to JSON values of sp's key
// attribute's type (an int key: integers only), for SegmentKeys.
func KeyValues(sp *runtime.Spec, args []string) ([]json.RawMessage, error) {
	name, typ := sp.Key()
	if name == "" {
		return nil, errors.New("the spec declares no key attribute: segments have no include or exclude lists")
	}
	out := make([]json.RawMessage, 0, len(args))
	for _, a := range args {
		if typ == string(spec.Int) {
			n, err := strconv.ParseInt(a, 10, 64)
			if err != nil {
				return nil, Usagef("key %q is not an integer (key attribute %s is int)", Shown(a), name)
			}
			out = append(out, json.RawMessage(strconv.FormatInt(n, 10)))
			continue
		}
		text, err := json.Marshal(a)
		if err != nil {
			return nil, err
		}
		out = append(out, text)
	}
	return out, nil
}
