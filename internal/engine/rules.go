package engine

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/flaggen/flaggen/internal/spec"
)

// opcode is a compiled rule operator. Rules are evaluated by a switch over
// opcodes on concrete structs: no closures, so attribute values passed in
// never escape to the heap.
type opcode uint8

const (
	opIn opcode = iota
	opNotIn
	opEq
	opNeq
	opLt
	opLte
	opGt
	opGte
	opStartsWith
	opEndsWith
	opContains
	opMatches
	opBefore
	opAfter
	opSemverEq
	opSemverLt
	opSemverGt
	opTruthy // the beta_program field's check: the attribute is truthy
)

var opNames = map[string]opcode{
	"in": opIn, "not_in": opNotIn, "eq": opEq, "neq": opNeq,
	"lt": opLt, "lte": opLte, "gt": opGt, "gte": opGte,
	"starts_with": opStartsWith, "ends_with": opEndsWith, "contains": opContains, "matches": opMatches,
	"before": opBefore, "after": opAfter,
	"semver_eq": opSemverEq, "semver_lt": opSemverLt, "semver_gt": opSemverGt,
}

// rule is one compiled targeting check of step 9: the regions,
// account_types and beta_program fields, and the generic rules.
type rule struct {
	attr    int    // index into the attribute values; -1: undeclared (always fails)
	attrNm  string // attribute name, for explanations
	op      opcode
	opName  string
	vals    []Value          // in/not_in/eq/neq/lt.../starts_with/ends_with/contains
	set     map[string]bool  // in/not_in over many strings
	strs    []string         // in/not_in over a few strings (regions, account_types)
	res     []*regexp.Regexp // matches
	times   []time.Time      // before/after
	semvers []spec.Semver    // semver_*
	field   string           // the spec field it came from: "regions", "rules[2]" …
}

// compileRule compiles one spec rule; values were type-checked by the spec.
func compileRule(attr int, attrName, field, opName string, values []any) (rule, error) {
	op, ok := opNames[opName]
	if !ok {
		return rule{}, fmt.Errorf("%s: unknown operator %q", field, opName)
	}
	r := rule{attr: attr, attrNm: attrName, op: op, opName: opName, field: field}
	if len(values) == 0 {
		return rule{}, fmt.Errorf("%s: operator %q needs at least one value", field, opName)
	}
	switch op {
	case opMatches:
		for _, v := range values {
			s, ok := v.(string)
			if !ok {
				return rule{}, fmt.Errorf("%s: matches needs string patterns, got %T", field, v)
			}
			re, err := regexp.Compile(s)
			if err != nil {
				return rule{}, fmt.Errorf("%s: bad pattern %q: %v", field, s, err)
			}
			r.res = append(r.res, re)
		}
	case opBefore, opAfter:
		for _, v := range values {
			switch v := v.(type) {
			case time.Time:
				r.times = append(r.times, v)
			case string:
				t, err := spec.ParseDate(v)
				if err != nil {
					return rule{}, fmt.Errorf("%s: %v", field, err)
				}
				r.times = append(r.times, t)
			default:
				return rule{}, fmt.Errorf("%s: %s needs dates, got %T", field, opName, v)
			}
		}
	case opSemverEq, opSemverLt, opSemverGt:
		for _, v := range values {
			s, _ := v.(string)
			sv, ok := spec.ParseSemver(s)
			if !ok {
				return rule{}, fmt.Errorf("%s: bad semantic version %v", field, v)
			}
			r.semvers = append(r.semvers, sv)
		}
	default:
		for _, v := range values {
			val := ValueOf(v)
			if val.IsAbsent() {
				return rule{}, fmt.Errorf("%s: unsupported value %v (%T)", field, v, v)
			}
			r.vals = append(r.vals, val)
		}
		if op == opIn || op == opNotIn {
			allStrings := true
			for _, v := range r.vals {
				allStrings = allStrings && v.kind == kindString
			}
			switch {
			case allStrings && len(r.vals) > 8:
				r.set = make(map[string]bool, len(r.vals))
				for _, v := range r.vals {
					r.set[v.s] = true
				}
			case allStrings:
				for _, v := range r.vals {
					r.strs = append(r.strs, v.s)
				}
			}
		}
	}
	return r, nil
}

