package spec

import (
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// quickSchema is a subschema of the embedded JSON Schema made only of the
// keywords check knows (type, enum of strings, items, uniqueItems, minimum,
// maximum, minLength, minItems, pattern, properties, additionalProperties,
// required, minProperties, if/then/else and $ref), read from the schema
// itself. It decides, without the jsonschema validator, the common values
// (booleans, strings, integers and decimals written without an exponent,
// arrays and objects of them); anything else is left to the validator.
// FuzzPatchMembers checks that it never accepts what the schema refuses,
// FuzzFlagsValidatedAlone that its verdict on a flag, valid or invalid,
// never contradicts the validator's.
type quickSchema struct {
	types      []string
	enum       []string // nil: no enum
	items      *quickSchema
	unique     bool
	min, max   *int64
	minLen     int // -1: none
	minItems   int // -1: none
	pattern    *regexp.Regexp
	props      map[string]*quickSchema
	additional *quickSchema // nil: any member
	noMore     bool         // additionalProperties: false
	required   []string
	minProps   int // -1: none
	ifS        *quickSchema
	thenS      *quickSchema // nil: valid
	elseS      *quickSchema // nil: valid
}

// verdict is what quickSchema.check decides about a value.
type verdict uint8

const (
	unknown verdict = iota // ask the validator
	valid
	invalid
)

// and combines the verdicts of two keywords of one schema.
func (v verdict) and(w verdict) verdict {
	switch {
	case v == invalid || w == invalid:
		return invalid
	case v == unknown || w == unknown:
		return unknown
	}
	return valid
}

// quickSchemas holds the quickSchema of the non-null values of each patch
// property whose schema is {"if": {"type": "null"}, "else": …} with an
// "else" made of known keywords.
var quickSchemas = sync.OnceValue(func() map[string]*quickSchema {
	out := map[string]*quickSchema{}
	props, _ := schemaAt("/$defs/patch")["properties"].(map[string]any)
	for key, v := range props {
		prop, _ := v.(map[string]any)
		if nullOrElse()[key] {
			if q := compileQuick(prop["else"]); q != nil {
				out[key] = q
			}
		}
	}
	return out
})

// flagQuickSchemas holds the quickSchema of each flag property made of
// known keywords.
var flagQuickSchemas = sync.OnceValue(func() map[string]*quickSchema {
	out := map[string]*quickSchema{}
	props, _ := schemaAt("/$defs/flag")["properties"].(map[string]any)
	for key, v := range props {
		if q := compileQuick(v); q != nil {
			out[key] = q
		}
	}
	return out
})

// flagQuickSchema is the quickSchema of a whole flag ("/$defs/flag"), nil
// when the schema uses a keyword compileQuick does not know.
var flagQuickSchema = sync.OnceValue(func() *quickSchema {
	return compileQuick(map[string]any{"$ref": "#/$defs/flag"})
})

// compileQuick returns the quickSchema of schema v, nil when it uses a
// keyword or form compileQuick does not know.
func compileQuick(v any) *quickSchema {
	return compileQuickDepth(v, 0)
}

// compileQuickDepth is compileQuick, depth levels of $ref or subschema in
// (bounded, so that a schema that refers to itself is refused).
func compileQuickDepth(v any, depth int) *quickSchema {
	m, ok := v.(map[string]any)
	if !ok || depth > 16 {
		return nil
	}
	sub := func(v any) *quickSchema { return compileQuickDepth(v, depth+1) }
	count := func(val any, max float64) (int, bool) {
		f, ok := val.(float64)
		if !ok || f != math.Trunc(f) || f < 0 || f > max {
			return 0, false
		}
		return int(f), true
	}
	q := &quickSchema{minLen: -1, minItems: -1, minProps: -1}
	var ref *quickSchema
	for kw, val := range m {
		switch kw {
		case "description", "patternErrorMessage":
		case "$ref":
			s, _ := val.(string)
			frag, ok := strings.CutPrefix(s, "#")
			if !ok {
				return nil
			}
			target := schemaAt(frag)
			if target == nil {
				return nil
			}
			if ref = sub(target); ref == nil {
				return nil
			}
		case "type":
			if t, ok := val.(string); ok {
				q.types = []string{t}
			} else if q.types, ok = stringList(val); !ok {
				return nil
			}
			for _, t := range q.types {
				if _, ok := typeKinds[t]; !ok && t != "integer" {
					return nil
				}
			}
		case "enum":
			if q.enum, ok = stringList(val); !ok || len(q.enum) == 0 {
				return nil
			}
		case "items":
			if q.items = sub(val); q.items == nil {
				return nil
			}
		case "uniqueItems":
			b, ok := val.(bool)
			if !ok {
				return nil
			}
			q.unique = b
		case "minimum", "maximum":
			f, ok := val.(float64)
			if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
				return nil
			}
			n := int64(f)
			if kw == "minimum" {
				q.min = &n
			} else {
				q.max = &n
			}
		case "minLength":
			if q.minLen, ok = count(val, 1<<20); !ok {
				return nil
			}
		case "minItems":
			if q.minItems, ok = count(val, 1<<20); !ok {
				return nil
			}
		case "minProperties":
			if q.minProps, ok = count(val, 1<<20); !ok {
				return nil
			}
		case "pattern":
			s, ok := val.(string)
			re, err := regexp.Compile(s)
			if !ok || err != nil {
				return nil
			}
			q.pattern = re
		case "properties":
			props, ok := val.(map[string]any)
			if !ok {
				return nil
			}
			q.props = make(map[string]*quickSchema, len(props))
			for name, p := range props {
				if q.props[name] = sub(p); q.props[name] == nil {
					return nil
				}
			}
		case "additionalProperties":
			if b, ok := val.(bool); ok {
				q.noMore = !b
			} else if q.additional = sub(val); q.additional == nil {
				return nil
			}
		case "required":
			if q.required, ok = stringList(val); !ok {
				return nil
			}
		case "if":
			if q.ifS = sub(val); q.ifS == nil {
				return nil
			}
		case "then":
			if q.thenS = sub(val); q.thenS == nil {
				return nil
			}
		case "else":
			if q.elseS = sub(val); q.elseS == nil {
				return nil
			}
		default:
			return nil
		}
	}
	if ref != nil {
		if len(m) == 1 || len(m) == 2 && m["description"] != nil {
			return ref
		}
		return nil // $ref beside other keywords: not needed yet
	}
	if q.ifS == nil {
		q.thenS, q.elseS = nil, nil
	}
	return q
}

