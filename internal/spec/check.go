package spec

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// checker runs the semantic checks: what the schema cannot say. They read
// only the model, so that Apply re-runs them on a patched spec. Errors carry
// pointers; the caller adds positions when it has a document.
type checker struct {
	s    *Spec
	errs []*Error
	// prefer lists flags to start a reported dependency cycle from (the
	// patched ones), so the error lands on the flag the patch changed.
	prefer []string
	// segCycles holds each segment cycle reported (by segmentCycle), for
	// applySegments.
	segCycles []segCycle
	// owners holds the Go names names declared, with their owners.
	owners map[string]GoNameOwner
}

func (c *checker) errorf(ptr, format string, args ...any) {
	c.errs = append(c.errs, &Error{Pointer: ptr, Msg: fmt.Sprintf(format, args...)})
}

func flagPtr(f *Flag) string { return "/flags/" + escapeToken(f.Name) }

// check returns every semantic problem of s.
func check(s *Spec, prefer ...string) []*Error {
	c := &checker{s: s, prefer: prefer}
	c.context()
	for _, f := range s.Flags {
		c.flag(f)
	}
	c.cycles()
	c.segments()
	c.releases()
	c.names()
	return c.errs
}

func (c *checker) context() {
	for _, a := range c.s.Context {
		p := "/context/" + escapeToken(a.Name)
		if a.Key && a != c.s.Key && c.s.Key != nil {
			c.errorf(p+"/key", "only one attribute can be the key: %q already is", c.s.Key.Name)
		}
		if a == c.s.Key && a.Type != "" && a.Type != Int && a.Type != String {
			c.errorf(p+"/type", "the key attribute must be int or string, not %s", a.Type)
		}
		for i, v := range a.Enum {
			if msg := typeMismatch(v, a.Type); msg != "" {
				c.errorf(p+"/enum/"+strconv.Itoa(i), "%s", msg)
			}
		}
	}
}

// typeMismatch describes why v is not a value of type t, or returns "".
// Values of JSON types the schema already rejects, and whole numbers
// beyond int64 (which the builder reports as out of range), are not
// reported again.
func typeMismatch(v any, t Type) string {
	var want string
	switch t {
	case Int:
		if _, ok := v.(int64); ok {
			return ""
		}
		if f, ok := v.(float64); ok && f == math.Trunc(f) && (f >= 1<<63 || f <= -(1<<63)) {
			return ""
		}
		want = "an integer"
	case Float:
		if _, ok := v.(float64); ok {
			return ""
		}
		want = "a number"
	case String:
		if _, ok := v.(string); ok {
			return ""
		}
		want = "a string"
	case Bool:
		if _, ok := v.(bool); ok {
			return ""
		}
		want = "a boolean"
	default:
		return ""
	}
	return fmt.Sprintf("must be %s, got %s", want, describe(v))
}

// describe names v's JSON type, or shows a number that is not an integer.
func describe(v any) string {
	switch v := v.(type) {
	case string:
		return "string"
	case bool:
		return "boolean"
	case int64:
		return "number"
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case time.Time:
		return "date"
	}
	return fmt.Sprintf("%T", v)
}

