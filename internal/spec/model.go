package spec

import (
	"slices"
	"strings"
	"time"
)

// Spec is a validated flag specification: the one model shared by the
// generator (internal/gen) and the runtime. Parse builds it; nothing else
// constructs it outside tests.
type Spec struct {
	// File is the name the spec was parsed from, used in error positions.
	File string
	// Source is the spec exactly as read; the runtime re-parses it.
	Source []byte
	// Context lists the declared evaluation attributes in spec order (the
	// order of the generated Context fields). Without a "context" block it is
	// the Python system's four: user_id int (key), region string, account_type string,
	// beta_program bool.
	Context []*Attribute
	// Key is the bucketing attribute (the one with "key": true, else
	// "user_id" when declared); nil when the spec declares none.
	Key *Attribute
	// Environments lists the declared environment names (may be empty: then
	// any environment name is accepted).
	Environments []string
	// Flags are sorted by name; a flag's position is its generated index.
	Flags []*Flag
	// Releases are sorted by name.
	Releases []*Release
	// Segments are sorted by name.
	Segments []*Segment

	// refused holds, in a live spec made by ApplyLive or Reapply, the
	// flags (and segments) whose live patch is refused (live.go).
	refused map[string]*refusal
	// segmentPatches holds, in a live spec, the segment patches it was
	// applied with, by patch name (segment_live.go).
	segmentPatches map[string]*Patch
}

// Type is the value type of a flag or of a context attribute.
type Type string

// The value types. Attributes use Bool, String, Int and Float; flags may
// also be Enum (a string flag whose variants become Go constants).
const (
	Bool   Type = "bool"
	String Type = "string"
	Int    Type = "int"
	Float  Type = "float"
	Enum   Type = "enum"
)

// Attribute is one declared evaluation-context attribute.
type Attribute struct {
	Name   string
	GoName string // exported Go field name in the generated Context
	Type   Type   // Bool, String, Int or Float
	Enum   []any  // allowed values (of Type), empty for any
	Key    bool   // the bucketing attribute
	Index  int    // position in Spec.Context
	Doc    string // "description", if any
}

// Typed reports whether a is a string attribute with an enum, for which the
// generated package declares a named integer type (a's GoName) with one
// constant per value (EnumConst), a parse function "Parse" + GoName, and
// makes the Context field of that type, so that a misspelt value does not
// compile. Int and float enums keep their numeric field: a misspelt number
// is not a typo a type can catch.
func (a *Attribute) Typed() bool { return a.Type == String && len(a.Enum) > 0 }

// EnumConst is the Go constant name of a typed attribute's value Enum[i]:
// GoName + the value's GoName (plan: free → PlanFree). It may not be an
// identifier; the spec check reports those.
func (a *Attribute) EnumConst(i int) string {
	s, _ := a.Enum[i].(string)
	return a.GoName + GoName(s)
}

// EnumConsts returns EnumConst of every value, in Enum's order.
func (a *Attribute) EnumConsts() []string {
	names := make([]string, len(a.Enum))
	for i := range a.Enum {
		names[i] = a.EnumConst(i)
	}
	return names
}

// Flag is one feature flag. Optional seed fields are nil when absent, so
// that "absent" and "zero" stay distinct as in the Python system's `in` checks.
type Flag struct {
	Name   string
	GoName string // exported Go identifier: handle var and Flags method
	Index  int    // position in Spec.Flags
	Type   Type   // Bool (default), String, Int, Float or Enum

	// The Python system's fields, in cascade order (README, Semantics).
	Active               bool
	ActivationDate       *time.Time // D3: offset-less dates are UTC
	Environments         []string   // nil: no environment check
	PerformanceBaseline  *float64   // seconds
	PerformanceThreshold *int64     // count of slow executions
	ErrorThreshold       *int64     // count of errors
	DependsOn            []string
	Users                *IDs     // of the key attribute's type; nil: no allow-list
	Regions              []string // nil: no region check
	AccountTypes         []string // nil: no account-type check
	BetaProgram          bool
	PercentageRollout    *float64 // 0..100; nil: no rollout step

	// Extensions.
	Rules          []*Rule    // generic targeting, ANDed into step 9
	Default        any        // variant flags: the default variant's value
	DefaultVariant string     // variant flags: the default variant's name
	Variants       []*Variant // variant flags, in spec order (bucketing order)
	Strategy       *Strategy
	Client         bool           // exposed to client-side SDKs
	Kind           string         // release, experiment, ops, permission, kill_switch, or ""
	Owner          string         // "owner", else metadata.owner
	Description    string         // metadata.description
	Expires        *time.Time     // the last valid day (or instant): see Expired
	Salt           string         // bucketing salt; the flag name unless set
	Metadata       map[string]any // the whole metadata object, as decoded
	Segments       []string       // the context must match one of these segments (step 9); nil: none

	// Live state (only ever set by a patch, see Apply).
	Tripped string // why a monitor switched the flag off; non-empty means off
}

// Rule is one generic targeting condition: Attribute Operator Values.
type Rule struct {
	Attribute string
	Operator  string // in, not_in, eq, neq, lt, lte, gt, gte, starts_with, ends_with, contains, matches, before, after, semver_eq, semver_lt, semver_gt
	Values    []any  // typed by the attribute (string, int64, float64, bool); dates as time.Time for before/after
	Pointer   string // JSON pointer of the rule, for error messages
}

