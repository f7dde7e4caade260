package engine

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/flaggen/flaggen/internal/spec"
)

// step identifies the cascade step that decided an evaluation.
type step uint8

const (
	stepPinned     step = iota // ToggleAs
	stepActive                 // 1: active false → off
	stepActivation             // 2: activation_date not reached → off
	stepEnv                    // 3: environment not listed → off
	stepTripped                // 4/5: a monitor switched the flag off
	stepDeps                   // 6: a dependency is off → off
	stepEmpty                  // 7: empty context → on
	stepUsers                  // 8: allow-listed → on
	stepTargeting              // 9: a targeting check failed → off
	stepRollout                // 10: bucket < percentage_rollout → on, else off
	stepNoKey                  // 10: rollout (or variant) needs the key attribute, absent → off/default
	stepPass                   // 9 passed, no rollout → on
	stepVariant                // variant chosen by bucket
	stepSegments               // 9: the context is in none of the flag's segments → off
)

// verdict is the outcome of one evaluation: compact, string-free, so the
// hot path builds it for free and Explain formats it afterwards.
type verdict struct {
	on      bool // bool flags: the value; variant flags: steps 1–9 passed
	step    step
	via     uint8 // how segment seg matched (viaInclude, viaTargeting); viaNone: no segment decided
	seg     int16 // the flag's segment (index in ccomp.segs) that matched, when via is set
	arg     int   // stepDeps: dependency flag index; stepTargeting: rule index; stepVariant: variant index
	bucket  int   // stepRollout, stepVariant
	variant int   // variant flags: the chosen variant index, -1 for the default
}

// cvariant is one compiled variant.
type cvariant struct {
	name string
	val  Value
	cum  float64 // cumulative weight: chosen when bucket < cum
}

// cflag is one flag compiled for a Snapshot: the compilation of its live
// definition (shared, read-only, by every Snapshot in which the definition
// is the same, so that a live change copies little), and what depends on
// the Snapshot: its pin, the time, and its dependencies' constant values.
type cflag struct {
	*ccomp

	// Constant result, valid when isConst: the value cannot depend on the
	// context right now.
	isConst  bool
	cb       bool
	checkAct bool // the activation date is checked (not reached, or WithClock)
	cs       string
	ci       int64
	cf       float64
	cverd    verdict
	deps     []int // dependencies whose value depends on the context
	pin      *Pin
}

// ccomp is what a flag's live definition compiles to in a Client's
// environment.
type ccomp struct {
	name       string
	typ        spec.Type
	variantFl  bool
	active     bool
	hasAct     bool
	actAt      time.Time // the activation date, when hasAct
	envOK      bool
	tripped    string
	allDeps    []int     // every dependency
	users      *spec.IDs // the allow-list, shared with the live spec; nil: none
	usersN     []uint64  // a few integer users: their bits
	rules      []rule
	segs       []*cseg // the context must be in one of these (step 9); nil: none
	nseg       int     // the number of the Snapshot's segments, for segMemo
	hasRollout bool
	rollout    float64
	salt       string
	saltW      saltWords // salt as hash-block words, for integer keys
	variants   []cvariant
	def        Value   // default value of a variant flag
	baseline   float64 // performance_baseline seconds (+Inf when unset), for monitors
	src        *spec.Flag
}

// Snapshot is an immutable compiled view of the spec, live state and pins.
// Clients swap it atomically; readers never lock.
type Snapshot struct {
	flags   []*cflag // shared with the previous Snapshot where unchanged: a live change copies pointers
	key     int
	env     string
	clock   func() time.Time // nil: activation dates were resolved at build time
	version uint64           // live-state version it was built from
	live    *spec.Spec       // the spec with live patches applied
	next    time.Time        // earliest future activation date (rebuild then), zero if none
	segs    map[string]*cseg // the compiled segments, by name
	// segsNew is set while Build compiles s when the segments differ from
	// in.Prev's: a flag that lists segments is compiled again.
	segsNew bool
}

// Pin is a test override of one flag: its value, and the test that set it
// (for explanations).
type Pin struct {
	Val  Value
	Test string
}