func (c *checker) flag(f *Flag) {
	p := flagPtr(f)
	s := c.s
	variantFlag := f.Type != "" && f.Type != Bool

	// Shape by type.
	switch {
	case f.Type == Bool:
		if f.Variants != nil {
			c.errorf(p+"/variants", `a bool flag has no variants: set "type" to string, int, float or enum`)
		}
		if f.DefaultVariant != "" {
			c.errorf(p+"/default", `a bool flag has no default (it is false when it does not apply): set "type" for a variant flag`)
		}
	case variantFlag:
		if f.PercentageRollout != nil {
			c.errorf(p+"/percentage_rollout", "percentage_rollout is for bool flags: %s %s flag splits users with its variant weights", indefinite(string(f.Type)), f.Type)
		}
		c.variants(f)
	}

	// Targeting against the context.
	c.targetingChecks(p, f.Regions, f.AccountTypes, f.BetaProgram, f.Rules)
	c.keys(p, "users", f.Users)
	c.segmentRefs(p, f.Segments)
	if f.PercentageRollout != nil && !variantFlag && s.Key == nil {
		c.errorf(p+"/percentage_rollout", `percentage_rollout needs a key attribute to bucket by (declare one with "key": true)`)
	}
	if len(s.Environments) > 0 {
		for i, e := range f.Environments {
			if !slices.Contains(s.Environments, e) {
				c.errorf(p+"/environments/"+strconv.Itoa(i), "environment %q is not declared (declared: %s)", e, strings.Join(s.Environments, ", "))
			}
		}
	}
	for i, d := range f.DependsOn {
		dp := p + "/depends_on/" + strconv.Itoa(i)
		switch g := s.Flag(d); {
		case g == nil:
			c.errorf(dp, "unknown flag %q%s", d, didYouMean(d, flagNames(s)))
		case g.Type != Bool && g.Type != "":
			c.errorf(dp, "%q is %s %s flag: only bool flags can be depended on", d, indefinite(string(g.Type)), g.Type)
		}
	}
	if st := f.Strategy; st != nil && f.Type != "" {
		c.strategy(f, st)
	}
}

// targetingChecks checks step 9's fields of the flag or segment at
// pointer p against the context.
func (c *checker) targetingChecks(p string, regions, accountTypes []string, beta bool, rules []*Rule) {
	c.targeting(p, "regions", "region", regions)
	c.targeting(p, "account_types", "account_type", accountTypes)
	if beta {
		if a := c.s.Attribute("beta_program"); a == nil {
			c.errorf(p+"/beta_program", `beta_program needs a "beta_program" attribute in context`)
		} else if a.Type != Bool && a.Type != "" {
			c.errorf(p+"/beta_program", `beta_program needs "beta_program" to be a bool attribute, not %s`, a.Type)
		}
	}
	for i, r := range rules {
		c.rule(p, i, r)
	}
}

// keys checks a list of key attribute values (a flag's users, a segment's
// include or exclude), field of the object at pointer p.
func (c *checker) keys(p, field string, ids *IDs) {
	if ids == nil {
		return
	}
	s := c.s
	// Entries of the other type than the key's are the builder's to
	// report (an IDs holds one type); a whole list of it is ours.
	switch {
	case s.Key == nil:
		c.errorf(p+"/"+field, `%s needs a key attribute to match (declare one with "key": true)`, field)
	case ids.Len() > 0 && (s.Key.Type == String) != ids.Strings() && typeMismatch(ids.At(0), s.Key.Type) != "":
		c.errorf(p+"/"+field, "%s (key attribute %q is %s)", strings.Replace(typeMismatch(ids.At(0), s.Key.Type), "must be", "entries must be", 1), s.Key.Name, s.Key.Type)
	}
}

func (c *checker) targeting(p, field, attr string, vals []string) {
	if vals == nil {
		return
	}
	p += "/" + field
	a := c.s.Attribute(attr)
	switch {
	case a == nil:
		c.errorf(p, "%s needs %s %q attribute in context", field, indefinite(attr), attr)
		return
	case a.Type != String && a.Type != "":
		c.errorf(p, "%s needs %q to be a string attribute, not %s", field, attr, a.Type)
		return
	}
	for i, v := range vals {
		if len(a.Enum) > 0 && !slices.Contains(a.Enum, any(v)) {
			c.errorf(p+"/"+strconv.Itoa(i), "%q is not a value of attribute %q (one of %s)", v, attr, joinAny(a.Enum))
		}
	}
}

// PinnedVariant is the name under which exposure counts the evaluations
// of a flag pinned in a test (runtime.PinnedVariant): no variant may have
// it.
const PinnedVariant = "(pinned)"

