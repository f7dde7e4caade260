package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/flaggen/flaggen/internal/engine"
	"github.com/flaggen/flaggen/internal/spec"
)

// fakeTB records Fatalf instead of stopping, and runs cleanups on demand.
type fakeTB struct {
	name     string
	fatal    string
	cleanups []func()
}

func (f *fakeTB) Helper()                        {}
func (f *fakeTB) Name() string                   { return f.name }
func (f *fakeTB) Cleanup(fn func())              { f.cleanups = append(f.cleanups, fn) }
func (f *fakeTB) Fatalf(format string, a ...any) { f.fatal = fmt.Sprintf(format, a...) }
func (f *fakeTB) done() {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
	f.cleanups = nil
}

func variantModel(t testing.TB) *spec.Spec {
	m := seedModel(t)
	m.Flags = append(m.Flags,
		&spec.Flag{Name: "search_engine", Type: spec.Enum, Active: true, DefaultVariant: "classic", Default: "classic",
			Variants: []*spec.Variant{{Name: "classic", Value: "classic", Weight: 70}, {Name: "semantic", Value: "semantic", Weight: 20}, {Name: "hybrid", Value: "hybrid", Weight: 10}}},
		&spec.Flag{Name: "zmax", Type: spec.Int, Active: true, DefaultVariant: "few", Default: int64(10),
			Variants: []*spec.Variant{{Name: "few", Value: int64(10), Weight: 50}, {Name: "many", Value: int64(50), Weight: 50}}},
	)
	for i, f := range m.Flags {
		f.Index = i
		f.GoName = spec.GoName(f.Name)
		for _, v := range f.Variants {
			v.GoName = f.GoName + spec.GoName(v.Name)
		}
	}
	return m
}

type searchEngine string

func TestToggleAs(t *testing.T) {
	c := newTestClient(t, variantModel(t))
	s := c.Spec()
	newUI := newFlag[bool](s, 1, "new_ui")
	eng := newFlag[searchEngine](s, 2, "search_engine")
	maxr := newFlag[int64](s, 3, "zmax")
	ctx := context.Background()
	x := seedCtx{UserID: 5, Region: "FR"}
	if accessor(c, 1, ctx, x) {
		t.Fatal("new_ui on for FR before pinning")
	}
	tb := &fakeTB{name: "TestCheckout"}
	ToggleAs(tb, c, newUI, true)
	ToggleAs(tb, c, eng, "hybrid")
	ToggleAs(tb, c, maxr, 99)
	if tb.fatal != "" {
		t.Fatal(tb.fatal)
	}
	if !accessor(c, 1, ctx, x) {
		t.Error("pinned new_ui is off")
	}
	if v, ok := c.constString(2); !ok || v != "hybrid" {
		t.Errorf("pinned search_engine = %q, %v", v, ok)
	}
	if v := c.evalInt(3, nil); v != 99 {
		t.Errorf("pinned zmax = %d", v)
	}
	if e := c.explain(1, nil); e.Reason != "pinned by ToggleAs in TestCheckout" || e.Value != true {
		t.Errorf("explain: %+v", e)
	}
	// A pinned dependency decides for its dependants.
	if !c.evalBool(0, []Value{Int(3), String("US")}) == (bucketInt(3, "advanced_search") < 85) {
		t.Error("advanced_search does not follow the pinned new_ui")
	}
	// Never written to the store.
	st, _ := c.Store().Load(ctx)
	if string(st.Flags["new_ui"]) != "{}" {
		t.Errorf("pin reached the store: %s", st.Flags["new_ui"])
	}
	tb.done()
	if accessor(c, 1, ctx, x) {
		t.Error("new_ui still on after cleanup")
	}
	if _, ok := c.constString(2); ok {
		t.Error("search_engine still constant after cleanup")
	}
}

func TestToggleAsConflicts(t *testing.T) {
	m := variantModel(t)
	c1 := newTestClient(t, m)
	c2, err := NewClient(c1.Spec(), WithLogger(quietLogger))
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	newUI := newFlag[bool](c1.Spec(), 1, "new_ui")
	a, b := &fakeTB{name: "TestA"}, &fakeTB{name: "TestB"}
	ToggleAs(a, c1, newUI, true)
	ToggleAs(b, c1, newUI, false)
	if !strings.Contains(b.fatal, "TestA") || !strings.Contains(b.fatal, "TestB") {
		t.Fatalf("conflicting pin on one client: fatal %q, want both test names", b.fatal)
	}
	// Different clients: each sees its own pin.
	b.fatal = ""
	ToggleAs(b, c2, newUI, false)
	if b.fatal != "" {
		t.Fatal(b.fatal)
	}
	if v, _ := c1.constBool(1); !v {
		t.Error("c1 lost its pin")
	}
	if v, ok := c2.constBool(1); !ok || v {
		t.Error("c2 does not see its own pin")
	}
	// A subtest may re-pin what its parent pinned; the parent's pin returns.
	sub := &fakeTB{name: "TestA/sub"}
	ToggleAs(sub, c1, newUI, false)
	if sub.fatal != "" {
		t.Fatal(sub.fatal)
	}
	if v, _ := c1.constBool(1); v {
		t.Error("subtest pin not applied")
	}
	sub.done()
	if v, _ := c1.constBool(1); !v {
		t.Error("parent pin not restored after the subtest")
	}
	a.done()
	b.done()
	if _, ok := c1.constBool(1); ok {
		t.Error("pin left after cleanup")
	}
}

