package spec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// field describes one field of a flag object: how the decoder reads it into
// the model and, for a field a live patch may set, how a Patch holds it.
// flagTable lists them all; the decoder, the patch decoder and encoder, and
// the lists the schema test compares (flagFields, patchFields) come from it,
// so a new field is added there alone.
type field struct {
	name string
	// spec: a spec's flag object may hold the field ("tripped" is live
	// state only).
	spec bool
	// set reads the field from n into f; a null n removes it. Nil for
	// "type" and "variants", which builder.flag reads first.
	set func(b *builder, s *Spec, f *Flag, n *node)
	// For the fields a live patch may set (nil otherwise):
	// get returns the JSON-ready value p holds, or nil when unset;
	// copy sets p's value from the patched flag f.
	get  func(p Patch) any
	copy func(p *Patch, f *Flag)
}

// patchable reports whether a live patch may set the field.
func (fd *field) patchable() bool { return fd.get != nil }

// flagTable lists the fields of a flag, the patchable ones in the order
// Patch.MarshalJSON writes them.
var flagTable = []*field{
	{name: "type", spec: true},
	{name: "active", spec: true,
		set:  func(_ *builder, _ *Spec, f *Flag, n *node) { f.Active = boolean(n) },
		get:  func(p Patch) any { return ptrOrNil(p.Active) },
		copy: func(p *Patch, f *Flag) { p.Active = &f.Active }},
	{name: "activation_date", spec: true,
		set: func(b *builder, _ *Spec, f *Flag, n *node) { f.ActivationDate = b.date(n) },
		get: func(p Patch) any {
			if p.ActivationDate != nil {
				return p.ActivationDate.Format(time.RFC3339Nano)
			}
			return nil
		},
		copy: func(p *Patch, f *Flag) { p.ActivationDate = f.ActivationDate }},
	{name: "environments", spec: true,
		set:  func(_ *builder, _ *Spec, f *Flag, n *node) { f.Environments = strs(n) },
		get:  func(p Patch) any { return sliceOrNil(p.Environments) },
		copy: func(p *Patch, f *Flag) { p.Environments = f.Environments }},
	{name: "performance_baseline", spec: true,
		set:  func(_ *builder, _ *Spec, f *Flag, n *node) { f.PerformanceBaseline = floatPtr(n) },
		get:  func(p Patch) any { return ptrOrNil(p.PerformanceBaseline) },
		copy: func(p *Patch, f *Flag) { p.PerformanceBaseline = f.PerformanceBaseline }},
	{name: "performance_threshold", spec: true,
		set:  func(b *builder, _ *Spec, f *Flag, n *node) { f.PerformanceThreshold = b.intPtr(n) },
		get:  func(p Patch) any { return ptrOrNil(p.PerformanceThreshold) },
		copy: func(p *Patch, f *Flag) { p.PerformanceThreshold = f.PerformanceThreshold }},
	{name: "error_threshold", spec: true,
		set:  func(b *builder, _ *Spec, f *Flag, n *node) { f.ErrorThreshold = b.intPtr(n) },
		get:  func(p Patch) any { return ptrOrNil(p.ErrorThreshold) },
		copy: func(p *Patch, f *Flag) { p.ErrorThreshold = f.ErrorThreshold }},
	{name: "depends_on", spec: true,
		set:  func(_ *builder, _ *Spec, f *Flag, n *node) { f.DependsOn = strs(n) },
		get:  func(p Patch) any { return sliceOrNil(p.DependsOn) },
		copy: func(p *Patch, f *Flag) { p.DependsOn = f.DependsOn }},
	{name: "users", spec: true,
		set: func(b *builder, s *Spec, f *Flag, n *node) { f.Users = b.users(s, n) },
		get: func(p Patch) any {
			if p.Users != nil {
				return p.Users
			}
			return nil
		},
		copy: func(p *Patch, f *Flag) { p.Users = f.Users }},
	{name: "regions", spec: true,
		set:  func(_ *builder, _ *Spec, f *Flag, n *node) { f.Regions = strs(n) },
		get:  func(p Patch) any { return sliceOrNil(p.Regions) },
		copy: func(p *Patch, f *Flag) { p.Regions = f.Regions }},
	{name: "account_types", spec: true,
		set:  func(_ *builder, _ *Spec, f *Flag, n *node) { f.AccountTypes = strs(n) },
		get:  func(p Patch) any { return sliceOrNil(p.AccountTypes) },
		copy: func(p *Patch, f *Flag) { p.AccountTypes = f.AccountTypes }},
	{name: "beta_program", spec: true,
		set:  func(_ *builder, _ *Spec, f *Flag, n *node) { f.BetaProgram = boolean(n) },
		get:  func(p Patch) any { return ptrOrNil(p.BetaProgram) },
		copy: func(p *Patch, f *Flag) { p.BetaProgram = &f.BetaProgram }},
	{name: "percentage_rollout", spec: true,
		set:  func(_ *builder, _ *Spec, f *Flag, n *node) { f.PercentageRollout = floatPtr(n) },
		get:  func(p Patch) any { return ptrOrNil(p.PercentageRollout) },
		copy: func(p *Patch, f *Flag) { p.PercentageRollout = f.PercentageRollout }},
	{name: "metadata", spec: true,
		set: func(_ *builder, _ *Spec, f *Flag, n *node) {
			f.Metadata = nil
			if n.kind == kObject {
				f.Metadata, _ = n.natural().(map[string]any)
			}
		}},
	{name: "rules", spec: true,
		set: func(b *builder, s *Spec, f *Flag, n *node) {
			f.Rules = nil
			if n.kind == kArray {
				f.Rules = make([]*Rule, len(n.elems))
				for i, e := range n.elems {
					f.Rules[i] = b.rule(s, e)
				}
			}
		},
		get: func(p Patch) any {
			if p.Rules == nil {
				return nil
			}
			out := make([]any, len(p.Rules))
			for i, r := range p.Rules {
				out[i] = r.jsonValue()
			}
			return out
		},
		copy: func(p *Patch, f *Flag) { p.Rules = f.Rules }},
	{name: "default", spec: true,
		set:  func(_ *builder, _ *Spec, f *Flag, n *node) { f.DefaultVariant = str(n) },
		get:  func(p Patch) any { return ptrOrNil(p.Default) },
		copy: func(p *Patch, f *Flag) { p.Default = &f.DefaultVariant }},
	{name: "variants", spec: true},
	{name: "strategy", spec: true,
		set: func(b *builder, _ *Spec, f *Flag, n *node) { f.Strategy = b.strategy(f, n) }},
	{name: "client", spec: true,
		set: func(_ *builder, _ *Spec, f *Flag, n *node) { f.Client = boolean(n) }},
	{name: "kind", spec: true,
		set: func(_ *builder, _ *Spec, f *Flag, n *node) { f.Kind = str(n) }},
	{name: "owner", spec: true,
		set: func(_ *builder, _ *Spec, f *Flag, n *node) { f.Owner = str(n) }},
	{name: "expires", spec: true,
		set: func(b *builder, _ *Spec, f *Flag, n *node) { f.Expires = b.date(n) }},
	{name: "salt", spec: true,
		set: func(_ *builder, _ *Spec, f *Flag, n *node) { f.Salt = str(n) }},
	{name: "segments", spec: true,
		set:  func(_ *builder, _ *Spec, f *Flag, n *node) { f.Segments = strs(n) },
		get:  func(p Patch) any { return sliceOrNil(p.Segments) },
		copy: func(p *Patch, f *Flag) { p.Segments = f.Segments }},
	{name: "tripped",
		set:  func(_ *builder, _ *Spec, f *Flag, n *node) { f.Tripped = str(n) },
		get:  func(p Patch) any { return ptrOrNil(p.Tripped) },
		copy: func(p *Patch, f *Flag) { p.Tripped = &f.Tripped }},
}

