package flagimpl_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/flagimpl"
)

const testSpec = `{"flags": {
	"beta": {"active": true, "regions": ["US"]},
	"kill": {"active": true},
	"engine": {"type": "enum", "active": true, "default": "classic",
		"variants": {"classic": {"value": "classic", "weight": 100}}},
	"max": {"type": "int", "active": true, "default": "few",
		"variants": {"few": {"value": 10, "weight": 100}}},
	"rate": {"type": "float", "active": true, "regions": ["US"], "default": "low",
		"variants": {"low": {"value": 0.5, "weight": 100}}}
}, "context": {"user_id": {"type": "int", "key": true}, "region": {"type": "string"}}}`

func newClient(t *testing.T) (*runtime.Client, *runtime.Spec) {
	t.Helper()
	s := flagimpl.MustLoadSpec("flags.json", []byte(testSpec))
	c, err := runtime.NewClient(s, runtime.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, s
}

func index(t *testing.T, s *runtime.Spec, name string) int {
	t.Helper()
	for i, n := range s.FlagNames() {
		if n == name {
			return i
		}
	}
	t.Fatalf("no flag %q", name)
	return -1
}

// TestEvaluatorFollowsChanges: the Evaluator that Bind returns, and the
// states it binds, follow every snapshot the Client swaps in (a live
// change, a pin), not the snapshot of the moment Bind was called.
func TestEvaluatorFollowsChanges(t *testing.T) {
	c, s := newClient(t)
	beta, kill, eng, max, rate := index(t, s, "beta"), index(t, s, "kill"), index(t, s, "engine"), index(t, s, "max"), index(t, s, "rate")
	states := make([]uint32, len(s.FlagNames()))
	e := flagimpl.Bind(c, states)
	us := []flagimpl.Value{flagimpl.Int(7), flagimpl.String("US")}
	fr := []flagimpl.Value{flagimpl.Int(7), flagimpl.String("FR")}
	if !e.Bool(beta, us) || e.Bool(beta, fr) {
		t.Error("beta does not follow its regions")
	}
	if atomic.LoadUint32(&states[beta]) != flagimpl.StateDynamic || atomic.LoadUint32(&states[kill]) != flagimpl.StateOn {
		t.Errorf("states at bind: %v", states)
	}
	// A variant flag's value depends on the key's bucket: never constant
	// while active.
	if _, ok := e.ConstString(eng); ok || e.String(eng, us) != "classic" {
		t.Errorf("engine: constant %v, value %q", ok, e.String(eng, us))
	}
	if _, ok := e.ConstInt(max); ok || e.Int(max, us) != 10 {
		t.Errorf("max: constant %v, value %d", ok, e.Int(max, us))
	}
	if _, ok := e.ConstFloat(rate); ok || e.Float(rate, us) != 0.5 || e.Float(rate, fr) != 0.5 {
		t.Error("rate: wrong value or constant despite its regions")
	}
	ctx := context.Background()
	if err := c.Set(ctx, "kill", json.RawMessage(`{"active": false}`), "test", "kill switch"); err != nil {
		t.Fatal(err)
	}
	if v, ok := e.ConstBool(kill); !ok || v || e.Bool(kill, us) || atomic.LoadUint32(&states[kill]) != flagimpl.StateOff {
		t.Error("the evaluator or the states missed a live change")
	}
	if x := e.Explain(kill, us); x.Step != "active" || x.Value != false {
		t.Errorf("explain: %+v", x)
	}
	tb := &pinTB{name: "TestPin"}
	runtime.ToggleAs(tb, c, flagimpl.NewFlag[bool](s, beta, "beta"), true)
	if !e.Bool(beta, fr) || atomic.LoadUint32(&states[beta]) != flagimpl.StateOn {
		t.Error("the evaluator or the states missed a pin")
	}
	tb.cleanup()
	if e.Bool(beta, fr) || atomic.LoadUint32(&states[beta]) != flagimpl.StateDynamic {
		t.Error("the evaluator or the states missed the pin's cleanup")
	}
}

type pinTB struct {
	name     string
	cleanups []func()
}

func (p *pinTB) Helper()                        {}
func (p *pinTB) Name() string                   { return p.name }
func (p *pinTB) Cleanup(fn func())              { p.cleanups = append(p.cleanups, fn) }
func (p *pinTB) Fatalf(format string, a ...any) { panic("ToggleAs failed: " + format) }
func (p *pinTB) cleanup() {
	for i := len(p.cleanups) - 1; i >= 0; i-- {
		p.cleanups[i]()
	}
}

type engineName string

func TestNewFlag(t *testing.T) {
	_, s := newClient(t)
	eng := flagimpl.NewFlag[engineName](s, index(t, s, "engine"), "engine")
	if eng.Name() != "engine" || eng.Index() != index(t, s, "engine") {
		t.Errorf("handle %v index %d", eng, eng.Index())
	}
	for name, f := range map[string]func(){
		"wrong name":   func() { flagimpl.NewFlag[bool](s, 0, "nope") },
		"wrong type":   func() { flagimpl.NewFlag[string](s, index(t, s, "beta"), "beta") },
		"int as enum":  func() { flagimpl.NewFlag[int64](s, index(t, s, "engine"), "engine") },
		"out of range": func() { flagimpl.NewFlag[bool](s, 99, "x") },
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(r.(string), "flagimpl.NewFlag") {
					t.Errorf("%s: NewFlag panicked with %v, want a flagimpl.NewFlag message", name, r)
				}
			}()
			f()
		}()
	}
}

func TestInitFlags(t *testing.T) {
	_, s := newClient(t)
	var (
		beta, kill runtime.Flag[bool]
		engine     runtime.Flag[engineName]
		max        runtime.Flag[int64]
		rate       runtime.Flag[float64]
	)
	byName := map[string]any{"beta": &beta, "kill": &kill, "engine": &engine, "max": &max, "rate": &rate}
	var handles []any
	for _, name := range s.FlagNames() {
		handles = append(handles, byName[name])
	}
	flagimpl.InitFlags(s, handles)
	for name, h := range map[string]runtime.Handle{"beta": beta, "kill": kill, "engine": engine, "max": max, "rate": rate} {
		if h.Name() != name || h.Index() != index(t, s, name) {
			t.Errorf("handle of %s: name %q index %d", name, h.Name(), h.Index())
		}
	}
	wrongType := append([]any(nil), handles...)
	wrongType[index(t, s, "max")] = new(runtime.Flag[string])
	notHandle := append([]any(nil), handles...)
	notHandle[0] = new(int)
	for name, hs := range map[string][]any{"too few": handles[1:], "too many": slices.Concat(handles, []any{&beta}), "wrong type": wrongType, "not a handle": notHandle, "nil": nil} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: InitFlags did not panic", name)
				}
			}()
			flagimpl.InitFlags(s, hs)
		}()
	}
}

func TestMustLoadSpecPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("MustLoadSpec accepted a bad spec")
		}
	}()
	flagimpl.MustLoadSpec("bad.json", []byte(`{"flags": {"x": {"active": "yes"}}}`))
}

func TestMissingImpls(t *testing.T) {
	var nilPtr *int
	one := 1
	if err := flagimpl.MissingImpls("SearchService", []string{"New", "Old"}, []any{&one, nilPtr}); err == nil || !strings.Contains(err.Error(), "Old") || strings.Contains(err.Error(), "New,") {
		t.Errorf("err = %v", err)
	}
	if err := flagimpl.MissingImpls("S", []string{"A"}, []any{func() {}}); err != nil {
		t.Error(err)
	}
}
