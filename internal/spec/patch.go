package spec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/flaggen/flaggen/schema"
)

// Patch is one flag's live state over the spec: each set field replaces the
// spec's value, and each field named in Null is removed from the flag (back
// to absent, as if the spec did not set it). A nil pointer or nil slice
// leaves the spec's value. Values have the model's types (see Flag).
//
// Read patches with DecodePatch and write them with json.Marshal; Apply
// validates a Patch however it was made. A segment's live patch (its name
// is SegmentKey's) decodes to a Patch too, whose Segment holds the
// patched segment (segment_live.go).
type Patch struct {
	Active               *bool      `json:"active,omitempty"`
	ActivationDate       *time.Time `json:"activation_date,omitempty"`
	Environments         []string   `json:"environments,omitempty"`
	PerformanceBaseline  *float64   `json:"performance_baseline,omitempty"`
	PerformanceThreshold *int64     `json:"performance_threshold,omitempty"`
	ErrorThreshold       *int64     `json:"error_threshold,omitempty"`
	DependsOn            []string   `json:"depends_on,omitempty"`
	Users                *IDs       `json:"users,omitempty"` // of the key attribute's type
	Regions              []string   `json:"regions,omitempty"`
	AccountTypes         []string   `json:"account_types,omitempty"`
	BetaProgram          *bool      `json:"beta_program,omitempty"`
	PercentageRollout    *float64   `json:"percentage_rollout,omitempty"`
	Rules                []*Rule    `json:"rules,omitempty"`
	Default              *string    `json:"default,omitempty"` // a variant name
	Segments             []string   `json:"segments,omitempty"`
	// Tripped is why a monitor switched the flag off; a non-empty reason
	// keeps the flag off until an operator clears it (Null "tripped").
	Tripped *string `json:"tripped,omitempty"`

	// Null lists the spec field names the patch sets to JSON null.
	Null []string `json:"-"`

	// checked is the flag as DecodePatch built and checked it over the
	// spec against, so that Apply over that same spec need not decode and
	// validate the patch again. A Patch is not to be changed once decoded.
	checked *Flag
	against *Spec
	// segment is, for a segment's live patch (segment_live.go), the
	// segment as the patch defines it, checked over against, and
	// segmentJSON the patch's compact text.
	segment     *Segment
	segmentJSON []byte
}