// Views of flagTable: each field by name, the spec's flag fields and the
// fields a live patch may set (both in table order).
var (
	fieldByName = func() map[string]*field {
		m := make(map[string]*field, len(flagTable))
		for _, fd := range flagTable {
			m[fd.name] = fd
		}
		return m
	}()
	flagFields  = fieldNames(func(fd *field) bool { return fd.spec })
	patchFields = fieldNames((*field).patchable)
)

func fieldNames(keep func(*field) bool) []string {
	var out []string
	for _, fd := range flagTable {
		if keep(fd) {
			out = append(out, fd.name)
		}
	}
	return out
}

// patchField returns the patchable field named name, or nil.
func patchField(name string) *field {
	if fd := fieldByName[name]; fd != nil && fd.patchable() {
		return fd
	}
	return nil
}

// PatchFields lists the fields a live patch may set, in the spec's order.
func PatchFields() []string { return slices.Clone(patchFields) }

// SourceFields returns the fields of each flag as the spec's source writes
// them: compact JSON text by flag and field name. It reads s.Source with
// the spec's own decoder, the one that built s, so that it sees the same
// members Parse did. s is a spec Parse returned.
func (s *Spec) SourceFields() (map[string]map[string]json.RawMessage, error) {
	doc, errs := decodeDocument(s.File, s.Source, "")
	if doc == nil {
		return nil, errs
	}
	out := map[string]map[string]json.RawMessage{}
	flags := doc.root.get("flags")
	if flags == nil || flags.kind != kObject {
		return out, nil
	}
	for i, name := range flags.keys {
		fl := flags.elems[i]
		fields := make(map[string]json.RawMessage, len(fl.keys))
		for j, key := range fl.keys {
			e := fl.elems[j]
			var buf bytes.Buffer
			if err := json.Compact(&buf, doc.src[e.off:e.end]); err != nil {
				return nil, fmt.Errorf("%s: %s: %v", s.File, e.ptr, err)
			}
			fields[key] = buf.Bytes()
		}
		out[name] = fields
	}
	return out, nil
}

// FieldJSON returns the JSON text of field name of p as MarshalJSON writes
// it: null when p removes the field (Null), and ok false when p leaves it
// to the spec (or name is no patch field).
func (p *Patch) FieldJSON(name string) (text json.RawMessage, ok bool, err error) {
	if slices.Contains(p.Null, name) {
		return json.RawMessage("null"), true, nil
	}
	fd := patchField(name)
	if fd == nil {
		return nil, false, nil
	}
	v := fd.get(*p)
	if v == nil {
		return nil, false, nil
	}
	text, err = encodeField(name, v)
	return text, err == nil, err
}

// encodeField is the JSON text of the value v of patch field name, with
// "R&D" kept as "R&D" for operators reading it.
func encodeField(name string, v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("patch field %q: %v", name, err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
