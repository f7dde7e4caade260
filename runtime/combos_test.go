package runtime

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
)

const combosSpec = `{
	"context": {"user_id": {"type": "int", "key": true}},
	"flags": {
		"new_ui": {"active": true},
		"advanced_search": {"active": true, "depends_on": ["new_ui"]},
		"deep": {"active": true, "depends_on": ["advanced_search"]},
		"theme": {"type": "string", "active": true, "default": "blue",
			"variants": {"blue": 50, "green": 50}, "depends_on": ["new_ui"]},
		"engine": {"type": "enum", "active": true, "default": "classic",
			"variants": {"classic": 70, "semantic": 30}},
		"limit": {"type": "int", "active": true, "default": "few",
			"variants": {"few": {"value": 10, "weight": 50}, "many": {"value": 50, "weight": 50}}},
		"other": {"active": false}
	}
}`

// combos is a spec and its handles, as a generated package declares them.
type combos struct {
	s                          *Spec
	newUI, search, deep, other Flag[bool]
	theme, engine              Flag[string]
	limit                      Flag[int64]
	open                       func(t *testing.T) *Client // a fresh Client per run
	shared                     *Client
	sharedOpen                 func(t *testing.T) *Client // always shared
	evaluate                   func(c *Client, name string) any
}

func newCombos(t *testing.T) *combos {
	t.Helper()
	s, err := LoadSpec("flags.json", []byte(combosSpec))
	if err != nil {
		t.Fatal(err)
	}
	h := &combos{s: s}
	h.newUI = newFlag[bool](s, s.byName["new_ui"], "new_ui")
	h.search = newFlag[bool](s, s.byName["advanced_search"], "advanced_search")
	h.deep = newFlag[bool](s, s.byName["deep"], "deep")
	h.other = newFlag[bool](s, s.byName["other"], "other")
	h.theme = newFlag[string](s, s.byName["theme"], "theme")
	h.engine = newFlag[string](s, s.byName["engine"], "engine")
	h.limit = newFlag[int64](s, s.byName["limit"], "limit")
	h.open = func(t *testing.T) *Client { return newClient(t, s) }
	h.shared = newClient(t, s)
	h.sharedOpen = func(*testing.T) *Client { return h.shared }
	h.evaluate = func(c *Client, name string) any { return c.Evaluate(context.Background(), name, nil) }
	return h
}

// runNames runs Combinations on a fresh Client per run and
// returns the runs' names (without the parent's) with the values the
// chosen flags had in each, as "name=value" for every flag.
func runNames(t *testing.T, h *combos, flags ...Handle) map[string]string {
	t.Helper()
	var mu sync.Mutex
	got := map[string]string{}
	body := func(t *testing.T, c *Client) {
		var vals []string
		for _, f := range flags {
			vals = append(vals, fmt.Sprintf("%s=%v", f.Name(), c.Evaluate(context.Background(), f.Name(), nil)))
		}
		mu.Lock()
		got[t.Name()[strings.LastIndex(t.Name(), "/")+1:]] = strings.Join(vals, ",")
		mu.Unlock()
	}
	Combinations(t, h.open, body, flags...)
	return got
}