// Input is everything a Snapshot is built from.
type Input struct {
	Base    *spec.Spec // the validated spec: flag names and indexes, the key attribute
	ByName  map[string]int
	Live    *spec.Spec // Base with live patches applied
	Version uint64     // the live-state version Live comes from
	Env     string
	Clock   func() time.Time // nil: activation dates are resolved at build time against Now
	Now     time.Time
	Pins    map[int]*Pin
	Prev    *Snapshot // the snapshot replaced, whose compiled flags are reused when unchanged

	// Parallel, when set, calls work(0) … work(n-1) and returns when all
	// have returned; they may run at once. Build uses it, with up to
	// Workers chunks, to compile many flags (a thousand or more a chunk).
	Parallel func(n int, work func(w int))
	Workers  int
}

// baseKey is the index of the bucketing attribute of m, -1 when none.
func baseKey(m *spec.Spec) int {
	if m.Key == nil {
		return -1
	}
	return m.Key.Index
}

// Build compiles a Snapshot. When few flags changed since in.Prev (same
// environment and clock, no activation date passed since: changedSince),
// it copies in.Prev's compiled flags and compiles again only those whose
// live definition or pin changed, with the flags depending on them when
// their constant value moved. Segments are compiled once per Snapshot and
// into every flag that lists them; when a segment's live definition
// changed, Build starts from scratch and compiles again the flags that list
// segments (the others keep their compilation).
func Build(in Input) (*Snapshot, error) {
	s := &Snapshot{
		key:     baseKey(in.Base),
		env:     in.Env,
		clock:   in.Clock,
		version: in.Version,
		live:    in.Live,
	}
	attrIdx := map[string]int{}
	for _, a := range in.Live.Context {
		attrIdx[a.Name] = a.Index
	}
	attr := func(name string) int {
		if i, ok := attrIdx[name]; ok {
			return i
		}
		return -1
	}
	if p := in.Prev; p != nil && p.live != nil && sameSegments(p.live, in.Live) {
		s.segs = p.segs
	} else {
		segs, err := compileSegments(in.Live, attr)
		if err != nil {
			return nil, err
		}
		s.segs, s.segsNew = segs, true
	}
	defer func() { s.segsNew = false }()
	state := make([]uint8, len(in.Live.Flags)) // fold: 0 new, 1 in progress, 2 done
	var fold func(i int) error
	fold = func(i int) error {
		switch state[i] {
		case 1:
			return fmt.Errorf("depends_on cycle through flag %q", s.flags[i].name)
		case 2:
			return nil
		}
		state[i] = 1
		for _, d := range s.flags[i].deps {
			if err := fold(d); err != nil {
				return err
			}
		}
		s.fold(i)
		state[i] = 2
		return nil
	}
	// compileFold compiles and folds the flags of todo (state 0), the
	// others being done.
	compileFold := func(todo []int) error {
		if err := s.compileAll(in, todo, attr); err != nil {
			return err
		}
		for _, i := range todo {
			if err := fold(i); err != nil {
				return err
			}
		}
		return nil
	}
	if dirty, ok := changedSince(in); ok && !s.segsNew {
		// Only some live flags or pins changed since in.Prev: copy it,
		// compile and fold again what changed.
		p := in.Prev
		s.flags = slices.Clone(p.flags) // compile replaces, never modifies, what it recompiles
		s.next = p.next                 // the earliest date may have gone: a rebuild then is harmless
		dirty = s.unpinned(in, dirty)
		for i := range state {
			state[i] = 2
		}
		for _, i := range dirty {
			state[i] = 0
		}
		if err := compileFold(dirty); err != nil {
			return nil, err
		}
		// Dependants fold the constant value of their dependencies: when
		// that of a changed flag changed, compile and fold again every
		// flag depending on it, directly or not.
		var moved []int
		for _, i := range dirty {
			o, c := p.flags[i], s.flags[i]
			if o.isConst != c.isConst || o.isConst && o.constOn() != c.constOn() {
				moved = append(moved, i)
			}
		}
		if len(moved) > 0 {
			again := dependants(in, moved)
			for _, i := range again {
				state[i] = 0
			}
			if err := compileFold(again); err != nil {
				return nil, err
			}
		}
		return s, nil
	}
	s.flags = make([]*cflag, len(in.Live.Flags))
	all := make([]int, len(s.flags))
	for i := range all {
		all[i] = i
	}
	// Constant folding, dependencies first (the spec guarantees no cycles).
	if err := compileFold(all); err != nil {
		return nil, err
	}
	return s, nil
}