// inList compiles a list field (regions, account_types) to an "in" rule.
func inList(attr int, attrName, field string, list []string) rule {
	vals := make([]any, len(list))
	for i, s := range list {
		vals[i] = s
	}
	if len(vals) == 0 { // an empty list admits nobody
		return rule{attr: attr, attrNm: attrName, op: opIn, opName: "in", field: field}
	}
	r, _ := compileRule(attr, attrName, field, "in", vals)
	return r
}

// match reports whether the attribute values pass the rule. An absent
// attribute fails every rule (D2), and so does an undeclared one.
func (r *rule) match(a []Value) bool {
	if uint(r.attr) >= uint(len(a)) {
		return false
	}
	v := &a[r.attr]
	if v.failsAll() {
		return false
	}
	switch r.op {
	case opIn:
		return r.contains(v)
	case opNotIn:
		return !r.contains(v)
	case opTruthy:
		switch v.kind {
		case kindString:
			return v.s != ""
		case kindFloat:
			f, _ := v.num()
			return f != 0
		}
		return v.n != 0
	case opEq:
		return v.Equal(r.vals[0])
	case opNeq:
		return !v.Equal(r.vals[0])
	case opLt, opLte, opGt, opGte:
		c, ok := compare(*v, r.vals[0])
		if !ok {
			return false
		}
		switch r.op {
		case opLt:
			return c < 0
		case opLte:
			return c <= 0
		case opGt:
			return c > 0
		}
		return c >= 0
	case opStartsWith, opEndsWith, opContains:
		if v.kind != kindString {
			return false
		}
		for _, w := range r.vals {
			if w.kind != kindString {
				continue
			}
			switch {
			case r.op == opStartsWith && strings.HasPrefix(v.s, w.s),
				r.op == opEndsWith && strings.HasSuffix(v.s, w.s),
				r.op == opContains && strings.Contains(v.s, w.s):
				return true
			}
		}
		return false
	case opMatches:
		if v.kind != kindString {
			return false
		}
		for _, re := range r.res {
			if re.MatchString(v.s) {
				return true
			}
		}
		return false
	case opBefore, opAfter:
		t, ok := valueTime(*v)
		if !ok {
			return false
		}
		if r.op == opBefore {
			return t.Before(r.times[0])
		}
		return t.After(r.times[0])
	case opSemverEq, opSemverLt, opSemverGt:
		if v.kind != kindString {
			return false
		}
		c, ok := compareSemver(v.s, &r.semvers[0])
		if !ok {
			return false
		}
		switch r.op {
		case opSemverEq:
			return c == 0
		case opSemverLt:
			return c < 0
		}
		return c > 0
	}
	return false
}

func (r *rule) contains(v *Value) bool {
	if r.strs == nil {
		return r.containsAny(v)
	}
	if v.kind == kindString {
		for _, w := range r.strs {
			if v.s == w {
				return true
			}
		}
	}
	return false
}

// containsAny is contains over a set or over values of any kind.
func (r *rule) containsAny(v *Value) bool {
	if r.set != nil {
		return v.kind == kindString && r.set[v.s]
	}
	for _, w := range r.vals {
		if v.Equal(w) {
			return true
		}
	}
	return false
}

// compareSemver orders the attribute value s, read by spec.ParseSemver,
// and w (spec.Semver.Compare), and reports whether s is a version. A plain
// release (MAJOR.MINOR.PATCH, the usual value of an app_version attribute)
// is read here without ParseSemver's general parse, the same way.
func compareSemver(s string, w *spec.Semver) (int, bool) {
	v, ok := plainRelease(s)
	if !ok {
		sv, ok := spec.ParseSemver(s)
		if !ok {
			return 0, false
		}
		return sv.Compare(*w), true
	}
	for i, x := range [3]uint64{w.Major, w.Minor, w.Patch} {
		if v[i] != x {
			if v[i] < x {
				return -1, true
			}
			return 1, true
		}
	}
	if w.Pre != "" {
		return 1, true // a release sorts after its pre-releases
	}
	return 0, true
}