// TestCombinationsRuns: every combination of states runs but the
// impossible ones, named by its states, with the flags pinned to them.
func TestCombinationsRuns(t *testing.T) {
	h := newCombos(t)
	for _, tt := range []struct {
		name  string
		flags []Handle
		want  map[string]string // run name → the flags' values in the run
	}{
		// All but advanced_search on while new_ui is off.
		{"dependency", []Handle{h.newUI, h.search}, map[string]string{
			"new_ui=off,advanced_search=off": "new_ui=false,advanced_search=false",
			"new_ui=on,advanced_search=off":  "new_ui=true,advanced_search=false",
			"new_ui=on,advanced_search=on":   "new_ui=true,advanced_search=true",
		}},
		// deep depends on new_ui through advanced_search, not chosen.
		{"transitive", []Handle{h.deep, h.newUI}, map[string]string{
			"deep=off,new_ui=off": "deep=false,new_ui=false",
			"deep=off,new_ui=on":  "deep=false,new_ui=true",
			"deep=on,new_ui=on":   "deep=true,new_ui=true",
		}},
		// Variant flags take their variants, by name; a variant flag
		// whose dependency is off can only have its default.
		{"variants", []Handle{h.theme, h.newUI, h.limit}, map[string]string{
			"theme=blue,new_ui=off,limit=few":  "theme=blue,new_ui=false,limit=10",
			"theme=blue,new_ui=off,limit=many": "theme=blue,new_ui=false,limit=50",
			"theme=blue,new_ui=on,limit=few":   "theme=blue,new_ui=true,limit=10",
			"theme=blue,new_ui=on,limit=many":  "theme=blue,new_ui=true,limit=50",
			"theme=green,new_ui=on,limit=few":  "theme=green,new_ui=true,limit=10",
			"theme=green,new_ui=on,limit=many": "theme=green,new_ui=true,limit=50",
		}},
		// Values restricts a flag to the values given, named by their
		// variant or, for other values, by the value.
		{"values", []Handle{Values(h.limit, 50, 7), Values(h.theme, "red"), Values(h.other, true)}, map[string]string{
			"limit=many,theme=red,other=on": "limit=50,theme=red,other=true",
			"limit=7,theme=red,other=on":    "limit=7,theme=red,other=true",
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := runNames(t, h, tt.flags...)
			for name, vals := range tt.want {
				if got[name] != vals {
					t.Errorf("run %s: flags %q, want %q", name, got[name], vals)
				}
			}
			for name := range got {
				if _, ok := tt.want[name]; !ok {
					t.Errorf("unexpected run %s (%s)", name, got[name])
				}
			}
		})
	}
}

// TestCombinationsPinsScoped: each run's pins end with the run; the
// parent's own pins come back.
func TestCombinationsPinsScoped(t *testing.T) {
	h := newCombos(t)
	ToggleAs(t, h.shared, h.other, true)
	runs := 0
	Combinations(t, h.sharedOpen, func(t *testing.T, c *Client) {
		runs++
		if c != h.shared {
			t.Fatal("body got another client than open's")
		}
	}, h.other, h.newUI)
	if runs != 4 {
		t.Errorf("%d runs, want 4", runs)
	}
	if got := h.evaluate(h.shared, "other"); got != true {
		t.Errorf("other = %v after the runs, want the parent's pin (true)", got)
	}
	h.shared.mu.Lock()
	n := len(h.shared.pins)
	h.shared.mu.Unlock()
	if n != 1 {
		t.Errorf("%d pins left after the runs, want the parent's one", n)
	}
}

// TestCombinationsParallel: runs that call t.Parallel, each on a Client of
// its own, see their own states (run it with -race).
func TestCombinationsParallel(t *testing.T) {
	h := newCombos(t)
	t.Run("group", func(t *testing.T) {
		Pairwise(t, h.open, func(t *testing.T, c *Client) {
			t.Parallel()
			name := t.Name()[strings.LastIndex(t.Name(), "/")+1:]
			for range 50 {
				var got []string
				for _, f := range []Handle{h.newUI, h.search, h.theme, h.engine} {
					v := c.Evaluate(context.Background(), f.Name(), nil)
					if b, ok := v.(bool); ok {
						v = map[bool]string{false: "off", true: "on"}[b]
					}
					got = append(got, fmt.Sprintf("%s=%v", f.Name(), v))
				}
				if s := strings.Join(got, ","); s != name {
					t.Fatalf("run %s evaluates %s", name, s)
				}
			}
		}, h.newUI, h.search, h.theme, h.engine)
	})
}

