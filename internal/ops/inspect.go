package ops

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/flaggen/flaggen/internal/bridge"
	"github.com/flaggen/flaggen/internal/spec"
	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/store"
)

// This file serves admin tools (the flaggen CLI, lint, the coming server):
// the effective configuration of flags (spec ⊕ live patch) with where each
// value comes from. None of it is on the hot path.

// Where a value of a flag's effective configuration comes from.
const (
	SourceSpec    = "spec"    // the spec file sets the field
	SourceLive    = "live"    // the live patch sets (or, with null, removes) the field
	SourceDefault = "default" // neither: the field's default (absent)
)

// PatchFields lists the flag fields a live patch may set, in display order
// (spec field names; "tripped" is set by monitors and cleared by a reset).
func PatchFields() []string { return spec.PatchFields() }

// FieldInfo is one patchable field of a flag's effective configuration.
type FieldInfo struct {
	// Field is the spec field name, e.g. "percentage_rollout".
	Field string `json:"field"`
	// Value is the effective value as JSON; null means absent (the
	// field's check is skipped), except that an absent "active" is false.
	Value json.RawMessage `json:"value"`
	// Source is SourceSpec, SourceLive or SourceDefault.
	Source string `json:"source"`
	// Spec is the spec's own value when the live patch overrides it.
	Spec json.RawMessage `json:"spec,omitempty"`
}

// FlagInfo is one flag's effective configuration: the spec with the live
// patch applied, the state it puts the flag in, and where each value
// comes from.
type FlagInfo struct {
	Flag string `json:"flag"`
	// Type is the flag's value type: bool, string, int, float or enum.
	Type string `json:"type"`
	// State is "on" (serving: evaluated by its targeting), "off" (active
	// false), "tripped" (switched off by a monitor) or "scheduled"
	// (activation_date still ahead). Environments are not considered.
	State string `json:"state"`
	// StateReason says why, for every state but "on".
	StateReason string `json:"state_reason,omitempty"`
	// Rollout is the effective percentage_rollout (nil: none).
	Rollout *float64 `json:"rollout,omitempty"`
	// Variants lists a variant flag's variants as "name weight%".
	Variants []string `json:"variants,omitempty"`
	// Releases lists the releases the flag belongs to.
	Releases []string `json:"releases,omitempty"`
	// Segments lists the segments the flag lists (its context must be in
	// one of them), in spec order.
	Segments []string `json:"segments,omitempty"`
	// Live is the flag's stored live patch (null when it has no entry).
	Live json.RawMessage `json:"live"`
	// Problem is set when the stored live patch is refused: instances
	// then serve the flag as the spec defines it, except that a kill
	// switch in the patch ("active" false or null, a "tripped" reason)
	// still holds (see runtime's package doc); the fields show that.
	Problem string `json:"problem,omitempty"`
	// Revert lists, with Problem, the fields of the stored patch at fault:
	// reverting them to the spec (runtime.Edit.Revert) repairs it. Empty
	// with Problem set: the whole patch must be replaced
	// (runtime.Edit.Replace).
	Revert []string `json:"revert,omitempty"`
	// Fields lists every patchable field (PatchFields order).
	Fields []FieldInfo `json:"fields"`
}

// ReleaseInfo is one release of the spec and how much of it is on.
type ReleaseInfo struct {
	Release     string   `json:"release"`
	Description string   `json:"description,omitempty"`
	Flags       []string `json:"flags"`
	// Enabled counts the release's flags that are active and not tripped
	// in the live state (as runtime.Client.ReleaseStatus), out of len(Flags).
	Enabled int `json:"enabled"`
	Total   int `json:"total"`
}

// Inspection is the effective configuration of every flag of a spec over
// one live state.
type Inspection struct {
	// Version is the live state's version.
	Version uint64 `json:"version"`
	// Flags are in spec (name) order.
	Flags    []FlagInfo    `json:"flags"`
	Releases []ReleaseInfo `json:"releases"`
	// Unknown lists flags registered in the store that the spec lacks
	// (looked up by name somewhere), with their patches.
	Unknown map[string]json.RawMessage `json:"unknown,omitempty"`
	// OrphanSegments lists the segment patches in the store ("segment:x")
	// for segments the spec lacks (applying to nothing), with their
	// patches.
	OrphanSegments map[string]json.RawMessage `json:"orphan_segments,omitempty"`
	// Refused lists the flags whose stored live patch is refused
	// (FlagInfo.Problem), and the segments' patch names
	// ("segment:eu_beta", SegmentInfo.Problem), sorted.
	Refused []string `json:"refused,omitempty"`
	// Segments are in name order.
	Segments []SegmentInfo `json:"segments,omitempty"`
}

