package runtime

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/flaggen/flaggen/internal/engine"
	"github.com/flaggen/flaggen/internal/spec"
)

// Runner is what Combinations and Pairwise need of a test: T is *testing.T
// (or *testing.B), whose Run runs a subtest. The runtime does not import
// "testing".
type Runner[T any] interface {
	TB
	Run(name string, f func(T)) bool
	Logf(format string, args ...any)
	Skipf(format string, args ...any)
}

// maxCombinations is the most runs Combinations makes; beyond it, a test
// should use Pairwise.
const maxCombinations = 4096

// Combinations runs body once per combination of states of the given flags,
// each run a subtest of t named by its states in the order the flags are
// given, e.g. "new_ui=on,advanced_search=off". A bool flag takes the states
// off and on; a variant flag (string, int, float, enum) takes each of its
// variants, in spec order, named by the variant; Values restricts a flag to
// the values given.
//
// Combinations that the flags' depends_on makes impossible are not run, and
// t logs each: a bool flag on, or a variant flag on another variant than its
// default, while a flag it depends on (directly or through other flags) is
// off. The spec's depends_on decides when the runs are planned; each run
// checks again against its Client's live depends_on and the pins of
// enclosing tests, and skips itself (naming the dependency) when they make
// its combination impossible.
//
// Each run calls open with the subtest to get the flags to pin: a generated
// *Flags (or a *Client) of the same spec as the handles. The run pins every
// chosen flag to its state on it as ToggleAs does, for the subtest alone,
// then calls body with the subtest and what open returned; the pins are
// removed in the subtest's Cleanup. A body may call t.Parallel when open
// returns a new *Flags per run (e.g. one on a private memory store):
// parallel runs on one shared Client would pin the same flag to different
// values at once, which fails the later run with a message naming both. A
// flag of another spec, a flag given twice, no flag, bad Values, more
// than 4096 combinations (use Pairwise), or no possible combination fail
// t before any run.
//
// For example, in the shop's tests (examples/shop/combos_test.go):
//
//	func TestShop(t *testing.T) {
//		runtime.Combinations(t, newFlags, func(t *testing.T, f *flags.Flags) {
//			t.Parallel()
//			// … the shop on f, under this run's states …
//		}, flags.NewUI, flags.AdvancedSearch)
//	}
//
// runs new_ui=off,advanced_search=off, new_ui=on,advanced_search=off and
// new_ui=on,advanced_search=on, each with a *flags.Flags of its own.
//
// The flags are named by their typed handles (Flag[T], which only
// generated packages declare), and Values takes values of the flag's Go
// type, so a misspelt flag or a value of the wrong type does not compile;
// handles of two generated packages, or flags from open of another package
// than the handles', fail the test at once, naming the flag.
func Combinations[T Runner[T], P Pinner](t T, open func(t T) P, body func(t T, p P), flags ...Handle) {
	t.Helper()
	ds, err := newDims(flags)
	if err != nil {
		t.Fatalf("Combinations: %v", err)
		return
	}
	total := 1
	for _, d := range ds {
		total *= len(d.states)
		if total > maxCombinations {
			t.Fatalf("Combinations: %s have more than %d combinations of states: use Pairwise", dimNames(ds), maxCombinations)
			return
		}
	}
	p := ds.problem(nil)
	rows, skipped := p.exhaustive()
	ds.logSkipped(t, "Combinations", skipped)
	runRows(t, "Combinations", open, body, ds, rows)
}