// changedSince returns the flags whose live definition changed since
// in.Prev or that are pinned (see unpinned for the pins removed), and false when the Snapshot is better built from scratch:
// no previous one, another environment or clock, an activation date
// passed since, or a quarter of the flags or more changed.
func changedSince(in Input) ([]int, bool) {
	p := in.Prev
	if p == nil || p.live == nil || len(p.flags) != len(in.Live.Flags) || len(in.Live.Flags) != len(in.Base.Flags) || p.env != in.Env ||
		(p.clock == nil) != (in.Clock == nil) || !p.next.IsZero() && !in.Now.Before(p.next) {
		return nil, false
	}
	var dirty []int
	for i, f := range in.Live.Flags {
		if f != p.live.Flags[i] || in.Pins[i] != nil {
			dirty = append(dirty, i)
		}
	}
	return dirty, len(dirty) < max(1, len(p.flags)/4)
}

// unpinned adds to dirty the flags of s (a copy of the previous Snapshot)
// pinned there and not in in.Pins, unless their live definition changed
// (changedSince has them already: a flag twice in dirty would be compiled
// twice, possibly by two goroutines at once).
func (s *Snapshot) unpinned(in Input, dirty []int) []int {
	for i := range s.flags {
		if s.flags[i].pin != nil && in.Pins[i] == nil && in.Live.Flags[i] == in.Prev.live.Flags[i] {
			dirty = append(dirty, i)
		}
	}
	return dirty
}

// dependants returns the flags of in.Live that depend on a flag of from,
// directly or through others.
func dependants(in Input, from []int) []int {
	mark := make([]bool, len(in.Live.Flags))
	for _, i := range from {
		mark[i] = true
	}
	var out []int
	for grew := true; grew; {
		grew = false
		for j, f := range in.Live.Flags {
			if mark[j] {
				continue
			}
			for _, d := range f.DependsOn {
				if k, ok := in.ByName[d]; ok && mark[k] {
					mark[j], grew = true, true
					out = append(out, j)
					break
				}
			}
		}
	}
	return out
}