func (c *checker) variants(f *Flag) {
	p := flagPtr(f)
	var sum float64
	weighted := 0
	for _, v := range f.Variants {
		vp := p + "/variants/" + escapeToken(v.Name)
		if v.Name == PinnedVariant {
			c.errorf(vp, "variant name %q is reserved: exposure counts evaluations of a flag pinned in a test under it", v.Name)
		}
		sum += v.Weight
		if v.Weight > 0 {
			weighted++
		}
		switch f.Type {
		case Int, Float:
			if v.Value == nil {
				c.errorf(vp, `%s %s variant needs a "value": {"value": ..., "weight": %v}`, indefinite(string(f.Type)), f.Type, v.Weight)
			} else if msg := typeMismatch(v.Value, f.Type); msg != "" {
				c.errorf(vp+"/value", "%s", msg)
			}
		case String:
			if msg := typeMismatch(v.Value, String); msg != "" {
				c.errorf(vp+"/value", "%s", msg)
			}
		case Enum:
			if v.Value != v.Name {
				c.errorf(vp+"/value", `an enum variant's value is its name: remove "value"`)
			}
			if !isExportedIdent(v.GoName) {
				c.errorf(vp, "variant %q does not make a Go constant name (%s)", v.Name, v.GoName)
			}
		}
	}
	c.distinctValues(f)
	if len(f.Variants) > 0 && math.Abs(sum-100) > 1e-9 {
		c.errorf(p+"/variants", "variant weights must sum to 100, got %s", strconv.FormatFloat(sum, 'g', -1, 64))
	}
	if weighted > 1 && c.s.Key == nil {
		c.errorf(p+"/variants", `splitting users between variants needs a key attribute to bucket by (declare one with "key": true)`)
	}
	if f.DefaultVariant == "" {
		if len(f.Variants) > 0 {
			c.errorf(p, `%s %s flag needs a "default" variant`, indefinite(string(f.Type)), f.Type)
		}
		return
	}
	if !slices.ContainsFunc(f.Variants, func(v *Variant) bool { return v.Name == f.DefaultVariant }) {
		names := make([]string, len(f.Variants))
		for i, v := range f.Variants {
			names[i] = v.Name
		}
		if m := didYouMean(f.DefaultVariant, names); m != "" {
			c.errorf(p+"/default", "default %q is not a variant%s", f.DefaultVariant, m)
		} else {
			c.errorf(p+"/default", "default %q is not a variant (one of %s)", f.DefaultVariant, strings.Join(names, ", "))
		}
	}
}

// distinctValues reports a variant whose value another variant of f already
// has (numbers compare by value: 1 and 1.0 are the same): evaluation, the
// generated enum constants and strategy switches need one variant per value.
func (c *checker) distinctValues(f *Flag) {
	p := flagPtr(f)
	seen := map[any]*Variant{}
	for _, v := range f.Variants {
		key := v.Value
		switch x := key.(type) {
		case int64:
			key = float64(x)
		case nil:
			continue // reported above
		}
		if prev, dup := seen[key]; dup {
			ptr := p + "/variants/" + escapeToken(v.Name)
			if f.Type == Int || f.Type == Float || v.Value != v.Name {
				ptr += "/value"
			}
			c.errorf(ptr, "variants %q and %q have the same value %s: each variant needs its own", prev.Name, v.Name, quoteAny(v.Value))
			continue
		}
		seen[key] = v
	}
}

// Operator groups. Equality operators apply to every type; the others to
// the types listed.
var (
	ordered    = []Type{Int, Float}
	stringy    = []Type{String}
	opTypes    = map[string][]Type{"lt": ordered, "lte": ordered, "gt": ordered, "gte": ordered, "starts_with": stringy, "ends_with": stringy, "contains": stringy, "matches": stringy, "before": stringy, "after": stringy, "semver_eq": stringy, "semver_lt": stringy, "semver_gt": stringy}
	singleOps  = []string{"eq", "neq", "lt", "lte", "gt", "gte", "before", "after", "semver_eq", "semver_lt", "semver_gt"}
	equalityOp = []string{"in", "not_in", "eq", "neq"}
)

// opsFor lists the operators that apply to type t.
func opsFor(t Type) string {
	ops := slices.Clone(equalityOp)
	for _, op := range []string{"lt", "lte", "gt", "gte", "starts_with", "ends_with", "contains", "matches", "before", "after", "semver_eq", "semver_lt", "semver_gt"} {
		if slices.Contains(opTypes[op], t) {
			ops = append(ops, op)
		}
	}
	return strings.Join(ops, ", ")
}