// Pairwise is Combinations with pairwise coverage: every pair of states of
// any two of the flags that some possible combination holds appears in at
// least one run, in far fewer runs than all combinations. The runs are
// deterministic: the same flags and states give the same runs, in the same
// order. With two flags or fewer it runs every possible combination; t
// logs how many runs cover how many pairs.
//
// For bool flags without dependencies between them, the runs are the
// fewest possible: 6 for 10 flags (against 1,024 combinations), 8 for 20.
// Otherwise, without dependencies, they number at most ⌊m·ln P⌋+1, where P
// is the number of pairs of states of two different flags and m the
// product of the two largest numbers of states (for 12 flags of 4 states,
// P = 1,056 and m = 16: at most 112 runs; it makes 31, against 16,777,216
// combinations). With dependencies too, each run holds a pair of states
// that no other run holds.
func Pairwise[T Runner[T], P Pinner](t T, open func(t T) P, body func(t T, p P), flags ...Handle) {
	t.Helper()
	ds, err := newDims(flags)
	if err != nil {
		t.Fatalf("Pairwise: %v", err)
		return
	}
	p := ds.problem(nil)
	var rows [][]int
	if len(ds) <= 2 {
		var skipped [][]int
		rows, skipped = p.exhaustive()
		ds.logSkipped(t, "Pairwise", skipped)
	} else {
		var feasible, all int
		rows, feasible, all = p.pairwise()
		t.Logf("Pairwise: %d runs cover the %d possible pairs of states of %s (depends_on excludes %d)", len(rows), feasible, dimNames(ds), all-feasible)
	}
	runRows(t, "Pairwise", open, body, ds, rows)
}

// Values returns a handle of f's flag for Combinations and Pairwise, which
// then take the given values in order instead of every state the spec
// declares: a subset of the variants, or values of a string, int or float
// flag that are not variants. A value equal to a variant's is named by the
// variant. Values of an enum flag must be variants; values must not repeat
// and must not be empty. Everywhere else the handle is f.
func Values[T FlagValue](f Flag[T], vals ...T) Handle {
	h := valuesHandle{Handle: f, vals: make([]Value, len(vals))}
	for i, v := range vals {
		h.vals[i] = reflectValue(reflect.ValueOf(v))
	}
	return h
}

// valuesHandle is the handle Values returns.
type valuesHandle struct {
	Handle
	vals []Value
}

// dim is one chosen flag and the states it takes.
type dim struct {
	s      *Spec
	f      *spec.Flag
	states []dimState
}

// dimState is one state of a chosen flag.
type dimState struct {
	label string
	val   Value
	off   bool // a bool flag off: no flag depending on it can be on
	needs bool // on, or a variant other than the default: every dependency must be on
}

// dims are the chosen flags of one Combinations or Pairwise call.
type dims []dim

// newDims checks the handles and returns their states.
func newDims(hs []Handle) (dims, error) {
	if len(hs) == 0 {
		return nil, errors.New("no flags given")
	}
	var s *Spec
	ds := make(dims, len(hs))
	for k, h := range hs {
		hspec := handleSpecOf(h)
		if hspec == nil {
			return nil, fmt.Errorf("flag %d of %d is a zero Flag handle: use the handles of a generated package", k+1, len(hs))
		}
		if s == nil {
			s = hspec
		}
		f := hspec.m.Flags[h.Index()]
		if hspec != s {
			return nil, fmt.Errorf("flag %q is of another spec than %q: the flags to combine must all come from one generated package", f.Name, ds[0].f.Name)
		}
		for _, d := range ds[:k] {
			if d.f == f {
				return nil, fmt.Errorf("flag %q is given twice", f.Name)
			}
		}
		ds[k].s, ds[k].f = s, f
		var err error
		if vh, ok := h.(valuesHandle); ok {
			ds[k].states, err = givenStates(f, vh.vals)
		} else {
			ds[k].states = specStates(f)
		}
		if err != nil {
			return nil, err
		}
	}
	return ds, nil
}

// handleSpecOf returns h's spec, nil for a nil or zero handle.
func handleSpecOf(h Handle) *Spec {
	if h == nil {
		return nil
	}
	return h.handleSpec()
}

// isBool reports whether f is a bool flag.
func isBool(f *spec.Flag) bool { return f.Type == "" || f.Type == spec.Bool }

// specStates returns every state of f: off and on, or its variants.
func specStates(f *spec.Flag) []dimState {
	if isBool(f) {
		return []dimState{boolState(false), boolState(true)}
	}
	def := Value(engine.ValueOf(f.Default))
	out := make([]dimState, len(f.Variants))
	for i, vr := range f.Variants {
		v := Value(engine.ValueOf(vr.Value))
		out[i] = dimState{label: vr.Name, val: v, needs: !v.Equal(def)}
	}
	return out
}

func boolState(on bool) dimState {
	if on {
		return dimState{label: "on", val: Bool(true), needs: true}
	}
	return dimState{label: "off", val: Bool(false), off: true}
}

