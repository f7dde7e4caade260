package spec

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/flaggen/flaggen/schema"
)

// schemaDoc is the embedded schema decoded, to read the keyword that failed
// (its enum values, bounds, property names) when rewriting messages.
var schemaDoc = sync.OnceValue(func() any {
	var v any
	if err := json.Unmarshal(schema.Source, &v); err != nil {
		panic("spec: embedded schema: " + err.Error())
	}
	return v
})

// schemaAt returns the schema object at fragment pointer frag ("/$defs/flag").
func schemaAt(frag string) map[string]any {
	v := schemaDoc()
	if frag != "" {
		for _, tok := range strings.Split(strings.TrimPrefix(frag, "/"), "/") {
			m, _ := v.(map[string]any)
			v = m[unescapeToken(tok)]
		}
	}
	m, _ := v.(map[string]any)
	return m
}

// unescapeToken undoes jsonschema's escaping of a pointer token (RFC 6901
// plus URL path escaping).
func unescapeToken(tok string) string {
	if u, err := url.PathUnescape(tok); err == nil {
		tok = u
	}
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
}

// instancePointer converts a jsonschema InstanceLocation to a plain RFC 6901
// pointer.
func instancePointer(loc string) string {
	if loc == "" {
		return ""
	}
	toks := strings.Split(strings.TrimPrefix(loc, "/"), "/")
	for i, t := range toks {
		toks[i] = escapeToken(unescapeToken(t))
	}
	return "/" + strings.Join(toks, "/")
}

// validate checks the document against sch and returns one plain error per
// failing keyword, with its pointer (prefixed by the document's base).
//
// The flags of a spec that quickSchema accepts whole are validated by it,
// and left out of what the validator sees; of the others, the long lists
// that quickSchema accepts are validated by it, and given to the validator
// as empty arrays (valid too). A flag's subschema is the only keyword that
// reads the flag, and a list property's the only one that reads its items
// (TestFlagListsValidatedAlone, FuzzFlagsValidatedAlone): the validator
// takes seconds over a hundred thousand flags or a million entries.
func (doc *document) validate(sch *jsonschema.Schema) []*Error {
	return doc.validateWith(sch, doc.quickStubs())
}

// validateWith is validate, with the nodes of stubs known valid: the
// validator sees a list among them as an empty array, and not at all an
// object among them (a flag).
func (doc *document) validateWith(sch *jsonschema.Schema, stubs map[*node]bool) []*Error {
	err := sch.Validate(doc.root.schemaValue(stubs))
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []*Error{{Msg: "schema validation failed: " + err.Error()}}
	}
	var out []*Error
	var walk func(*jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			out = append(out, doc.schemaLeaf(e)...)
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	return out
}

// schemaLeaf rewrites one failed keyword into plain errors, reading the
// keyword from the schema rather than parsing jsonschema's message.
func (doc *document) schemaLeaf(e *jsonschema.ValidationError) []*Error {
	ptr := doc.base + instancePointer(e.InstanceLocation)
	n := doc.instanceNode(e.InstanceLocation)
	if n != nil {
		ptr = n.ptr
	}
	_, frag, _ := strings.Cut(e.AbsoluteKeywordLocation, "#")
	keyword, parent := "", frag
	if i := strings.LastIndexByte(frag, '/'); i >= 0 {
		keyword, parent = unescapeToken(frag[i+1:]), frag[:i]
	}
	sch := schemaAt(parent)
	one := func(msg string) []*Error { return []*Error{{Pointer: ptr, Msg: msg}} }
	switch keyword {
	case "type":
		var want []string
		switch t := sch["type"].(type) {
		case string:
			want = []string{t}
		case []any:
			for _, s := range t {
				want = append(want, fmt.Sprint(s))
			}
		}
		for i, w := range want {
			want[i] = article(w)
		}
		got := "nothing"
		if n != nil {
			got = n.kind.String()
			if n.kind == kNumber && slices.Contains(want, "an integer") {
				got = string(n.num)
			}
		}
		return one(fmt.Sprintf("must be %s, got %s", strings.Join(want, " or "), got))
	case "enum":
		vals, _ := sch["enum"].([]any)
		s := make([]string, len(vals))
		for i, v := range vals {
			s[i] = fmt.Sprint(v)
		}
		return one("must be one of " + strings.Join(s, ", "))
	case "additionalProperties":
		if n != nil {
			return doc.unknownFields(ptr, n, parent, sch)
		}
	case "required":
		req, _ := sch["required"].([]any)
		var out []*Error
		for _, r := range req {
			name := fmt.Sprint(r)
			if n.get(name) != nil {
				continue
			}
			msg := fmt.Sprintf("missing required field %q", name)
			if parent == "/$defs/flag/then" {
				if t := n.get("type"); t != nil {
					msg += fmt.Sprintf(" (%s %s flag needs variants and a default)", indefinite(t.str), t.str)
				}
			}
			out = append(out, &Error{Pointer: ptr, Msg: msg})
		}
		return out
	case "minimum", "maximum":
		lo, hasLo := sch["minimum"]
		hi, hasHi := sch["maximum"]
		switch {
		case hasLo && hasHi:
			return one(fmt.Sprintf("must be between %v and %v", lo, hi))
		case hasLo:
			return one(fmt.Sprintf("must be at least %v", lo))
		default:
			return one(fmt.Sprintf("must be at most %v", hi))
		}
	case "minItems", "minProperties", "minLength":
		if fmt.Sprint(sch[keyword]) == "1" {
			return one("must not be empty")
		}
		return one(fmt.Sprintf("must have at least %v %s", sch[keyword], map[string]string{
			"minItems": "items", "minProperties": "fields", "minLength": "characters"}[keyword]))
	case "uniqueItems":
		var i, j int
		if _, err := fmt.Sscanf(e.Message, "items at index %d and %d are equal", &i, &j); err == nil && n != nil && j < len(n.elems) {
			dup := n.elems[j]
			return []*Error{{Pointer: dup.ptr, Msg: fmt.Sprintf("duplicate %s (already at index %d)", show(dup), i)}}
		}
		return one("must not contain duplicates")
	case "pattern":
		if m, ok := sch["patternErrorMessage"].(string); ok {
			return one(m)
		}
		return one(fmt.Sprintf("must match the pattern %s", sch["pattern"]))
	}
	if e.Message == "not allowed" {
		return one("not allowed")
	}
	return one(e.Message)
}