// fakeRunner is a Runner that records what a test would report. With
// defer set, runs' cleanups wait for the parent's, as those of parallel
// subtests do.
type fakeRunner struct {
	fakeTB
	defer_  bool
	parent  *fakeRunner
	logs    []string
	skipped string
	runs    []*fakeRunner
}

func (f *fakeRunner) Logf(format string, a ...any) {
	f.logs = append(f.logs, fmt.Sprintf(format, a...))
}
func (f *fakeRunner) Skipf(format string, a ...any) { f.skipped = fmt.Sprintf(format, a...) }
func (f *fakeRunner) Run(name string, fn func(*fakeRunner)) bool {
	c := &fakeRunner{fakeTB: fakeTB{name: f.name + "/" + name}, parent: f}
	f.runs = append(f.runs, c)
	fn(c)
	if !f.defer_ {
		c.done()
	}
	return c.fatal == "" && c.skipped == ""
}

func (f *fakeRunner) finish() {
	for _, c := range f.runs {
		c.done()
	}
	f.done()
}

// TestCombinationsRefused: bad calls fail the test before any run, saying
// what is wrong.
func TestCombinationsRefused(t *testing.T) {
	h := newCombos(t)
	h2 := newCombos(t)
	manySpec := `{"flags": {`
	for i := range 13 {
		if i > 0 {
			manySpec += ","
		}
		manySpec += fmt.Sprintf(`"f%02d": {"active": true}`, i)
	}
	ms, err := LoadSpec("flags.json", []byte(manySpec+"}}"))
	if err != nil {
		t.Fatal(err)
	}
	var many []Handle
	for i := range 13 {
		many = append(many, newFlag[bool](ms, i, fmt.Sprintf("f%02d", i)))
	}
	for _, tt := range []struct {
		name  string
		flags []Handle
		want  string
	}{
		{"none", nil, "Combinations: no flags given"},
		{"zero handle", []Handle{h.newUI, Flag[bool]{}}, "flag 2 of 2 is a zero Flag handle"},
		{"zero handle in Values", []Handle{Values(Flag[bool]{}, true)}, "flag 1 of 1 is a zero Flag handle"},
		{"nil handle", []Handle{nil}, "flag 1 of 1 is a zero Flag handle"},
		{"two specs", []Handle{h.newUI, h2.search}, `flag "advanced_search" is of another spec than "new_ui"`},
		{"twice", []Handle{h.newUI, h.search, Values(h.newUI, true)}, `flag "new_ui" is given twice`},
		{"no values", []Handle{Values(h.theme)}, "Values(theme): no values given"},
		{"repeated value", []Handle{Values(h.limit, 10, 10)}, "Values(limit): 10 is given twice"},
		{"not a variant", []Handle{Values(h.engine, "classic", "fancy")}, `Values(engine): "fancy" is not a variant of the enum flag (variants: classic, semantic)`},
		{"impossible", []Handle{Values(h.newUI, false), Values(h.search, true)}, "Combinations: no combination of the states of new_ui, advanced_search is possible (depends_on)"},
		{"too many", many, "Combinations: f00, f01, f02, f03, f04, f05, f06, f07, f08, f09, f10, f11, f12 have more than 4096 combinations of states: use Pairwise"},
	} {
		fr := &fakeRunner{fakeTB: fakeTB{name: "T"}}
		Combinations(fr, func(*fakeRunner) *Client { t.Fatal("open called"); return nil }, func(*fakeRunner, *Client) {}, tt.flags...)
		if !strings.Contains(fr.fatal, tt.want) || len(fr.runs) > 0 {
			t.Errorf("%s: fatal %q with %d runs, want %q before any run", tt.name, fr.fatal, len(fr.runs), tt.want)
		}
	}

	// open returning a nil or foreign client fails the run.
	for _, tt := range []struct {
		name string
		open func(*fakeRunner) *Client
		want string
	}{
		{"nil", func(*fakeRunner) *Client { return nil }, "Combinations: open returned a nil *runtime.Client"},
		{"other spec", func(*fakeRunner) *Client { return h2.shared }, "Combinations: open returned flags of another spec than new_ui's"},
	} {
		fr := &fakeRunner{fakeTB: fakeTB{name: "T"}}
		ran := false
		Combinations(fr, tt.open, func(*fakeRunner, *Client) { ran = true }, h.newUI)
		if len(fr.runs) != 2 || !strings.Contains(fr.runs[0].fatal, tt.want) || ran {
			t.Errorf("open %s: %d runs, first fatal %q, body ran %v; want %q", tt.name, len(fr.runs), fr.runs[0].fatal, ran, tt.want)
		}
	}
}