// stringList returns the strings of a schema's JSON array of strings.
func stringList(val any) ([]string, bool) {
	a, ok := val.([]any)
	out := make([]string, len(a))
	for i, e := range a {
		if out[i], ok = e.(string); !ok {
			return nil, false
		}
	}
	return out, ok
}

// plainInt returns the value of a number written as plain decimal digits
// (with an optional minus) that fits an int64.
func plainInt(n *node) (int64, bool) {
	if n.kind != kNumber {
		return 0, false
	}
	if i, ok := digitsInt(string(n.num)); ok {
		return i, true
	}
	if strings.ContainsAny(string(n.num), ".eE") {
		return 0, false
	}
	i, err := strconv.ParseInt(string(n.num), 10, 64)
	return i, err == nil
}

// decimal reads a JSON number written without an exponent, whose integer
// part has at most 18 digits: its sign, integer part, and whether its
// fraction is not zero.
func decimal(num string) (neg bool, ip int64, frac, ok bool) {
	neg = strings.HasPrefix(num, "-")
	intPart, fracPart, _ := strings.Cut(strings.TrimPrefix(num, "-"), ".")
	if ip, ok = digitsInt(intPart); !ok || intPart[0] == '-' || strings.ContainsAny(fracPart, "eE-+") {
		return false, 0, false, false
	}
	return neg, ip, strings.Trim(fracPart, "0") != "", true
}

// compareInt compares the JSON number num with the integer b (|b| ≤ 2^53)
// exactly: -1, 0 or +1, and false when num is not a decimal that decimal
// reads.
func compareInt(num string, b int64) (int, bool) {
	neg, ip, frac, ok := decimal(num)
	if !ok {
		return 0, false
	}
	// |num| = ip + f with f in [0, 1), f > 0 when frac.
	cmpAbs := func(b int64) int {
		switch {
		case ip < b:
			return -1
		case ip > b || frac:
			return 1
		}
		return 0
	}
	if neg {
		return -cmpAbs(-b), true
	}
	return cmpAbs(b), true
}