// compileAll compiles the flags of todo (compile), in in.Workers chunks run
// by in.Parallel when they are many, and moves s.next to the earliest
// future activation date among them. The error is that of the first flag of
// todo that fails.
func (s *Snapshot) compileAll(in Input, todo []int, attr func(string) int) error {
	workers := 1
	if in.Parallel != nil {
		workers = max(1, min(in.Workers, len(todo)/1024))
	}
	errs := make([]error, workers)
	chunk := func(w int) {
		for _, i := range todo[w*len(todo)/workers : (w+1)*len(todo)/workers] {
			if errs[w] = s.compile(in, i, attr); errs[w] != nil {
				return
			}
		}
	}
	if workers == 1 {
		chunk(0)
	} else {
		in.Parallel(workers, chunk)
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	for _, i := range todo {
		if c := s.flags[i]; c.checkAct && in.Clock == nil && (s.next.IsZero() || c.actAt.Before(s.next)) {
			s.next = c.actAt
		}
	}
	return nil
}

// compile compiles flag i of in.Live into s.flags[i], sharing what was
// compiled from the same definition for in.Prev.
func (s *Snapshot) compile(in Input, i int, attr func(string) int) error {
	f := in.Live.Flags[i]
	if f.Name != in.Base.Flags[i].Name {
		return fmt.Errorf("live spec flag %d is %q, want %q", i, f.Name, in.Base.Flags[i].Name)
	}
	c := &cflag{pin: in.Pins[i]}
	s.flags[i] = c
	if p := in.Prev; p != nil && i < len(p.flags) && p.flags[i].src == f && p.env == in.Env && (f.Segments == nil || !s.segsNew) {
		c.ccomp = p.flags[i].ccomp
	} else {
		k, err := compileFlag(in, f, attr, s.segs)
		if err != nil {
			return err
		}
		c.ccomp = k
	}
	// Constant off until the date, when a rebuild timer drops the check;
	// with a clock, checked on each evaluation.
	c.checkAct = c.hasAct && (in.Clock != nil || in.Now.Before(c.actAt))
	c.deps = c.allDeps
	return nil
}

// compileFlag compiles live flag f for in's environment.
func compileFlag(in Input, f *spec.Flag, attr func(string) int, segs map[string]*cseg) (*ccomp, error) {
	c := &ccomp{
		src:       f,
		name:      f.Name,
		typ:       f.Type,
		variantFl: f.Type != spec.Bool && f.Type != "",
		active:    f.Active,
		tripped:   f.Tripped,
		baseline:  math.Inf(1),
		envOK:     f.Environments == nil,
		salt:      cmp.Or(f.Salt, f.Name),
	}
	if f.PerformanceBaseline != nil {
		c.baseline = *f.PerformanceBaseline
	}
	if f.ActivationDate != nil {
		c.hasAct, c.actAt = true, *f.ActivationDate
	}
	for _, e := range f.Environments {
		if e == in.Env {
			c.envOK = true
		}
	}
	for _, d := range f.DependsOn {
		j, ok := in.ByName[d]
		if !ok {
			return nil, fmt.Errorf("flag %q: depends_on unknown flag %q", f.Name, d)
		}
		c.allDeps = append(c.allDeps, j)
	}
	c.saltW = newSaltWords(c.salt)
	if f.PercentageRollout != nil {
		c.hasRollout, c.rollout = true, *f.PercentageRollout
	}
	if f.Users != nil {
		c.users = f.Users
		if n := f.Users.Len(); n <= 8 && !f.Users.Strings() {
			c.usersN = make([]uint64, n)
			for k := range n {
				c.usersN[k] = uint64(f.Users.Int(k))
			}
		}
	}
	rules, err := compileTargeting(attr, f.Regions, f.AccountTypes, f.BetaProgram, f.Rules)
	if err != nil {
		return nil, fmt.Errorf("flag %q: %w", f.Name, err)
	}
	c.rules = rules
	if f.Segments != nil {
		c.segs = make([]*cseg, 0, len(f.Segments))
		c.nseg = len(segs)
	}
	for _, name := range f.Segments {
		g := segs[name]
		if g == nil {
			return nil, fmt.Errorf("flag %q: unknown segment %q", f.Name, name)
		}
		c.segs = append(c.segs, g)
	}
	if c.variantFl {
		var cum float64
		for _, v := range f.Variants {
			cum += v.Weight
			c.variants = append(c.variants, cvariant{name: v.Name, val: ValueOf(v.Value), cum: cum})
		}
		c.def = ValueOf(f.Default)
	}
	return c, nil
}

// fold decides whether flag i's value is constant and records it.
func (s *Snapshot) fold(i int) {
	c := s.flags[i]
	if c.pin != nil {
		c.isConst = true
		// For dependants a pinned bool flag is on only when pinned true
		// (variant flags cannot be depended on).
		c.cverd = verdict{step: stepPinned, on: c.variantFl || c.pin.Val.n != 0, variant: -1}
		c.setConst(c.pin.Val)
		return
	}
	var v verdict
	switch {
	case !c.active:
		v = verdict{step: stepActive}
	case c.checkAct && s.clock == nil:
		v = verdict{step: stepActivation}
	case !c.envOK:
		v = verdict{step: stepEnv}
	case c.tripped != "":
		v = verdict{step: stepTripped}
	default:
		if c.checkAct {
			return // WithClock: the activation check stays on the hot path
		}
		// Dependencies: constant off decides; constant on drops out.
		var dyn []int
		for _, d := range c.deps {
			dc := s.flags[d]
			if !dc.isConst {
				dyn = append(dyn, d)
				continue
			}
			if !dc.constOn() {
				c.setConstVerdict(verdict{step: stepDeps, arg: d, variant: -1})
				return
			}
		}
		c.deps = dyn
		if len(dyn) > 0 || len(c.rules) > 0 || c.segs != nil || c.variantFl || c.hasRollout {
			return // depends on the context
		}
		v = verdict{on: true, step: stepPass}
	}
	v.variant = -1
	c.setConstVerdict(v)
}

// The constant states of bool flags that BoolState reports. StateDynamic is
// zero, so that an entry not (yet) set sends its reader to full evaluation.
const (
	StateDynamic = 0 // a flag whose value may depend on the context, or not a bool flag
	StateOff     = 1 // a bool flag that is off whatever the context
	StateOn      = 2 // a bool flag that is on whatever the context
)

// boolState is the flag's state for BoolState.
func (c *cflag) boolState() uint32 {
	switch {
	case !c.isConst || c.variantFl:
		return StateDynamic
	case c.cb:
		return StateOn
	}
	return StateOff
}

// constOn reports whether a constant flag counts as on for its dependants.
func (c *cflag) constOn() bool {
	if c.variantFl {
		return c.cverd.on
	}
	return c.cb
}

func (c *cflag) setConstVerdict(v verdict) {
	c.isConst = true
	c.cverd = v
	if c.variantFl {
		c.setConst(c.def)
		return
	}
	c.cb = v.on
}

func (c *cflag) setConst(v Value) {
	switch v.kind {
	case kindBool:
		c.cb = v.n != 0
	case kindString:
		c.cs = v.s
	case kindInt:
		c.ci = int64(v.n)
	case kindFloat:
		c.cf = math.Float64frombits(v.n)
	}
}

// decide runs the cascade for flag i over attribute values a.
func (s *Snapshot) decide(i int, a []Value) verdict {
	c := s.flags[i]
	if c.isConst {
		return c.cverd
	}
	if !c.active {
		return verdict{step: stepActive, variant: -1}
	}
	if c.checkAct && (s.clock == nil || s.clock().Before(c.actAt)) {
		return verdict{step: stepActivation, variant: -1}
	}
	if !c.envOK {
		return verdict{step: stepEnv, variant: -1}
	}
	if c.tripped != "" {
		return verdict{step: stepTripped, variant: -1}
	}
	for _, d := range c.deps {
		if !s.decide(d, a).on {
			return verdict{step: stepDeps, arg: d, variant: -1}
		}
	}
	// Steps 7–10 (the targeting), then the variant choice.
	var key *Value // the key attribute, nil when the context has none
	if uint(s.key) < uint(len(a)) && !a[s.key].failsAll() {
		key = &a[s.key]
	}
	b := -1 // the key's bucket, once computed
	var seg int16
	var via uint8
	switch {
	case isEmpty(a):
		if !c.variantFl {
			return verdict{on: true, step: stepEmpty, variant: -1}
		}
	case c.users != nil && key != nil && c.listed(key):
		if !c.variantFl {
			return verdict{on: true, step: stepUsers, variant: -1}
		}
	default:
		for k := range c.rules {
			if !c.rules[k].match(a) {
				return verdict{step: stepTargeting, arg: k, variant: -1}
			}
		}
		if c.segs != nil {
			k, how := c.matchSegments(a, key)
			if k < 0 {
				return verdict{step: stepSegments, variant: -1}
			}
			seg, via = int16(k), how
		}
		if !c.hasRollout {
			if !c.variantFl {
				return verdict{on: true, step: stepPass, variant: -1, seg: seg, via: via}
			}
			break
		}
		ok := false
		if key != nil {
			b, ok = bucketValue(key, &c.saltW)
		}
		if !ok {
			return verdict{step: stepNoKey, variant: -1, seg: seg, via: via}
		}
		if on := float64(b) < c.rollout; !on || !c.variantFl {
			return verdict{on: on, step: stepRollout, bucket: b, variant: -1, seg: seg, via: via}
		}
	}
	// Variant flags: steps 1–9 passed; the bucket picks the variant.
	if b < 0 {
		ok := false
		if key != nil {
			b, ok = bucketValue(key, &c.saltW)
		}
		if !ok {
			return verdict{on: true, step: stepNoKey, variant: -1, seg: seg, via: via}
		}
	}
	for k := range c.variants {
		if float64(b) < c.variants[k].cum {
			return verdict{on: true, step: stepVariant, bucket: b, variant: k, seg: seg, via: via}
		}
	}
	return verdict{on: true, step: stepVariant, bucket: b, variant: -1, seg: seg, via: via}
}

// isEmpty reports whether every attribute is absent: the empty
// context (step 7).
func isEmpty(a []Value) bool {
	for k := range a {
		if a[k].kind != kindAbsent {
			return false
		}
	}
	return true
}

// listed reports whether the key v is on the flag's allow-list (step 8):
// a few integers are compared in turn, longer lists searched in order.
// Numbers compare by value across int and float, as Value.equal does.
func (c *cflag) listed(v *Value) bool {
	if v.kind == kindInt && c.usersN != nil {
		for _, u := range c.usersN {
			if v.n == u {
				return true
			}
		}
		return false
	}
	return inIDs(c.users, v)
}

// value returns the flag's value for a verdict as a Value.
func (c *cflag) value(v verdict) Value {
	if v.step == stepPinned {
		return c.pin.Val
	}
	if !c.variantFl {
		return Bool(v.on)
	}
	if v.variant >= 0 {
		return c.variants[v.variant].val
	}
	return c.def
}

// explain formats a verdict as Explain returns it.
func (s *Snapshot) explain(i int, a []Value, v verdict) (flag string, value any, step, reason string) {
	c := s.flags[i]
	flag, value = c.name, c.value(v).Any()
	attrVal := func(k int) Value {
		if k >= 0 && k < len(a) {
			return a[k]
		}
		return Value{}
	}
	keyName := "key attribute"
	if s.live.Key != nil {
		keyName = s.live.Key.Name
	}
	switch v.step {
	case stepPinned:
		step, reason = "pinned", "pinned by ToggleAs in "+c.pin.Test
	case stepActive:
		step, reason = "active", "active is false"
	case stepActivation:
		step, reason = "activation_date", "activation_date "+c.actAt.UTC().Format(time.RFC3339)+" not reached"
	case stepEnv:
		step, reason = "environments", fmt.Sprintf("environment %q not in environments %q", s.env, c.src.Environments)
	case stepTripped:
		step, reason = "tripped", "switched off by a monitor: "+c.tripped
	case stepDeps:
		step, reason = "depends_on", "depends_on: "+s.flags[v.arg].name+" is off"
	case stepEmpty:
		step, reason = "empty_context", "empty context: on for everyone who passes steps 1–6"
	case stepUsers:
		step, reason = "users", fmt.Sprintf("users: %s %s is allow-listed", keyName, attrVal(s.key).GoString())
	case stepTargeting:
		r := &c.rules[v.arg]
		step = r.field
		reason = fmt.Sprintf("%s: %s fails (%s is %s)", r.field, r.describe(), r.attrNm, attrVal(r.attr).GoString())
		if c.variantFl {
			reason += "; default " + c.def.GoString()
		}
	case stepRollout:
		step = "rollout"
		pct := strconv.FormatFloat(c.rollout, 'g', -1, 64)
		if v.on {
			reason = fmt.Sprintf("rollout: bucket %d < %s", v.bucket, pct)
		} else {
			reason = fmt.Sprintf("rollout: bucket %d ≥ %s", v.bucket, pct)
		}
	case stepNoKey:
		if c.variantFl {
			step, reason = "default", fmt.Sprintf("variants: %s absent, default %s", keyName, c.def.GoString())
		} else {
			step, reason = "rollout", fmt.Sprintf("rollout: %s absent", keyName)
		}
	case stepSegments:
		step, reason = "segments", "segments: "+s.segmentsWhy(c, a)
	case stepPass:
		step, reason = "targeting", "every targeting check passes"
		if len(c.rules) == 0 && c.segs == nil {
			reason = "active, nothing constrains it"
		}
	case stepVariant:
		if v.variant < 0 {
			step, reason = "default", fmt.Sprintf("variants: bucket %d beyond the weights, default %s", v.bucket, c.def.GoString())
		} else {
			step, reason = "variants", fmt.Sprintf("variants: bucket %d < cumulative weight %s of %q", v.bucket,
				strconv.FormatFloat(c.variants[v.variant].cum, 'g', -1, 64), c.variants[v.variant].name)
		}
	}
	if v.via != viaNone {
		g := c.segs[v.seg]
		var key *Value
		if k := attrVal(s.key); !k.failsAll() {
			key = &k
		}
		reason += fmt.Sprintf("; segment %s: %s", g.name, g.why(a, key, keyName))
	}
	if c.variantFl && v.step != stepPinned && v.step != stepVariant && v.step != stepNoKey && v.step != stepTargeting {
		reason += "; default " + c.def.GoString()
	}
	return flag, value, step, reason
}

// Len returns the number of flags of s.
func (s *Snapshot) Len() int { return len(s.flags) }

// Version returns the live-state version s was built from.
func (s *Snapshot) Version() uint64 { return s.version }

// Live returns the spec with live patches applied that s was built from.
func (s *Snapshot) Live() *spec.Spec { return s.live }

// Next returns the earliest future activation date of a flag of s, at
// which s must be built again (the date is resolved at build time without
// a clock), or the zero time when there is none.
func (s *Snapshot) Next() time.Time { return s.next }

// BoolState returns flag i's constant state: StateOff or StateOn while bool
// flag i cannot depend on the context (as ConstBool reports), else
// StateDynamic.
func (s *Snapshot) BoolState(i int) uint32 { return s.flags[i].boolState() }

// Pinned reports whether flag i is pinned by a test.
func (s *Snapshot) Pinned(i int) bool { return s.flags[i].pin != nil }

// Tripped returns why a monitor switched flag i off, or "".
func (s *Snapshot) Tripped(i int) string { return s.flags[i].tripped }

// SwitchedOn reports whether flag i is active and not tripped in live state.
func (s *Snapshot) SwitchedOn(i int) bool { return s.flags[i].active && s.flags[i].tripped == "" }

// Baseline returns flag i's performance_baseline in seconds, +Inf when unset.
func (s *Snapshot) Baseline(i int) float64 { return s.flags[i].baseline }

// ConstBool returns bool flag i's value when it cannot depend on the
// context right now (inactive, not yet activated, environment excluded,
// tripped, pinned, or untargeted).
func (s *Snapshot) ConstBool(i int) (v, ok bool) {
	f := s.flags[i]
	return f.cb, f.isConst
}

// Bool evaluates bool flag i over attribute values a (in the spec's
// attribute order; zero Values are absent attributes). For a variant flag
// it reports whether the flag passes the steps before the variant choice.
func (s *Snapshot) Bool(i int, a []Value) bool {
	return s.decide(i, a).on
}

// ConstString is ConstBool for string and enum flags.
func (s *Snapshot) ConstString(i int) (string, bool) {
	f := s.flags[i]
	return f.cs, f.isConst
}

// String evaluates string or enum flag i.
func (s *Snapshot) String(i int, a []Value) string {
	f := s.flags[i]
	if f.isConst {
		return f.cs
	}
	return s.chosen(f, i, a).s
}

// ConstInt is ConstBool for int flags.
func (s *Snapshot) ConstInt(i int) (int64, bool) {
	f := s.flags[i]
	return f.ci, f.isConst
}

// Int evaluates int flag i.
func (s *Snapshot) Int(i int, a []Value) int64 {
	f := s.flags[i]
	if f.isConst {
		return f.ci
	}
	return int64(s.chosen(f, i, a).n)
}

// ConstFloat is ConstBool for float flags.
func (s *Snapshot) ConstFloat(i int) (float64, bool) {
	f := s.flags[i]
	return f.cf, f.isConst
}

// Float evaluates float flag i.
func (s *Snapshot) Float(i int, a []Value) float64 {
	f := s.flags[i]
	if f.isConst {
		return f.cf
	}
	return s.chosen(f, i, a).floatVal()
}

// chosen runs the cascade for variant flag f (flag i) over a and returns
// the value of the variant chosen, or the default.
func (s *Snapshot) chosen(f *cflag, i int, a []Value) *Value {
	if v := s.decide(i, a); v.variant >= 0 {
		return &f.variants[v.variant].val
	}
	return &f.def
}

// Explain evaluates flag i like Bool, String, Int or Float and says which
// step decided: it returns the flag's name, its value (bool, string, int64
// or float64), the deciding step and why, the fields of
// runtime.Explanation (which documents them).
func (s *Snapshot) Explain(i int, a []Value) (flag string, value any, step, reason string) {
	return s.explain(i, a, s.decide(i, a))
}

func (v Value) floatVal() float64 {
	f, _ := v.num()
	return f
}

// Decision is what one evaluation decided, as Explain reports it but
// without the explanation text, so that it costs no allocation: the value,
// the deciding step (Explanation.Step's names), the variant chosen and
// whether the flag cannot depend on the context right now.
type Decision struct {
	Value Value
	// Step is Explanation.Step: "pinned", "active", "rollout", "variants" …
	Step string
	// Variant is a variant flag's chosen variant, or its default variant
	// when the steps before the choice decided; "" for a bool flag and for
	// a pinned flag.
	Variant string
	// NoKey is set when the answer needed the key attribute (a rollout or a
	// variant choice) and the context has none.
	NoKey bool
	// Const is set when the flag's value cannot depend on the context
	// right now (ConstBool).
	Const bool
	// Segment names the flag's segment the context matched, when the flag
	// lists segments and passed its targeting (step 9); "" otherwise.
	Segment string
}

// Decide evaluates flag i like Explain, without allocating.
func (s *Snapshot) Decide(i int, a []Value) Decision {
	c := s.flags[i]
	v := s.decide(i, a)
	d := Decision{Value: c.value(v), Const: c.isConst}
	if v.via != viaNone {
		d.Segment = c.segs[v.seg].name
	}
	if v.step == stepPinned {
		d.Step = "pinned"
		return d
	}
	if c.variantFl {
		if v.variant >= 0 {
			d.Variant = c.variants[v.variant].name
		} else if c.src != nil {
			d.Variant = c.src.DefaultVariant
		}
	}
	switch v.step {
	case stepActive:
		d.Step = "active"
	case stepActivation:
		d.Step = "activation_date"
	case stepEnv:
		d.Step = "environments"
	case stepTripped:
		d.Step = "tripped"
	case stepDeps:
		d.Step = "depends_on"
	case stepEmpty:
		d.Step = "empty_context"
	case stepUsers:
		d.Step = "users"
	case stepTargeting:
		d.Step = c.rules[v.arg].field
	case stepRollout:
		d.Step = "rollout"
	case stepNoKey:
		d.NoKey = true
		d.Step = "rollout"
		if c.variantFl {
			d.Step = "default"
		}
	case stepSegments:
		d.Step = "segments"
	case stepPass:
		d.Step = "targeting"
	case stepVariant:
		d.Step = "variants"
		if v.variant < 0 {
			d.Step = "default"
		}
	}
	return d
}

// Outcomes calls fn with each value and variant that Decide can return for
// flag i on s (Decision.Value and Decision.Variant): for a pinned flag its
// pin with no variant; for a variant flag each variant and the default;
// for a bool flag true and false with no variant. A server formats each
// once per snapshot instead of once per evaluation.
func (s *Snapshot) Outcomes(i int, fn func(v Value, variant string)) {
	c := s.flags[i]
	switch {
	case c.pin != nil:
		fn(c.pin.Val, "")
	case c.variantFl:
		for k := range c.variants {
			fn(c.variants[k].val, c.variants[k].name)
		}
		def := ""
		if c.src != nil {
			def = c.src.DefaultVariant
		}
		fn(c.def, def)
	default:
		fn(Bool(true), "")
		fn(Bool(false), "")
	}
}