// Variant is one value a variant flag can take.
type Variant struct {
	Name   string
	GoName string // exported constant name for enum flags, e.g. CheckoutThemeBlue
	Value  any    // string, int64 or float64 by the flag's type (the name for string/enum flags unless given)
	Weight float64
}

// Strategy asks the generator for a factory that picks one implementation
// per state of its flag.
type Strategy struct {
	Name string // Go name of the strategy, e.g. "SearchService"
	// Impls maps each state to an implementation name: "on"/"off" for bool
	// flags, each variant name for variant flags.
	Impls map[string]string
	// Order lists the states in a stable order (on, off; or variant order).
	Order []string
}

// Release is a named group of flags switched together.
type Release struct {
	Name        string
	Description string
	Flags       []string
}

// Flag returns the flag with the given name, or nil.
func (s *Spec) Flag(name string) *Flag {
	lo, hi := 0, len(s.Flags)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if s.Flags[m].Name < name {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(s.Flags) && s.Flags[lo].Name == name {
		return s.Flags[lo]
	}
	return nil
}

// Attribute returns the declared attribute with the given name, or nil.
func (s *Spec) Attribute(name string) *Attribute {
	for _, a := range s.Context {
		if a.Name == name {
			return a
		}
	}
	return nil
}

// Expired reports whether f is past its "expires" date at now. Expires
// names the flag's last valid day: a date ("2024-06-30", which is midnight
// UTC) expires when that day is over in UTC, at 2024-07-01T00:00:00Z; a
// date with a time of day expires after that instant. The generator marks
// an expired flag's method Deprecated and flaggen lint reports it, both by
// this one rule.
func (f *Flag) Expired(now time.Time) bool {
	if f.Expires == nil {
		return false
	}
	end := f.Expires.UTC()
	if end.Hour() == 0 && end.Minute() == 0 && end.Second() == 0 && end.Nanosecond() == 0 {
		return !now.Before(end.AddDate(0, 0, 1))
	}
	return now.After(end)
}

// ExpiresText formats f's "expires" as the spec gives it: a date
// ("2024-06-30") when it is midnight UTC, else RFC 3339; "" when f has none.
func (f *Flag) ExpiresText() string {
	if f.Expires == nil {
		return ""
	}
	if u := f.Expires.UTC(); u.Hour() == 0 && u.Minute() == 0 && u.Second() == 0 && u.Nanosecond() == 0 {
		return u.Format(time.DateOnly)
	}
	return f.Expires.Format(time.RFC3339)
}

// Segment is a named audience that flags reuse (Flag.Segments). A context
// matches it when its key is in Include; else not when its key is in
// Exclude; else when the segment targets something (Regions, AccountTypes,
// BetaProgram, Rules or Segments) and every check passes: each of Regions,
// AccountTypes, BetaProgram and Rules as for a flag's step 9, and, when
// Segments is set, a match of at least one of those segments. A segment
// that targets nothing matches only its Include list.
type Segment struct {
	Name         string
	Description  string
	Include      *IDs // of the key attribute's type; nil: none
	Exclude      *IDs // of the key attribute's type; nil: none
	Regions      []string
	AccountTypes []string
	BetaProgram  bool
	Rules        []*Rule
	Segments     []string
}

// Targets reports whether g has a check beyond its Include and Exclude
// lists; a segment without one matches only its Include list.
func (g *Segment) Targets() bool {
	return g.Regions != nil || g.AccountTypes != nil || g.BetaProgram || len(g.Rules) > 0 || g.Segments != nil
}

// Segment returns the segment with the given name, or nil.
func (s *Spec) Segment(name string) *Segment {
	i, ok := slices.BinarySearchFunc(s.Segments, name, func(g *Segment, name string) int { return strings.Compare(g.Name, name) })
	if !ok {
		return nil
	}
	return s.Segments[i]
}

// SegmentUsers returns the names of the flags that list segment name in
// their Segments, and of the segments that do, each sorted.
func (s *Spec) SegmentUsers(name string) (flags, segments []string) {
	for _, f := range s.Flags {
		if slices.Contains(f.Segments, name) {
			flags = append(flags, f.Name)
		}
	}
	for _, g := range s.Segments {
		if slices.Contains(g.Segments, name) {
			segments = append(segments, g.Name)
		}
	}
	return flags, segments
}

// AddNamingSegments adds to set (segment names) every segment of s that
// names one of set's, directly or through others: the segments whose
// match depends on theirs.
func (s *Spec) AddNamingSegments(set map[string]bool) {
	for grew := len(set) > 0; grew; {
		grew = false
		for _, g := range s.Segments {
			if !set[g.Name] && slices.ContainsFunc(g.Segments, func(h string) bool { return set[h] }) {
				set[g.Name], grew = true, true
			}
		}
	}
}

// SegmentIndirectUsers returns the flags of s that use segment name only
// through other segments (a segment they list names it, directly or not),
// in spec order.
func (s *Spec) SegmentIndirectUsers(name string) []string {
	via := map[string]bool{name: true}
	s.AddNamingSegments(via)
	delete(via, name)
	var out []string
	for _, f := range s.Flags {
		if !slices.Contains(f.Segments, name) && slices.ContainsFunc(f.Segments, func(g string) bool { return via[g] }) {
			out = append(out, f.Name)
		}
	}
	return out
}

// Release returns the release with the given name, or nil.
func (s *Spec) Release(name string) *Release {
	for _, r := range s.Releases {
		if r.Name == name {
			return r
		}
	}
	return nil
}