// TestCombinationsSharedClientParallel: runs that stay in place at once on
// one shared Client (parallel subtests) and pin a flag to different values
// fail with a message naming both runs.
func TestCombinationsSharedClientParallel(t *testing.T) {
	h := newCombos(t)
	fr := &fakeRunner{fakeTB: fakeTB{name: "T"}, defer_: true}
	Combinations(fr, func(*fakeRunner) *Client { return h.shared }, func(*fakeRunner, *Client) {}, h.newUI)
	defer fr.finish()
	if len(fr.runs) != 2 || fr.runs[0].fatal != "" {
		t.Fatalf("%d runs, first fatal %q", len(fr.runs), fr.runs[0].fatal)
	}
	want := `flag "new_ui" is already pinned to false by T/new_ui=off, which is still running; T/new_ui=on cannot pin it to true on the same client (use separate clients for parallel tests)`
	if !strings.Contains(fr.runs[1].fatal, want) {
		t.Errorf("second run's fatal %q, want %q", fr.runs[1].fatal, want)
	}
}

// TestCombinationsLogsImpossible: the parent logs each combination it
// does not run, and why.
func TestCombinationsLogsImpossible(t *testing.T) {
	h := newCombos(t)
	fr := &fakeRunner{fakeTB: fakeTB{name: "T"}}
	Combinations(fr, func(*fakeRunner) *Client { return h.shared }, func(*fakeRunner, *Client) {}, h.newUI, h.deep)
	defer fr.finish()
	want := []string{"Combinations: not run: new_ui=off,deep=on: deep=on needs new_ui on (depends_on: deep → advanced_search → new_ui)"}
	if !slices.Equal(fr.logs, want) || len(fr.runs) != 3 {
		t.Errorf("%d runs, logs %q; want 3 runs, logs %q", len(fr.runs), fr.logs, want)
	}
}

// TestCombinationsLiveAndOuterPins: a run checks its Client's live
// depends_on and the enclosing tests' pins, and skips itself when they make
// its combination impossible.
func TestCombinationsLiveAndOuterPins(t *testing.T) {
	h := newCombos(t)
	c := newClient(t, h.s)
	if err := c.Set(context.Background(), "other", []byte(`{"active": true, "depends_on": ["new_ui"]}`), "test", "live dependency"); err != nil {
		t.Fatal(err)
	}
	fr := &fakeRunner{fakeTB: fakeTB{name: "T"}}
	Combinations(fr, func(*fakeRunner) *Client { return c }, func(*fakeRunner, *Client) {}, h.newUI, h.other)
	fr.finish()
	var skipped []string
	for _, r := range fr.runs {
		if r.skipped != "" {
			skipped = append(skipped, r.name+": "+r.skipped)
		}
	}
	want := []string{"T/new_ui=off,other=on: Combinations: impossible here: other=on needs new_ui on (depends_on: other → new_ui) in the client's live state"}
	if len(fr.runs) != 4 || !slices.Equal(skipped, want) {
		t.Errorf("%d runs, skipped %q; want 4, %q", len(fr.runs), skipped, want)
	}

	// new_ui pinned off by the enclosing test.
	fr = &fakeRunner{fakeTB: fakeTB{name: "T"}}
	ToggleAs(fr, h.shared, h.newUI, false)
	Combinations(fr, func(*fakeRunner) *Client { return h.shared }, func(*fakeRunner, *Client) {}, h.search)
	fr.finish()
	if len(fr.runs) != 2 || fr.runs[0].skipped != "" ||
		fr.runs[1].skipped != "Combinations: impossible here: advanced_search=on needs new_ui on (depends_on: advanced_search → new_ui), pinned off by T" {
		t.Errorf("with new_ui pinned off: %d runs, skipped %q, %q", len(fr.runs), fr.runs[0].skipped, fr.runs[len(fr.runs)-1].skipped)
	}
}