// rule checks rule i of the flag or segment at pointer p.
func (c *checker) rule(p string, i int, r *Rule) {
	p += "/rules/" + strconv.Itoa(i)
	if r.Attribute == "" || r.Operator == "" {
		return // reported by the schema
	}
	a := c.s.Attribute(r.Attribute)
	if a == nil {
		c.errorf(p+"/attribute", "unknown attribute %q: declare it in context%s", r.Attribute, didYouMean(r.Attribute, attrNames(c.s)))
		return
	}
	if a.Type == "" {
		return
	}
	if ts, ok := opTypes[r.Operator]; ok && !slices.Contains(ts, a.Type) {
		c.errorf(p+"/operator", "operator %q does not apply to %s attribute %q (use %s)", r.Operator, a.Type, a.Name, opsFor(a.Type))
		return
	}
	if slices.Contains(singleOps, r.Operator) && len(r.Values) > 1 {
		c.errorf(p+"/values", "operator %q takes exactly one value, got %d", r.Operator, len(r.Values))
	}
	for j, v := range r.Values {
		vp := p + "/values/" + strconv.Itoa(j)
		switch v.(type) {
		case string, bool, int64, float64, time.Time:
		default:
			continue // reported by the schema
		}
		switch r.Operator {
		case "before", "after":
			if sv, ok := v.(string); ok {
				if _, err := ParseDate(sv); err != nil {
					c.errorf(vp, "%v", err)
				}
			} else if _, ok := v.(time.Time); !ok {
				c.errorf(vp, "must be a date string, got %s", describe(v))
			}
			continue
		}
		if msg := typeMismatch(v, a.Type); msg != "" {
			c.errorf(vp, "%s (attribute %q is %s)", msg, a.Name, a.Type)
			continue
		}
		switch r.Operator {
		case "matches":
			if _, err := regexp.Compile(v.(string)); err != nil {
				c.errorf(vp, "invalid regular expression: %s", strings.TrimPrefix(err.Error(), "error parsing regexp: "))
			}
		case "semver_eq", "semver_lt", "semver_gt":
			if _, ok := ParseSemver(v.(string)); !ok {
				c.errorf(vp, "%q is not a semantic version (want MAJOR.MINOR.PATCH, like 2.3.0)", v)
			}
		case "in", "not_in", "eq", "neq":
			if len(a.Enum) > 0 && !slices.Contains(a.Enum, v) {
				c.errorf(vp, "%s is not a value of attribute %q (one of %s)", quoteAny(v), a.Name, joinAny(a.Enum))
			}
		}
	}
}

func (c *checker) strategy(f *Flag, st *Strategy) {
	p := flagPtr(f) + "/strategy"
	var missing []string
	for _, state := range st.Order {
		if _, ok := st.Impls[state]; !ok {
			missing = append(missing, state)
		}
	}
	if len(missing) > 0 {
		if f.Type == Bool {
			c.errorf(p, "strategy %q must name an implementation for each state: missing %s", st.Name, quoteJoin(missing))
		} else {
			c.errorf(p+"/variants", "strategy %q must name an implementation for each variant: missing %s", st.Name, quoteJoin(missing))
		}
	}
	if f.Type != Bool {
		var unknown []string
		for state := range st.Impls {
			if !slices.Contains(st.Order, state) {
				unknown = append(unknown, state)
			}
		}
		slices.Sort(unknown)
		for _, u := range unknown {
			c.errorf(p+"/variants/"+escapeToken(u), "%q is not a variant of %q%s", u, f.Name, didYouMean(u, st.Order))
		}
	}
	seen := map[string]string{}
	for _, state := range st.Order {
		impl, ok := st.Impls[state]
		if !ok {
			continue
		}
		ip := p + "/" + escapeToken(state)
		if f.Type != Bool {
			ip = p + "/variants/" + escapeToken(state)
		}
		g := GoName(impl)
		if prev, dup := seen[g]; dup {
			c.errorf(ip, "implementation %s is already used for %q: each state needs its own", g, prev)
		}
		seen[g] = state
	}
}

