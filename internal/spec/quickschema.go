package spec

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// quickSchema is a subschema of the embedded JSON Schema made only of the
// few keywords accepts knows (type, items, uniqueItems, minimum, maximum,
// minLength), read from the schema itself. It accepts, without the
// jsonschema validator, the common simple values (booleans, strings,
// integers written as plain digits, arrays of them); anything else is
// left to the validator. FuzzPatchMembers checks it never accepts what the
// schema refuses.
type quickSchema struct {
	types    []string
	items    *quickSchema
	unique   bool
	min, max *int64
	minLen   int
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

// compileQuick returns the quickSchema of schema v, nil when it uses a
// keyword or form compileQuick does not know.
func compileQuick(v any) *quickSchema {
	m, _ := v.(map[string]any)
	for i := 0; m != nil && m["$ref"] != nil && i < 8; i++ {
		if len(m) > 2 || len(m) == 2 && m["description"] == nil {
			return nil
		}
		ref, _ := m["$ref"].(string)
		frag, ok := strings.CutPrefix(ref, "#")
		if !ok {
			return nil
		}
		m = schemaAt(frag)
	}
	if m == nil || m["$ref"] != nil {
		return nil
	}
	q := &quickSchema{minLen: -1}
	for kw, val := range m {
		switch kw {
		case "description":
		case "type":
			switch t := val.(type) {
			case string:
				q.types = []string{t}
			case []any:
				for _, e := range t {
					s, ok := e.(string)
					if !ok {
						return nil
					}
					q.types = append(q.types, s)
				}
			default:
				return nil
			}
		case "items":
			if q.items = compileQuick(val); q.items == nil {
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
			f, ok := val.(float64)
			if !ok || f != math.Trunc(f) || f < 0 || f > 1<<20 {
				return nil
			}
			q.minLen = int(f)
		default:
			return nil
		}
	}
	return q
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

// accepts reports whether n is valid against q, for the values it knows;
// false means valid or not, ask the validator.
func (q *quickSchema) accepts(n *node) bool {
	if q.types != nil {
		ok := false
		for _, t := range q.types {
			switch t {
			case "boolean":
				ok = ok || n.kind == kBool
			case "string":
				ok = ok || n.kind == kString
			case "array":
				ok = ok || n.kind == kArray
			case "integer", "number":
				_, isInt := plainInt(n)
				ok = ok || isInt
			}
		}
		if !ok {
			return false
		}
	}
	if q.min != nil || q.max != nil {
		if i, ok := plainInt(n); ok && (q.min != nil && i < *q.min || q.max != nil && i > *q.max) {
			return false
		} else if !ok && n.kind == kNumber {
			return false
		}
	}
	if q.minLen >= 0 && n.kind == kString && utf8.RuneCountInString(n.str) < q.minLen {
		return false
	}
	if n.kind != kArray {
		return true
	}
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
		if q.items != nil && !q.items.accepts(e) {
			return false
		}
		if q.unique {
			switch i, ok := plainInt(e); {
			case ok:
				ints = append(ints, i)
			case e.kind == kString:
				strs = append(strs, e.str)
			default:
				return false
			}
		}
	}
	// Unique: no two equal once sorted.
	slices.Sort(ints)
	slices.Sort(strs)
	return len(slices.Compact(ints)) == len(ints) && len(slices.Compact(strs)) == len(strs)
}