// TestValueLabels: values that are not variants are named by their value,
// quoted when the name would be ambiguous.
func TestValueLabels(t *testing.T) {
	for _, tt := range []struct {
		v    Value
		want string
	}{
		{String("red"), "red"},
		{String(""), `""`},
		{String("a b"), `"a b"`},
		{String("a,b=c"), `"a,b=c"`},
		{String("x/y"), `"x/y"`},
		{String(`"q"`), `"\"q\""`},
		{Int(-3), "-3"},
		{Float(0.25), "0.25"},
	} {
		if got := valueLabel(tt.v); got != tt.want {
			t.Errorf("valueLabel(%s) = %s, want %s", tt.v.GoString(), got, tt.want)
		}
	}
}

// The testing package's T and B are Runners.
var (
	_ Runner[*testing.T] = (*testing.T)(nil)
	_ Runner[*testing.B] = (*testing.B)(nil)
)

// TestImpossibleAgreesWithEngine: the combinations Combinations leaves out
// are those the engine's cascade rules out. For every combination of the
// spec's flags that the plan calls impossible, pinning only its off flags
// and evaluating the others leaves some flag in a state other than the
// combination's, through its depends_on step; for every combination the
// plan runs, the flags it needs on can be on together with those off.
func TestImpossibleAgreesWithEngine(t *testing.T) {
	h := newCombos(t)
	ds, err := newDims([]Handle{h.newUI, h.search, h.deep, h.theme})
	if err != nil {
		t.Fatal(err)
	}
	rows, skipped := ds.problem(nil).exhaustive()
	if len(rows) == 0 || len(skipped) == 0 {
		t.Fatalf("%d rows, %d skipped", len(rows), len(skipped))
	}
	// With every flag unpinned and the empty context, every flag is on
	// (theme: its default), so a flag's value under pins of the off
	// states alone is decided by the dependencies.
	// pinOff returns a Client with only the off states of row pinned.
	pinOff := func(row []int) (*Client, *fakeRunner) {
		fr := &fakeRunner{fakeTB: fakeTB{name: "T"}}
		c := newClient(t, h.s)
		for k, d := range ds {
			if st := d.states[row[k]]; st.off {
				pinValue(fr, c, h.s, d.f.Index, st.val)
			}
		}
		return c, fr
	}
	for _, row := range skipped {
		c, fr := pinOff(row)
		ruled := false
		for k, d := range ds {
			st := d.states[row[k]]
			if !st.needs {
				continue
			}
			x := c.ExplainName(context.Background(), d.f.Name, nil)
			if x.Step == "depends_on" && !reflectValue(reflect.ValueOf(x.Value)).Equal(st.val) {
				ruled = true
			}
		}
		fr.done()
		if !ruled {
			t.Errorf("%s: left out, but the engine can hold it", ds.rowName(row))
		}
	}
	for _, row := range rows {
		c, fr := pinOff(row)
		for k, d := range ds {
			if st := d.states[row[k]]; st.needs {
				if x := c.ExplainName(context.Background(), d.f.Name, nil); x.Step == "depends_on" {
					t.Errorf("%s: run, but the engine turns %s off (%s)", ds.rowName(row), d.f.Name, x.Reason)
				}
			}
		}
		fr.done()
	}
}