// givenStates returns the states of f for the values given to Values.
func givenStates(f *spec.Flag, vals []Value) ([]dimState, error) {
	if len(vals) == 0 {
		return nil, fmt.Errorf("Values(%s): no values given", f.Name)
	}
	out := make([]dimState, len(vals))
	def := Value(engine.ValueOf(f.Default))
	for i, v := range vals {
		for _, w := range vals[:i] {
			if w.Equal(v) {
				return nil, fmt.Errorf("Values(%s): %s is given twice", f.Name, v.GoString())
			}
		}
		if isBool(f) {
			out[i] = boolState(v.Equal(Bool(true)))
			continue
		}
		st := dimState{val: v, needs: !v.Equal(def)}
		for _, vr := range f.Variants {
			if v.Equal(Value(engine.ValueOf(vr.Value))) {
				st.label = vr.Name
				break
			}
		}
		if st.label == "" {
			if f.Type == spec.Enum {
				var names []string
				for _, vr := range f.Variants {
					names = append(names, vr.Name)
				}
				return nil, fmt.Errorf("Values(%s): %s is not a variant of the enum flag (variants: %s)", f.Name, v.GoString(), strings.Join(names, ", "))
			}
			st.label = valueLabel(v)
		}
		for _, o := range out[:i] {
			if o.label == st.label {
				return nil, fmt.Errorf("Values(%s): %s and %s would both be named %q", f.Name, o.val.GoString(), v.GoString(), st.label)
			}
		}
		out[i] = st
	}
	return out, nil
}

// valueLabel names a value that is not a variant in a subtest name: a
// number as Go formats it, a string as it is unless it is empty or holds
// a space, a quote, ',', '=', '/' or an unprintable character (quoted
// then).
func valueLabel(v Value) string {
	switch x := v.Any().(type) {
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case string:
		if x == "" || strings.ContainsFunc(x, func(r rune) bool {
			return unicode.IsSpace(r) || !unicode.IsPrint(r) || strings.ContainsRune(`",=/`, r)
		}) {
			return strconv.Quote(x)
		}
		return x
	}
	return v.GoString()
}

// dimNames lists the chosen flags' names.
func dimNames(ds dims) string {
	names := make([]string, len(ds))
	for k, d := range ds {
		names[k] = d.f.Name
	}
	return strings.Join(names, ", ")
}

// rowName is the subtest name of a row: name=state, comma-separated.
func (ds dims) rowName(row []int) string {
	var b strings.Builder
	for k, d := range ds {
		if k > 0 {
			b.WriteByte(',')
		}
		b.WriteString(d.f.Name)
		b.WriteByte('=')
		b.WriteString(d.states[row[k]].label)
	}
	return b.String()
}

// problem returns the combination problem of ds under the dependencies of
// flags (nil: the spec's depends_on): state a of chosen flag i and state b
// of chosen flag j are a bad pair when a needs every dependency on, b is
// off, and flag i depends on flag j, directly or not.
func (ds dims) problem(flags []*spec.Flag) *problem {
	deps := ds.deps(flags)
	size := make([]int, len(ds))
	for k, d := range ds {
		size[k] = len(d.states)
	}
	return newProblem(size, func(i, a, j, b int) bool {
		if !ds[i].states[a].needs || !ds[j].states[b].off {
			return false
		}
		_, ok := deps[i][ds[j].f.Index]
		return ok
	})
}

// deps returns, for each chosen flag, every flag it depends on directly or
// not (flags' depends_on, the spec's when nil), mapped to the flag through
// which it was reached.
func (ds dims) deps(flags []*spec.Flag) []map[int]int {
	out := make([]map[int]int, len(ds))
	for k, d := range ds {
		if flags == nil {
			flags = d.s.m.Flags
		}
		out[k] = dependencies(d.s, flags, d.f.Index)
	}
	return out
}

// dependencies returns every flag that flag i of flags (s's flags, or a
// live spec of s) depends on, directly or through others, each mapped to
// the flag that names it in depends_on.
func dependencies(s *Spec, flags []*spec.Flag, i int) map[int]int {
	out := map[int]int{}
	queue := []int{i}
	for len(queue) > 0 {
		x := queue[0]
		queue = queue[1:]
		for _, name := range flags[x].DependsOn {
			d, ok := s.byName[name]
			if _, seen := out[d]; !ok || seen || d == i {
				continue
			}
			out[d] = x
			queue = append(queue, d)
		}
	}
	return out
}