// MarshalJSON writes p as a patch object, fields in a fixed order, with
// null for each field in p.Null. DecodePatch reads it back. (A value
// receiver, so that json.Marshal of a Patch value keeps the nulls too.)
func (p Patch) MarshalJSON() ([]byte, error) {
	if p.segment != nil {
		return slices.Clone(p.segmentJSON), nil
	}
	var buf bytes.Buffer
	buf.WriteByte('{')
	for _, name := range patchFields {
		var v any
		if slices.Contains(p.Null, name) {
			v = nil
		} else if v = fieldByName[name].get(p); v == nil {
			continue
		}
		if buf.Len() > 1 {
			buf.WriteByte(',')
		}
		buf.WriteString(strconv.Quote(name))
		buf.WriteByte(':')
		text, err := encodeField(name, v)
		if err != nil {
			return nil, err
		}
		buf.Write(text)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

func ptrOrNil[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

func sliceOrNil[T any](s []T) any {
	if s == nil {
		return nil
	}
	return s
}

// jsonValue is the rule as spec JSON: dates (before/after) as RFC 3339.
func (r *Rule) jsonValue() any {
	vals := make([]any, len(r.Values))
	for i, v := range r.Values {
		if t, ok := v.(time.Time); ok {
			v = t.Format(time.RFC3339Nano)
		}
		vals[i] = v
	}
	return map[string]any{"attribute": r.Attribute, "operator": r.Operator, "values": vals}
}

// patchFile names a patch in error positions.
const patchFile = "patch"

// DecodePatch reads the live patch data of flag over the spec s: a JSON
// object of patchable spec fields (null removes a field). It validates the
// patch against the schema's "$defs/patch" and runs the spec's semantic
// checks on s with the patch applied (so a patch that would create a
// depends_on cycle is refused). Errors are an ErrorList positioned in data
// ("patch:LINE:COL: /percentage_rollout: must be between 0 and 100");
// problems outside the patched flag keep their spec pointer.
func DecodePatch(s *Spec, flag string, data []byte) (*Patch, error) {
	return decodePatch(s, flag, data, true)
}

// DecodePatches decodes a whole live state, one patch per flag. Each patch
// is validated like DecodePatch's, but only against its own flag: the
// checks across flags (depends_on cycles) are Apply's, so decoding n
// patches costs O(n), not O(n²). A patch that fails is left out of
// patches and its error is returned under the flag's name.
func DecodePatches(s *Spec, raw map[string][]byte) (patches map[string]*Patch, errs map[string]error) {
	return new(PatchCache).DecodePatches(s, raw)
}

// DecodePatches is spec.DecodePatches remembering in c, for later calls,
// what passed the schema. (A nil c remembers nothing across calls.)
func (c *PatchCache) DecodePatches(s *Spec, raw map[string][]byte) (patches map[string]*Patch, errs map[string]error) {
	if c == nil {
		c = new(PatchCache)
	}
	names := make([]string, 0, len(raw))
	for name := range raw {
		names = append(names, name)
	}
	flags := make([]*Flag, len(names)) // nil: decodePatchWith looks it up
	if len(names) >= 256 {
		// One pass over the spec instead of a binary search per patch.
		byName := make(map[string]*Flag, len(s.Flags))
		for _, f := range s.Flags {
			byName[f.Name] = f
		}
		for i, name := range names {
			flags[i] = byName[name]
		}
	}
	out := make([]*Patch, len(names))
	outErr := make([]error, len(names))
	// Workers over chunks of names; each reuses the decoded, validated tree
	// of a patch text seen before (live states repeat a few patches, "{}"
	// above all).
	workers := max(1, min(runtime.GOMAXPROCS(0), (len(names)+255)/256))
	decode := func(lo, hi int) {
		for i := lo; i < hi; i++ {
			p, err := decodePatchWith(s, names[i], flags[i], raw[names[i]], false, c)
			out[i] = p
			if err != nil { // not a typed nil
				outErr[i] = err
			}
		}
	}
	if workers == 1 {
		decode(0, len(names))
	} else {
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				decode(w*len(names)/workers, (w+1)*len(names)/workers)
			}()
		}
		wg.Wait()
	}
	patches = make(map[string]*Patch, len(raw))
	for i, name := range names {
		if outErr[i] != nil {
			if errs == nil {
				errs = map[string]error{}
			}
			errs[name] = outErr[i]
			continue
		}
		patches[name] = out[i]
	}
	return patches, errs
}

// PatchCache remembers what DecodePatches found valid, so that a patch
// text, or a patch member, seen before is not decoded or validated against
// the schema again: the trees of patch texts that decoded and passed the
// schema, and the members (field and value text) of patches that passed
// it. The patch schema constrains each member on its own (an object of
// known properties, no constraint across them: TestPatchSchemaPerMember),
// so a patch object passes it when each of its members is a known property
// whose value passed, before or now, that property's subschema. Its
// memory is bounded: it remembers only texts of at most maxCachedText
// bytes (short patches, the ones live states repeat), at most
// maxCachedRoots trees of maxCachedRootBytes of text in all, and
// maxCachedMembers members of maxCachedMemberBytes in all (it forgets
// them all when full), so that a large patch, once replaced, leaves
// nothing behind. The zero value is an empty cache, safe for concurrent
// use; the flag checks of each patch run whatever the cache holds.
type PatchCache struct {
	mu          sync.Mutex
	roots       map[string]*node
	rootBytes   int
	members     map[string]map[string]bool // field → value text → passed
	nmembers    int
	memberBytes int
}

// Bounds of a PatchCache. A tree takes about 100 times its text.
const (
	maxCachedText        = 1 << 10
	maxCachedRoots       = 4096
	maxCachedRootBytes   = 256 << 10
	maxCachedMembers     = 16384
	maxCachedMemberBytes = 1 << 20
)

func (c *PatchCache) root(data []byte) *node {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.roots[string(data)]
}

func (c *PatchCache) rememberRoot(data []byte, root *node) {
	if c == nil || len(data) > maxCachedText {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.roots == nil || len(c.roots) >= maxCachedRoots || c.rootBytes+len(data) > maxCachedRootBytes {
		c.roots, c.rootBytes = map[string]*node{}, 0
	}
	if _, ok := c.roots[string(data)]; !ok {
		c.roots[string(data)] = root
		c.rootBytes += len(data)
	}
}

// nullOrElse lists the patch properties whose schema is exactly
// {"if": {"type": "null"}, "else": …} (and a description): null or valid
// against "else", the shape of a field that null removes.
var nullOrElse = sync.OnceValue(func() map[string]bool {
	out := map[string]bool{}
	props, _ := schemaAt("/$defs/patch")["properties"].(map[string]any)
	for key, v := range props {
		prop, _ := v.(map[string]any)
		cond, _ := prop["if"].(map[string]any)
		ok := len(cond) == 1 && cond["type"] == "null" && prop["else"] != nil
		for kw := range prop {
			ok = ok && (kw == "if" || kw == "else" || kw == "description")
		}
		out[key] = ok
	}
	return out
})

// validateMembers reports whether the patch document passes the patch
// schema, checking with each member's property subschema only the members
// not known to pass, and remembering those that do. It reports false, for
// the caller to validate the whole document (for its errors), when one
// does not pass or the document is not an object of patch properties.
func (c *PatchCache) validateMembers(doc *document) bool {
	root := doc.root
	if c == nil || root.kind != kObject {
		return false
	}
	props := schema.Patch().Properties
	var fresh []int
	c.mu.Lock()
	for i, key := range root.keys {
		e := root.elems[i]
		if !c.members[key][string(doc.src[e.off:e.end])] {
			fresh = append(fresh, i)
		}
	}
	c.mu.Unlock()
	for _, i := range fresh {
		key, e := root.keys[i], root.elems[i]
		sub := props[key]
		if sub == nil {
			return false
		}
		if nullOrElse()[key] {
			// {"if": {"type": "null"}, "else": X}: null is valid, and
			// another value when it is valid against X.
			if e.kind == kNull {
				continue
			}
			if q := quickSchemas()[key]; q != nil && q.accepts(e) {
				continue
			}
			sub = sub.Else
		}
		if sub.Validate(e.toSchemaValue()) != nil {
			return false
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, i := range fresh {
		key, e := root.keys[i], root.elems[i]
		text := doc.src[e.off:e.end]
		if len(text) > maxCachedText {
			continue
		}
		if c.members == nil || c.nmembers >= maxCachedMembers || c.memberBytes+len(text) > maxCachedMemberBytes {
			c.members, c.nmembers, c.memberBytes = map[string]map[string]bool{}, 0, 0
		}
		m := c.members[key]
		if m == nil {
			m = map[string]bool{}
			c.members[key] = m
		}
		if !m[string(text)] {
			m[string(text)] = true
			c.nmembers++
			c.memberBytes += len(text)
		}
	}
	return true
}

// decodePatch implements DecodePatch; whole selects the checks of the
// whole spec with the patch applied, else only the patched flag's own.
func decodePatch(s *Spec, flag string, data []byte, whole bool) (*Patch, error) {
	return decodePatchWith(s, flag, nil, data, whole, nil)
}

// decodePatchWith is decodePatch of flag f (nil: looked up by name in s);
// cache, when not nil, maps patch texts that decoded and passed the schema
// to their tree, reused for any flag (identical texts decode and validate
// identically).
func decodePatchWith(s *Spec, flag string, f *Flag, data []byte, whole bool, cache *PatchCache) (*Patch, error) {
	if f == nil {
		f = s.Flag(flag)
	}
	if seg, ok := segmentOf(flag); ok && f == nil {
		return decodeSegmentPatch(s, flag, seg, data)
	}
	if f == nil {
		return nil, ErrorList{{File: patchFile, Msg: fmt.Sprintf("unknown flag %q%s", flag, didYouMean(flag, flagNames(s)))}}
	}
	base := flagPtr(f)
	var doc *document
	var errs ErrorList
	var root *node
	if root = cache.root(data); root == nil {
		doc, errs = decodePatchDocument(patchFile, data, base)
		if doc == nil {
			for _, e := range errs {
				e.Pointer = strings.TrimPrefix(e.Pointer, base)
			}
			return nil, errs
		}
		root = doc.root
		if !cache.validateMembers(doc) {
			errs = append(errs, doc.validate(schema.Patch())...)
		}
	}
	var clone *Flag
	switch {
	case len(errs) == 0 && root.kind == kObject && len(root.keys) == 0:
		// An empty patch ("{}", what registration writes): the flag as
		// the spec has it, checked with the spec; shared, not copied.
		clone = f
	case whole:
		ns, c, b := s.withPatch(f, root)
		clone = c
		errs = append(errs, b.errs...)
		errs = append(errs, check(ns, flag)...)
	default:
		b := &builder{}
		clone = b.patchFlag(s, f, root)
		errs = append(errs, b.errs...)
		c := &checker{s: s, prefer: []string{flag}}
		c.flag(clone)
		errs = append(errs, c.errs...)
	}
	if len(errs) > 0 && doc == nil {
		// A tree reused from another flag: decode again for positions.
		return decodePatchWith(s, flag, f, data, whole, nil)
	}
	if len(errs) > 0 {
		return nil, doc.locateUnder(errs, base)
	}
	if cache != nil && doc != nil && root.get("rules") == nil {
		// Valid: the same text decodes to the same tree for any flag
		// (rules are not shared: they keep their spec pointer).
		cache.rememberRoot(data, root)
	}
	p := &Patch{checked: clone, against: s}
	if root.kind == kObject {
		for i, key := range root.keys {
			if root.elems[i].kind == kNull {
				p.Null = append(p.Null, key)
			} else if fd := patchField(key); fd != nil {
				fd.copy(p, clone)
			}
		}
	}
	return p, nil
}

// locateUnder positions in the patch document doc each error whose
// pointer is under base (the patched flag or segment), making its pointer
// relative to base, and returns errs sorted; the others keep their spec
// pointer.
func (doc *document) locateUnder(errs ErrorList, base string) ErrorList {
	for _, e := range errs {
		if e.Pointer == base || strings.HasPrefix(e.Pointer, base+"/") {
			doc.locate(e)
			e.Pointer = strings.TrimPrefix(e.Pointer, base)
		}
	}
	return errs.sortDedup()
}

// decodePatchDocument is decodeDocument of a live patch text, refused
// (nil, with located errors) when it is over the limits of a patch
// (MaxPatchBytes, MaxPatchList).
func decodePatchDocument(file string, data []byte, base string) (*document, ErrorList) {
	if errs := checkPatchSize(data); errs != nil {
		errs[0].File, errs[0].Pointer = file, base
		return nil, errs
	}
	doc, errs := decodeDocument(file, data, base)
	if doc == nil {
		return nil, errs
	}
	if over := listsOver(doc.root, MaxPatchList, "a live patch"); len(over) > 0 {
		for _, e := range over {
			doc.locate(e)
		}
		return nil, over
	}
	return doc, errs
}

// withPatch returns a copy of s whose flag f is replaced by a copy with the
// patch object n applied (through flagTable's set, the spec decoder's own code),
// that copy, and the builder holding conversion errors.
func (s *Spec) withPatch(f *Flag, n *node) (*Spec, *Flag, *builder) {
	ns := *s
	ns.Flags = slices.Clone(s.Flags)
	b := &builder{}
	clone := b.patchFlag(&ns, f, n)
	ns.Flags[f.Index] = clone
	return &ns, clone, b
}

// patchFlag returns a copy of f with the patch object n applied.
func (b *builder) patchFlag(s *Spec, f *Flag, n *node) *Flag {
	clone := *f
	if n.kind == kObject {
		for i, key := range n.keys {
			if fd := patchField(key); fd != nil {
				fd.set(b, s, &clone, n.elems[i])
			}
		}
	}
	resolveDefault(&clone)
	return &clone
}

// Apply returns a copy of s with each flag's patch applied (patches are
// keyed by flag name; a nil patch changes nothing) and the semantic checks
// re-run on the result; s is not modified and unpatched flags are shared.
// A patch decoded over s (DecodePatch, DecodePatches) carries its checked
// flag and is taken as is; any other Patch is validated as DecodePatch would
// (it goes through JSON, the same decoder and the flag's checks), so a
// hand-built Patch cannot smuggle in bad values. Across flags, only what a
// patch can change is checked again: depends_on cycles (names, releases and
// the context come from s, which Parse checked), so Apply costs O(n). The
// error, an ErrorList with spec pointers ("/flags/a/depends_on/0: dependency
// cycle a → b → a"), refuses the whole set. A patch naming a flag the spec
// lacks is an error: callers holding live state for removed flags skip them.
// (Live state itself goes through ApplyLive, which refuses only the bad
// patches.)
func (s *Spec) Apply(patches map[string]*Patch) (*Spec, error) {
	ns := *s
	ns.Flags = slices.Clone(s.Flags)
	var errs ErrorList
	var unchecked []*Flag // patched flags not checked by DecodePatch(es) over s
	deps := false         // some patch may add a depends_on edge (s itself has no cycle)
	for name, p := range patches {
		if p == nil {
			continue
		}
		if p.against == s && p.checked != nil && p.checked.Name == name {
			ns.Flags[p.checked.Index] = p.checked // decoded and checked over s already
		} else {
			f := s.Flag(name)
			if f == nil {
				errs = append(errs, &Error{Pointer: "/flags/" + escapeToken(name), Msg: fmt.Sprintf("unknown flag %q%s", name, didYouMean(name, flagNames(s)))})
				continue
			}
			pf, perrs := s.patchChecked(&ns, f, p)
			errs = append(errs, perrs...)
			if pf == nil {
				continue
			}
			ns.Flags[f.Index] = pf
			unchecked = append(unchecked, pf)
		}
		deps = deps || p.DependsOn != nil
	}
	var names []string // patched flags, to start a reported cycle from
	if deps {
		names = slices.Sorted(maps.Keys(patches))
	}
	errs = append(errs, checkPatched(&ns, unchecked, deps, names)...)
	if len(errs) > 0 {
		for _, e := range errs {
			e.File, e.Line, e.Col = "", 0, 0
		}
		return nil, errs.sortDedup()
	}
	return &ns, nil
}

// patchChecked validates a Patch not decoded over s as DecodePatch would
// (through JSON, the schema and the decoder) and returns flag f of ns with
// it applied (nil when it does not decode), left to checkPatched.
func (s *Spec) patchChecked(ns *Spec, f *Flag, p *Patch) (*Flag, []*Error) {
	data, err := json.Marshal(p)
	if err != nil {
		return nil, []*Error{{Pointer: flagPtr(f), Msg: err.Error()}}
	}
	doc, derrs := decodePatchDocument("", data, flagPtr(f))
	if doc == nil {
		return nil, derrs
	}
	errs := doc.validate(schema.Patch())
	b := &builder{}
	pf := b.patchFlag(ns, f, doc.root)
	return pf, append(errs, b.errs...)
}

// checkPatched returns the semantic problems a set of patches can add to a
// spec that passed check: those of each flag in unchecked (patched flags
// not checked by decodePatch) and, when deps (a patch sets depends_on),
// depends_on cycles. What patches cannot
// change (the context, names, releases, types, strategies) is not checked
// again.
func checkPatched(s *Spec, unchecked []*Flag, deps bool, prefer []string) []*Error {
	c := &checker{s: s, prefer: prefer}
	for _, f := range unchecked {
		c.flag(f)
	}
	if deps { // only a depends_on set by a patch can make a cycle
		c.cycles()
	}
	return c.errs
}