func (c *checker) releases() {
	names := flagNames(c.s)
	for _, r := range c.s.Releases {
		for i, name := range r.Flags {
			if c.s.Flag(name) == nil {
				c.errorf("/releases/"+escapeToken(r.Name)+"/flags/"+strconv.Itoa(i), "unknown flag %q%s", name, didYouMean(name, names))
			}
		}
	}
}

// cycles reports each depends_on cycle once, starting from a preferred
// (patched) flag when one is on it, else from its first flag by name.
func (c *checker) cycles() {
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	var stack []string
	seen := map[string]bool{}
	var visit func(name string)
	visit = func(name string) {
		color[name] = grey
		stack = append(stack, name)
		f := c.s.Flag(name)
		for _, d := range f.DependsOn {
			if c.s.Flag(d) == nil {
				continue
			}
			switch color[d] {
			case white:
				visit(d)
			case grey:
				i := slices.Index(stack, d)
				c.cycle(slices.Clone(stack[i:]), seen)
			}
		}
		stack = stack[:len(stack)-1]
		color[name] = black
	}
	var order []string
	for _, p := range c.prefer {
		if c.s.Flag(p) != nil {
			order = append(order, p)
		}
	}
	order = append(order, flagNames(c.s)...)
	for _, name := range order {
		if color[name] == white {
			visit(name)
		}
	}
}

func (c *checker) cycle(members []string, seen map[string]bool) {
	rot, fresh := rotateCycle(members, c.prefer, seen)
	if !fresh {
		return
	}
	first := c.s.Flag(rot[0])
	next := rot[0]
	if len(rot) > 1 {
		next = rot[1]
	}
	idx := slices.Index(first.DependsOn, next)
	c.errorf(flagPtr(first)+"/depends_on/"+strconv.Itoa(idx), "dependency cycle %s → %s", strings.Join(rot, " → "), rot[0])
}

// rotateCycle returns the members of a cycle starting from the first of
// prefer on it, else from its least name, and whether seen (the cycles
// reported so far, which it adds it to) lacked it.
func rotateCycle(members, prefer []string, seen map[string]bool) ([]string, bool) {
	start := 0
	for i, m := range members {
		if m < members[start] {
			start = i
		}
	}
	for _, p := range prefer {
		if i := slices.Index(members, p); i >= 0 {
			start = i
			break
		}
	}
	rot := append(slices.Clone(members[start:]), members[:start]...)
	key := strings.Join(rot, "\x00")
	if seen[key] {
		return rot, false
	}
	seen[key] = true
	return rot, true
}

// A GoNameOwner is what declares a package-level Go name in the generated
// package: a description ("flag \"new_ui\"") and the JSON pointer of its
// place in the spec; both empty for GeneratedNames.
type GoNameOwner struct {
	What, Pointer string
}

// GoNames returns every package-level Go name the generated package
// declares for s (flags, enum flags' value types and variants,
// strategies, typed attributes' types, parse functions and constants,
// GeneratedNames), each with its owner: the names checked unique at
// parse, for generators that add names of their own to check against.
func (s *Spec) GoNames() map[string]GoNameOwner {
	c := &checker{s: s}
	c.names()
	return c.owners
}

