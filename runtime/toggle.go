package runtime

import (
	"fmt"
	"math"
	"reflect"
	"strings"

	"github.com/flaggen/flaggen/internal/engine"
	"github.com/flaggen/flaggen/internal/spec"
)

// TB is the part of testing.TB that ToggleAs uses (the runtime does not
// import "testing").
type TB interface {
	Helper()
	Name() string
	Cleanup(func())
	Fatalf(format string, args ...any)
}

// Pinner is anything with a Client: a *Client, or a generated *Flags.
type Pinner interface {
	Runtime() *Client
}

// pin is a test override of one flag on one Client.
type pin struct {
	engine.Pin
	prev *pin // the pin it shadows (same test or a parent test), restored at cleanup
}

// ToggleAs pins flag f to v on p's Client for the rest of test t, and
// restores it in t.Cleanup. Pins live in the Client's snapshot (the hot path
// pays nothing), apply to accessors, factories and Explain, and are never
// written to any store. Pinning a flag that another running test (not t or
// a parent of t) has pinned on the same Client to a different value fails t
// at once, naming both tests.
func ToggleAs[T FlagValue](t TB, p Pinner, f Flag[T], v T) {
	t.Helper()
	pinValue(t, p, f.s, f.index, reflectValue(reflect.ValueOf(v)))
}

// reflectValue converts a flag value of kind bool, string, int64 or float64
// (a named type included) to a Value; any other kind is the zero Value.
func reflectValue(rv reflect.Value) Value {
	switch rv.Kind() {
	case reflect.Bool:
		return Bool(rv.Bool())
	case reflect.String:
		return String(rv.String())
	case reflect.Int64:
		return Int(rv.Int())
	case reflect.Float64:
		return Float(rv.Float())
	}
	return Value{}
}

// ToggleNameAs is ToggleAs by flag name, with the value's type checked at
// run time (bool, string, int64 or int, float64). An unknown name fails t,
// listing close names.
func ToggleNameAs(t TB, p Pinner, name string, v any) {
	t.Helper()
	c := p.Runtime()
	i, ok := c.spec.byName[name]
	if !ok {
		msg := fmt.Sprintf("ToggleNameAs: no flag %q in the spec", name)
		if close := closeNames(name, c.spec.FlagNames()); len(close) > 0 {
			msg += "; did you mean " + strings.Join(close, ", ") + "?"
		} else {
			msg += "; flags: " + strings.Join(c.spec.FlagNames(), ", ")
		}
		t.Fatalf("%s", msg)
		return
	}
	f := c.spec.m.Flags[i]
	if n, ok := v.(int); ok && (f.Type == spec.Int) {
		v = int64(n)
	}
	if v == nil {
		t.Fatalf("ToggleNameAs(%q): nil value", name)
		return
	}
	rv := reflect.ValueOf(v)
	if err := checkKind(f, rv.Kind()); err != nil {
		t.Fatalf("ToggleNameAs: %v (got %T)", err, v)
		return
	}
	pinValue(t, p, c.spec, i, reflectValue(rv))
}

func pinValue(t TB, p Pinner, s *Spec, i int, val Value) {
	t.Helper()
	c := p.Runtime()
	if c == nil {
		t.Fatalf("ToggleAs: nil Client")
		return
	}
	if s != c.spec {
		t.Fatalf("ToggleAs: flag %q belongs to another spec than the client's", c.spec.m.Flags[i].Name)
		return
	}
	f := c.spec.m.Flags[i]
	if x, ok := engine.Value(val).Any().(float64); ok && (math.IsNaN(x) || math.IsInf(x, 0)) {
		t.Fatalf("ToggleAs: flag %q cannot be pinned to %v: a flag's value is a JSON number, which has no NaN or infinity", f.Name, x)
		return
	}
	if f.Type == spec.Enum {
		ok := false
		var names []string
		for _, vr := range f.Variants {
			names = append(names, vr.Name)
			ok = ok || engine.ValueOf(vr.Value).Equal(engine.Value(val))
		}
		if !ok {
			t.Fatalf("ToggleAs: %s is not a variant of enum flag %q (variants: %s)", val.GoString(), f.Name, strings.Join(names, ", "))
			return
		}
	}
	name := t.Name()
	c.mu.Lock()
	old := c.pins[i]
	if old != nil && old.Test != name && !strings.HasPrefix(name, old.Test+"/") && !old.Val.Equal(engine.Value(val)) {
		c.mu.Unlock()
		t.Fatalf("ToggleAs: flag %q is already pinned to %s by %s, which is still running; %s cannot pin it to %s on the same client (use separate clients for parallel tests)",
			f.Name, old.Val.GoString(), old.Test, name, val.GoString())
		return
	}
	np := &pin{Pin: engine.Pin{Val: engine.Value(val), Test: name}, prev: old}
	c.pins[i] = np
	err := c.rebuildLocked()
	c.mu.Unlock()
	if err != nil {
		t.Fatalf("ToggleAs: %v", err)
		return
	}
	t.Cleanup(func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.pins[i] == np {
			if np.prev != nil {
				c.pins[i] = np.prev
			} else {
				delete(c.pins, i)
			}
		} else {
			// A later pin on top of ours is still active: unlink ours.
			for q := c.pins[i]; q != nil; q = q.prev {
				if q.prev == np {
					q.prev = np.prev
					break
				}
			}
		}
		_ = c.rebuildLocked()
	})
}