// depPath is "a → b → c": how flag i reaches dependency d in deps.
func depPath(flags []*spec.Flag, deps map[int]int, i, d int) string {
	path := []string{flags[d].Name}
	for x := d; x != i; {
		x = deps[x]
		path = append(path, flags[x].Name)
	}
	slices.Reverse(path)
	return strings.Join(path, " → ")
}

// why says why row, which holds a bad pair of p, is impossible.
func (ds dims) why(flags []*spec.Flag, row []int) string {
	deps := ds.deps(flags)
	for i, a := range row {
		if !ds[i].states[a].needs {
			continue
		}
		for j, b := range row {
			if _, ok := deps[i][ds[j].f.Index]; ok && ds[j].states[b].off {
				if flags == nil {
					flags = ds[i].s.m.Flags
				}
				return fmt.Sprintf("%s=%s needs %s on (depends_on: %s)", ds[i].f.Name, ds[i].states[a].label, ds[j].f.Name, depPath(flags, deps[i], ds[i].f.Index, ds[j].f.Index))
			}
		}
	}
	return ""
}

// logSkipped logs the impossible rows, at most 20.
func (ds dims) logSkipped(t interface {
	Helper()
	Logf(string, ...any)
}, fn string, skipped [][]int) {
	t.Helper()
	for k, row := range skipped {
		if k == 20 {
			t.Logf("%s: and %d more impossible combinations", fn, len(skipped)-k)
			break
		}
		t.Logf("%s: not run: %s: %s", fn, ds.rowName(row), ds.why(nil, row))
	}
}

// runRows runs body once per row, each in a subtest with the row's pins;
// no row fails t.
func runRows[T Runner[T], P Pinner](t T, fn string, open func(t T) P, body func(t T, p P), ds dims, rows [][]int) {
	t.Helper()
	if len(rows) == 0 {
		t.Fatalf("%s: no combination of the states of %s is possible (depends_on)", fn, dimNames(ds))
		return
	}
	for _, row := range rows {
		t.Run(ds.rowName(row), func(t T) {
			t.Helper()
			p := open(t)
			if v := reflect.ValueOf(p); !v.IsValid() || (v.Kind() == reflect.Pointer && v.IsNil()) {
				t.Fatalf("%s: open returned a nil %T", fn, p)
				return
			}
			c := p.Runtime()
			if c == nil {
				t.Fatalf("%s: open returned %T with a nil Client", fn, p)
				return
			}
			if c.spec != ds[0].s {
				t.Fatalf("%s: open returned flags of another spec than %s's", fn, ds[0].f.Name)
				return
			}
			if why := c.impossible(ds, row); why != "" {
				t.Skipf("%s: impossible here: %s", fn, why)
				return
			}
			for k, d := range ds {
				pinValue(t, p, c.spec, d.f.Index, d.states[row[k]].val)
			}
			body(t, p)
		})
	}
}

// impossible says why c cannot hold row's states, "" when it can: a flag
// on (or on another variant than its default) while c's live depends_on
// makes it depend on a flag off in row, or pinned off by an enclosing test.
func (c *Client) impossible(ds dims, row []int) string {
	live := c.snap.Load().Live().Flags
	if why := ds.why(live, row); why != "" {
		return why + " in the client's live state"
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, a := range row {
		if !ds[i].states[a].needs {
			continue
		}
		deps := dependencies(c.spec, live, ds[i].f.Index)
	next:
		for d := range deps {
			for _, o := range ds {
				if o.f.Index == d {
					continue next // pinned by the run itself
				}
			}
			if pin := c.pins[d]; pin != nil && pin.Val.Equal(engine.Bool(false)) {
				return fmt.Sprintf("%s=%s needs %s on (depends_on: %s), pinned off by %s", ds[i].f.Name, ds[i].states[a].label, live[d].Name, depPath(live, deps, ds[i].f.Index, d), pin.Test)
			}
		}
	}
	return ""
}