func TestToggleNameAs(t *testing.T) {
	c := newTestClient(t, variantModel(t))
	tb := &fakeTB{name: "T"}
	ToggleNameAs(tb, c, "new_iu", true)
	if !strings.Contains(tb.fatal, "new_ui") {
		t.Errorf("unknown name: fatal %q should list close name new_ui", tb.fatal)
	}
	tb.fatal = ""
	ToggleNameAs(tb, c, "new_ui", "yes")
	if !strings.Contains(tb.fatal, "bool") {
		t.Errorf("wrong type: fatal %q", tb.fatal)
	}
	tb.fatal = ""
	ToggleNameAs(tb, c, "search_engine", "nope")
	if !strings.Contains(tb.fatal, "not a variant") {
		t.Errorf("bad enum value: fatal %q", tb.fatal)
	}
	tb.fatal = ""
	ToggleNameAs(tb, c, "zmax", 7)
	if v, ok := c.constInt(3); tb.fatal != "" || !ok || v != 7 {
		t.Errorf("ToggleNameAs int: %q %v %v", tb.fatal, v, ok)
	}
	tb.done()
}

func TestNewFlagChecks(t *testing.T) {
	s := newSpec(variantModel(t))
	for _, f := range []func(){
		func() { newFlag[bool](s, 1, "advanced_search") },
		func() { newFlag[string](s, 1, "new_ui") },
		func() { newFlag[int64](s, 2, "search_engine") },
		func() { newFlag[bool](s, 9, "x") },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("NewFlag did not panic on a mismatch")
				}
			}()
			f()
		}()
	}
}

// TestBindBoolStates checks the states generated accessors read: set at
// bind time, and kept in step by every snapshot change (a pin and its
// cleanup, a live change) before the call that made it returns.
func TestBindBoolStates(t *testing.T) {
	c := newTestClient(t, variantModel(t))
	newUI := newFlag[bool](c.Spec(), 1, "new_ui")
	k1, k2 := make([]uint32, 5), make([]uint32, 2) // one entry more than flags; a shorter one
	for i := range k1 {
		k1[i] = 99
	}
	c.bindBoolStates(k1)
	c.bindBoolStates(k2)
	check := func(what string, want ...uint32) {
		t.Helper()
		for i, w := range want {
			if got := atomic.LoadUint32(&k1[i]); got != w {
				t.Errorf("%s: flag %d state %d, want %d", what, i, got, w)
			}
			if i < len(k2) && atomic.LoadUint32(&k2[i]) != w {
				t.Errorf("%s: second binding: flag %d state %d, want %d", what, i, k2[i], w)
			}
		}
	}
	// new_ui has targeting and a rollout; search_engine and zmax are not
	// bool flags; index 4 is past the spec's flags.
	check("at bind", engine.StateDynamic, engine.StateDynamic, engine.StateDynamic, engine.StateDynamic, engine.StateDynamic)
	tb := &fakeTB{name: "TestPin"}
	ToggleAs(tb, c, newUI, true)
	check("pinned on", engine.StateDynamic, engine.StateOn, engine.StateDynamic, engine.StateDynamic, engine.StateDynamic)
	tb.done()
	check("pin cleaned up", engine.StateDynamic, engine.StateDynamic, engine.StateDynamic, engine.StateDynamic, engine.StateDynamic)
	ctx := context.Background()
	if err := c.Set(ctx, "new_ui", json.RawMessage(`{"active": false}`), "test", "kill switch"); err != nil {
		t.Fatal(err)
	}
	// advanced_search depends on new_ui: off with it.
	check("kill switch", engine.StateOff, engine.StateOff, engine.StateDynamic, engine.StateDynamic, engine.StateDynamic)
	if err := c.Set(ctx, "new_ui", json.RawMessage(`{"active": true, "regions": null, "users": null, "account_types": null, "beta_program": null, "percentage_rollout": null}`), "test", "everyone"); err != nil {
		t.Fatal(err)
	}
	check("untargeted", engine.StateDynamic, engine.StateOn, engine.StateDynamic, engine.StateDynamic, engine.StateDynamic)
}

// TestToggleAsRefusesNaN: a float flag cannot be pinned to NaN or an
// infinity, which no JSON number (OFREP's answer included) can carry; a
// finite value pins.
func TestToggleAsRefusesNaN(t *testing.T) {
	s, err := LoadSpec("f.json", []byte(`{"flags": {"ratio": {"type": "float", "active": true, "default": "a",
		"variants": {"a": {"value": 0.5, "weight": 100}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewClient(s)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		tb := &fakeTB{name: "T"}
		ToggleNameAs(tb, c, "ratio", v)
		if !strings.Contains(tb.fatal, `flag "ratio" cannot be pinned to`) || !strings.Contains(tb.fatal, "no NaN or infinity") {
			t.Errorf("pinning %v: fatal %q", v, tb.fatal)
		}
		if c.pins[0] != nil {
			t.Errorf("pinning %v left a pin", v)
		}
		tb.done()
	}
	tb := &fakeTB{name: "T"}
	ToggleNameAs(tb, c, "ratio", 0.25)
	if tb.fatal != "" || c.pins[0] == nil {
		t.Errorf("pinning 0.25: fatal %q, pin %v", tb.fatal, c.pins[0])
	}
	tb.done()
}