// names checks that every Go name the generated package will declare is a
// valid exported identifier and is declared once, recording each in
// c.owners.
func (c *checker) names() {
	owner := map[string]GoNameOwner{}
	c.owners = owner
	for _, n := range GeneratedNames {
		owner[n] = GoNameOwner{}
	}
	claim := func(ptr, goName, what string) bool {
		if !isExportedIdent(goName) {
			c.errorf(ptr, "%s does not make an exported Go identifier (%q)", what, goName)
			return false
		}
		o, taken := owner[goName]
		prev := o.What
		switch {
		case !taken:
			owner[goName] = GoNameOwner{what, ptr}
			return true
		case prev == "":
			c.errorf(ptr, "%s makes the Go name %s, which the generated package already declares: rename it", what, goName)
		default:
			c.errorf(ptr, "%s makes the Go name %s, already used by %s", what, goName, prev)
		}
		return false
	}
	attrs := map[string]string{}
	for _, a := range c.s.Context {
		p := "/context/" + escapeToken(a.Name)
		if !isExportedIdent(a.GoName) {
			c.errorf(p, "attribute %q does not make an exported Go identifier (%q)", a.Name, a.GoName)
		} else if prev, ok := attrs[a.GoName]; ok {
			c.errorf(p, "attribute %q makes the Go field name %s, already used by attribute %q", a.Name, a.GoName, prev)
		} else {
			attrs[a.GoName] = a.Name
		}
	}
	for _, a := range c.s.Context {
		if !a.Typed() || !isExportedIdent(a.GoName) {
			continue
		}
		p := "/context/" + escapeToken(a.Name)
		what := fmt.Sprintf("the type of attribute %q", a.Name)
		if !claim(p, a.GoName, what) || !claim(p, "Parse"+a.GoName, fmt.Sprintf("the parse function of attribute %q", a.Name)) {
			continue
		}
		for i, v := range a.Enum {
			s, ok := v.(string)
			if !ok { // reported by context
				continue
			}
			vp := p + "/enum/" + strconv.Itoa(i)
			if GoName(s) == "" {
				c.errorf(vp, "value %q of attribute %q makes no Go constant name: give it a letter or a digit", s, a.Name)
				continue
			}
			claim(vp, a.EnumConst(i), fmt.Sprintf("value %q of attribute %q", s, a.Name))
		}
	}
	for _, f := range c.s.Flags {
		p := flagPtr(f)
		claim(p, f.GoName, fmt.Sprintf("flag %q", f.Name))
		if f.Type == Enum {
			claim(p+"/type", f.GoName+"Variant", fmt.Sprintf("the value type of enum flag %q", f.Name))
			for _, v := range f.Variants {
				if isExportedIdent(v.GoName) {
					claim(p+"/variants/"+escapeToken(v.Name), v.GoName, fmt.Sprintf("variant %q of flag %q", v.Name, f.Name))
				}
			}
		}
		if st := f.Strategy; st != nil && isExportedIdent(st.Name) { // else reported by the schema
			sp := p + "/strategy/name"
			what := fmt.Sprintf("strategy %q of flag %q", st.Name, f.Name)
			_ = claim(sp, st.Name+"Factory", what) && claim(sp, st.Name+"Impls", what) && claim(sp, "New"+st.Name+"Factory", what)
		}
	}
}

func flagNames(s *Spec) []string {
	names := make([]string, len(s.Flags))
	for i, f := range s.Flags {
		names[i] = f.Name
	}
	return names
}

func attrNames(s *Spec) []string {
	names := make([]string, len(s.Context))
	for i, a := range s.Context {
		names[i] = a.Name
	}
	return names
}

func didYouMean(s string, candidates []string) string {
	if m := Suggest(s, candidates); m != "" {
		return fmt.Sprintf(" (did you mean %q?)", m)
	}
	return ""
}

// indefinite returns the indefinite article for word, by its spelling: "an"
// before a vowel ("an int", "an account_type"), "a" otherwise and before a
// "u" said "you" ("a user_id", "a unit").
func indefinite(word string) string {
	w := strings.ToLower(word)
	switch {
	case w == "":
		return "a"
	case strings.HasPrefix(w, "us"), strings.HasPrefix(w, "uni"), strings.HasPrefix(w, "uu"), strings.HasPrefix(w, "uri"):
		return "a"
	case strings.ContainsRune("aeiou", rune(w[0])):
		return "an"
	}
	return "a"
}

func quoteAny(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return fmt.Sprint(v)
}

func joinAny(vs []any) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = fmt.Sprint(v)
	}
	return strings.Join(s, ", ")
}

func quoteJoin(vs []string) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = strconv.Quote(v)
	}
	return strings.Join(s, ", ")
}