// plainRelease reads s when it is MAJOR.MINOR.PATCH: three numbers of 1 to
// 19 digits (which fit a uint64) without leading zeros, and nothing else.
// Any other string (a pre-release, build metadata, longer numbers, not a
// version at all) is not ok: spec.ParseSemver decides it.
func plainRelease(s string) (v [3]uint64, ok bool) {
	part, start := 0, 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != '.' {
			c := s[i] - '0'
			if c > 9 {
				return v, false
			}
			v[part] = v[part]*10 + uint64(c)
			continue
		}
		n := i - start
		if n == 0 || n > 19 || (n > 1 && s[start] == '0') {
			return v, false
		}
		if part++; part == 3 {
			return v, i == len(s)
		}
		start = i + 1
	}
	return v, false
}

// compare orders two numbers, or two strings lexically.
func compare(a, b Value) (int, bool) {
	if a.kind == kindString && b.kind == kindString {
		return strings.Compare(a.s, b.s), true
	}
	if a.kind == kindInt && b.kind == kindInt {
		x, y := int64(a.n), int64(b.n)
		switch {
		case x < y:
			return -1, true
		case x > y:
			return 1, true
		}
		return 0, true
	}
	x, ok1 := a.num()
	y, ok2 := b.num()
	if !ok1 || !ok2 {
		return 0, false
	}
	switch {
	case x < y:
		return -1, true
	case x > y:
		return 1, true
	}
	return 0, true
}

// describe formats the rule for explanations, e.g. `region in ["US" "RO"]`.
func (r *rule) describe() string {
	if r.op == opTruthy {
		return r.attrNm + " is true"
	}
	var b strings.Builder
	b.WriteString(r.attrNm + " " + r.opName + " ")
	var parts []string
	switch {
	case r.res != nil:
		for _, re := range r.res {
			parts = append(parts, strconv.Quote(re.String()))
		}
	case r.times != nil:
		for _, t := range r.times {
			parts = append(parts, t.Format(time.RFC3339))
		}
	case r.semvers != nil:
		for _, s := range r.semvers {
			parts = append(parts, s.Raw)
		}
	default:
		for _, v := range r.vals {
			parts = append(parts, v.GoString())
		}
	}
	if len(parts) == 1 && r.op != opIn && r.op != opNotIn {
		b.WriteString(parts[0])
	} else {
		b.WriteString("[" + strings.Join(parts, ", ") + "]")
	}
	return b.String()
}

// valueTime reads a date attribute: a date string, or Unix seconds.
func valueTime(v Value) (time.Time, bool) {
	switch v.kind {
	case kindString:
		t, err := spec.ParseDate(v.s)
		return t, err == nil
	case kindInt:
		return time.Unix(int64(v.n), 0), true
	}
	return time.Time{}, false
}

// compileTargeting compiles step 9's checks of a flag or segment: its
// regions, account_types and beta_program fields, then its rules.
func compileTargeting(attr func(string) int, regions, accountTypes []string, beta bool, rules []*spec.Rule) ([]rule, error) {
	var out []rule
	if regions != nil {
		out = append(out, inList(attr("region"), "region", "regions", regions))
	}
	if accountTypes != nil {
		out = append(out, inList(attr("account_type"), "account_type", "account_types", accountTypes))
	}
	if beta {
		out = append(out, rule{attr: attr("beta_program"), attrNm: "beta_program", op: opTruthy, field: "beta_program"})
	}
	for k, r := range rules {
		cr, err := compileRule(attr(r.Attribute), r.Attribute, fmt.Sprintf("rules[%d]", k), r.Operator, r.Values)
		if err != nil {
			return nil, err
		}
		out = append(out, cr)
	}
	return out, nil
}