// instanceNode returns the node at a jsonschema InstanceLocation, nil if
// there is none. The validator leaves the token of an empty key out of its
// locations ("/flags//x" is "/flags/x"), so it sees each empty key under a
// stand-in that no other key of its object has (see schemaValue): a token
// that is not a key of its object is that stand-in.
func (doc *document) instanceNode(loc string) *node {
	n := doc.root
	if loc == "" {
		return n
	}
	for _, tok := range strings.Split(strings.TrimPrefix(loc, "/"), "/") {
		tok = unescapeToken(tok)
		switch n.kind {
		case kObject:
			next := n.get(tok)
			if next == nil {
				next = n.get("")
			}
			n = next
		case kArray:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(n.elems) {
				return nil
			}
			n = n.elems[i]
		default:
			return nil
		}
		if n == nil {
			return nil
		}
	}
	return n
}

// unknownFields reports each member of object n that sch does not declare,
// with the closest declared name as a suggestion.
func (doc *document) unknownFields(ptr string, n *node, at string, sch map[string]any) []*Error {
	props, _ := sch["properties"].(map[string]any)
	known := make([]string, 0, len(props))
	for k := range props {
		known = append(known, k)
	}
	slices.Sort(known)
	var out []*Error
	for i, k := range n.keys {
		if _, ok := props[k]; ok {
			continue
		}
		msg := fmt.Sprintf("unknown field %q", k)
		if at == "/$defs/patch" && schemaAt("/$defs/flag/properties/"+escapeToken(k)) != nil {
			msg = fmt.Sprintf("field %q cannot be patched: it comes only from the spec", k)
		} else if s := Suggest(k, known); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		out = append(out, &Error{Pointer: n.elems[i].ptr, Msg: msg, atKey: true})
	}
	return out
}

// article prefixes a JSON Schema type name with its article.
func article(t string) string {
	if t == "null" {
		return t
	}
	return indefinite(t) + " " + t
}

// show renders a scalar node for a message.
func show(n *node) string {
	switch n.kind {
	case kString:
		return strconv.Quote(n.str)
	case kNumber:
		return string(n.num)
	case kBool:
		return strconv.FormatBool(n.b)
	}
	return n.kind.String()
}

// minQuickList is the length from which quickStubs validates a list.
const minQuickList = 64

// quickStubs returns the nodes of a spec known valid: the flags under
// "/flags" that the quickSchema of a flag accepts, and, in the other flags,
// the lists of at least minQuickList entries that the quickSchema of their
// flag property accepts.
func (doc *document) quickStubs() map[*node]bool {
	flags := doc.root.get("flags")
	if doc.base != "" || flags == nil || flags.kind != kObject {
		return nil
	}
	out := map[*node]bool{}
	whole := flagQuickSchema()
	for _, f := range flags.elems {
		if f.kind != kObject {
			continue
		}
		if whole != nil && whole.accepts(f) {
			out[f] = true
			continue
		}
		for i, key := range f.keys {
			e := f.elems[i]
			if e.kind != kArray || len(e.elems) < minQuickList {
				continue
			}
			if q := flagQuickSchemas()[key]; q != nil && q.accepts(e) {
				out[e] = true
			}
		}
	}
	return out
}