// accepts reports whether n is valid against q, for the values it knows;
// false means valid or not, ask the validator.
func (q *quickSchema) accepts(n *node) bool { return q.check(n) == valid }

// check decides whether n is valid against q, or answers unknown.
func (q *quickSchema) check(n *node) verdict {
	v := valid
	if q.types != nil {
		v = q.checkType(n)
		if v != valid {
			return v
		}
	}
	if q.enum != nil && (n.kind != kString || !slices.Contains(q.enum, n.str)) {
		return invalid
	}
	switch n.kind {
	case kNumber:
		for _, bound := range []struct {
			b    *int64
			sign int
		}{{q.min, -1}, {q.max, 1}} {
			if bound.b == nil {
				continue
			}
			c, ok := compareInt(string(n.num), *bound.b)
			switch {
			case !ok:
				v = unknown
			case c == bound.sign:
				return invalid
			}
		}
	case kString:
		// A rune is at most 4 bytes: only a short string needs counting.
		if q.minLen >= 0 && len(n.str) < 4*q.minLen && utf8.RuneCountInString(n.str) < q.minLen {
			return invalid
		}
		if q.pattern != nil && !q.pattern.MatchString(n.str) {
			return invalid
		}
	case kArray:
		if q.minItems >= 0 && len(n.elems) < q.minItems {
			return invalid
		}
		v = v.and(q.checkItems(n))
	case kObject:
		v = v.and(q.checkMembers(n))
	}
	if v == invalid || q.ifS == nil {
		return v
	}
	branch := q.thenS
	switch q.ifS.check(n) {
	case unknown:
		return unknown
	case invalid:
		branch = q.elseS
	}
	if branch == nil {
		return v
	}
	return v.and(branch.check(n))
}

// typeKinds maps the JSON Schema type names, but "integer", to the kind
// of node each names.
var typeKinds = map[string]kind{"null": kNull, "boolean": kBool, "number": kNumber, "string": kString, "array": kArray, "object": kObject}

// checkType decides q's "type" keyword.
func (q *quickSchema) checkType(n *node) verdict {
	v := invalid
	for _, t := range q.types {
		if t != "integer" {
			if typeKinds[t] == n.kind {
				return valid
			}
			continue
		}
		if n.kind != kNumber {
			continue
		}
		if _, ok := plainInt(n); ok {
			return valid
		}
		switch _, _, frac, ok := decimal(string(n.num)); {
		case !ok:
			v = unknown
		case !frac:
			return valid
		}
	}
	return v
}

// checkItems decides q's "items" and "uniqueItems" keywords for array n.
func (q *quickSchema) checkItems(n *node) verdict {
	v := valid
	var ints []int64
	var strs []string
	if q.unique && len(n.elems) > 0 {
		if n.elems[0].kind == kString {
			strs = make([]string, 0, len(n.elems))
		} else {
			ints = make([]int64, 0, len(n.elems))
		}
	}
	for _, e := range n.elems {
		if q.items != nil {
			if v = v.and(q.items.check(e)); v == invalid {
				return invalid
			}
		}
		if q.unique {
			switch i, ok := plainInt(e); {
			case ok:
				ints = append(ints, i)
			case e.kind == kString:
				strs = append(strs, e.str)
			default:
				v = unknown
			}
		}
	}
	// Unique: no two equal once sorted (an int and a string never are).
	slices.Sort(ints)
	slices.Sort(strs)
	if len(slices.Compact(ints)) != len(ints) || len(slices.Compact(strs)) != len(strs) {
		return invalid
	}
	return v
}

// checkMembers decides q's object keywords for object n.
func (q *quickSchema) checkMembers(n *node) verdict {
	if q.minProps >= 0 && len(n.keys) < q.minProps {
		return invalid
	}
	for _, r := range q.required {
		if !slices.Contains(n.keys, r) {
			return invalid
		}
	}
	v := valid
	for i, key := range n.keys {
		sub, declared := q.props[key]
		switch {
		case declared:
		case q.noMore:
			return invalid
		case q.additional != nil:
			sub = q.additional
		default:
			continue
		}
		if v = v.and(sub.check(n.elems[i])); v == invalid {
			return invalid
		}
	}
	return v
}