// Flag returns the named flag's info, or nil.
func (in *Inspection) Flag(name string) *FlagInfo {
	for i := range in.Flags {
		if in.Flags[i].Flag == name {
			return &in.Flags[i]
		}
	}
	return nil
}

// Inspect computes the effective configuration of every flag of sp over
// the live state st at time now, validating each live patch as a
// runtime.Client does and refusing the same ones (spec.Spec.LiveState).
func Inspect(sp *runtime.Spec, st store.State, now time.Time) (*Inspection, error) {
	s := bridge.SpecOf(sp)
	specFields, err := s.SourceFields()
	if err != nil {
		return nil, err
	}
	in := &Inspection{Version: st.Version}
	for name, raw := range st.Flags {
		if !s.HasPatchTarget(name) {
			if _, ok := strings.CutPrefix(name, spec.SegmentPrefix); ok {
				if in.OrphanSegments == nil {
					in.OrphanSegments = map[string]json.RawMessage{}
				}
				in.OrphanSegments[name] = raw
				continue
			}
			if in.Unknown == nil {
				in.Unknown = map[string]json.RawMessage{}
			}
			in.Unknown[name] = raw
		}
	}
	live, patches, refused := s.LiveState(st.Flags)
	in.Refused = slices.Sorted(maps.Keys(refused))
	if in.Segments, err = segmentInfos(live, st.Flags, refused); err != nil {
		return nil, err
	}
	releasesOf := map[string][]string{}
	for _, r := range s.Releases {
		ri := ReleaseInfo{Release: r.Name, Description: r.Description, Flags: slices.Clone(r.Flags), Total: len(r.Flags)}
		for _, f := range r.Flags {
			releasesOf[f] = append(releasesOf[f], r.Name)
			if lf := live.Flag(f); lf != nil && lf.Active && lf.Tripped == "" {
				ri.Enabled++
			}
		}
		in.Releases = append(in.Releases, ri)
	}
	for _, f := range live.Flags {
		name := f.Name
		fi := FlagInfo{Flag: name, Type: string(f.Type), Releases: releasesOf[name], Segments: f.Segments, Live: st.Flags[name]}
		if err := refused[name]; err != nil {
			fi.Problem = "live patch refused: " + err.Error()
			fi.Revert = spec.RefusedFields(err)
		}
		if fi.Type == "" {
			fi.Type = string(spec.Bool)
		}
		if fi.Live == nil {
			fi.Live = json.RawMessage("null")
		}
		switch {
		case !f.Active:
			fi.State, fi.StateReason = "off", "active: false"
		case f.Tripped != "":
			fi.State, fi.StateReason = "tripped", f.Tripped
		case f.ActivationDate != nil && now.Before(*f.ActivationDate):
			fi.State, fi.StateReason = "scheduled", "activation_date "+f.ActivationDate.Format(time.RFC3339)
		default:
			fi.State = "on"
		}
		fi.Rollout = f.PercentageRollout
		for _, v := range f.Variants {
			fi.Variants = append(fi.Variants, fmt.Sprintf("%s %g%%", v.Name, v.Weight))
		}
		p := patches[name]
		sf := specFields[name]
		for _, field := range PatchFields() {
			info := FieldInfo{Field: field}
			specVal, inSpec := sf[field]
			var lv json.RawMessage
			var inLive bool
			if p != nil {
				var err error
				if lv, inLive, err = p.FieldJSON(field); err != nil {
					return nil, fmt.Errorf("flag %q: live patch: %v", name, err)
				}
			}
			if inLive {
				info.Source, info.Value = SourceLive, lv
				if store.IsNull(lv) {
					info.Value = defaultField(field)
				}
				if inSpec {
					info.Spec = specVal
				}
			} else if inSpec {
				info.Source, info.Value = SourceSpec, specVal
			} else {
				info.Source, info.Value = SourceDefault, defaultField(field)
			}
			fi.Fields = append(fi.Fields, info)
		}
		in.Flags = append(in.Flags, fi)
	}
	return in, nil
}

// defaultField is the value of a field that neither the spec nor the live
// patch sets.
func defaultField(field string) json.RawMessage {
	if field == "active" {
		return json.RawMessage("false")
	}
	return json.RawMessage("null")
}
