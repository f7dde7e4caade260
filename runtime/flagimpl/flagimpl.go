// Package flagimpl is for generated code only: it has no compatibility promise except through the version handshake (EnforceVersion), and applications use package runtime instead.
//
// It follows protobuf-go's runtime/protoimpl: what a generated package
// needs of the runtime (evaluation by flag index, the bound states of bool
// flags, handle construction, the no-copy guard and the version handshake)
// lives here, so that `go doc runtime` shows only what applications call.
//
// A runtime.Client keeps its evaluation core unexported. Package runtime
// registers, at init, two functions in internal/bridge that reach into a
// Client and a Flag; this package calls them once per Flags and once per
// handle, when a generated package is set up, never per evaluation. The
// Evaluator that Bind returns holds the Client's atomically swapped
// snapshot pointer itself, so an evaluation without hooks
// (runtime.WithHook) is one atomic load and a direct call into
// internal/engine, inlined up to the engine's cascade
// (generated/inline_test.go checks the bool accessors). The alternative of
// a bridge package that both sides import and that holds the Client's core
// would move the Client's state out of runtime; the registered functions
// keep it there.
package flagimpl

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync/atomic"
	"unsafe"

	"github.com/flaggen/flaggen/internal/bridge"
	"github.com/flaggen/flaggen/internal/engine"
	"github.com/flaggen/flaggen/runtime"
)

// Version pinning between generated code and this package (protobuf-go
// style). Generated code contains
//
//	const _ = flagimpl.EnforceVersion(flagimpl.GenVersion - 6)   // flagimpl too old
//	const _ = flagimpl.EnforceVersion(6 - flagimpl.MinGenVersion) // flagimpl too new
//
// so that a mismatch fails the build with a constant-overflow error on
// these lines. Version 3: generated code calls this package (Bind,
// Evaluator, NewFlag, MustLoadSpec …) rather than runtime.Client methods.
// Version 4: it sets its handles with InitFlags, from a table, and no
// longer calls NewFlag; NewFlag stays, so version 3 code still builds.
// Version 5: it evaluates with EvalBool, EvalString, EvalInt and EvalFloat,
// which pass the accessor's context.Context to the Client's hooks; Bool,
// String, Int and Float stay for older code, whose hooks see
// context.Background().
// Version 6: a string attribute with an enum is an integer type, and a
// value of it outside its constants is Undeclared.
type EnforceVersion uint

const (
	// GenVersion is the generated-code version this package supports up to.
	GenVersion = 6
	// MinGenVersion is the oldest generated-code version this package supports.
	MinGenVersion = 3
)

// Value is an attribute value (runtime.Value).
type Value = runtime.Value

// String returns a present string Value.
func String(s string) Value { return runtime.String(s) }

// Int returns a present int Value.
func Int(i int64) Value { return runtime.Int(i) }

// Float returns a present float Value.
func Float(f float64) Value { return runtime.Float(f) }

// Bool returns a present bool Value.
func Bool(b bool) Value { return runtime.Bool(b) }

// Undeclared returns the Value of an enum attribute set to a value its
// type does not declare (runtime.Undeclared).
func Undeclared() Value { return runtime.Undeclared() }

// values returns a as the engine's values, sharing a's memory:
// runtime.Value is defined as engine.Value (the conversion below, which
// the compiler allows only then, checks it). It costs nothing.
func values(a []Value) []engine.Value { return *(*[]engine.Value)(unsafe.Pointer(&a)) }

var _ = (*engine.Value)((*Value)(nil))

// The states Bind keeps in a Flags' array, one per flag. StateDynamic is
// zero, so that an entry not (yet) bound sends its reader to full
// evaluation.
const (
	StateDynamic = engine.StateDynamic // a flag whose value may depend on the context, or not a bool flag
	StateOff     = engine.StateOff     // a bool flag that is off whatever the context
	StateOn      = engine.StateOn      // a bool flag that is on whatever the context
)

// NoCopy, embedded in a struct, makes go vet's copylocks check report a
// copy of it.
type NoCopy struct{}

// Lock does nothing: see NoCopy.
func (*NoCopy) Lock() {}

// Unlock does nothing: see NoCopy.
func (*NoCopy) Unlock() {}

// MustLoadSpec is runtime.LoadSpec for generated code, whose embedded spec
// was validated when it was generated: it panics with the error list.
func MustLoadSpec(file string, src []byte) *runtime.Spec {
	s, err := runtime.LoadSpec(file, src)
	if err != nil {
		panic(err)
	}
	return s
}

// NewFlag returns the handle of flag index of s. It panics when the flag at
// index is not named name or its type does not match T: generated code
// never does that.
func NewFlag[T runtime.FlagValue](s *runtime.Spec, index int, name string) runtime.Flag[T] {
	var f runtime.Flag[T]
	bridge.InitFlag(&f, s, index, name)
	return f
}

// InitFlags sets the handles of a generated package: handles[i], a
// *runtime.Flag[T] with T of flag i's type, to the handle of flag i of s,
// as NewFlag returns it, for every flag of s. A table of pointers is static
// data, where one NewFlag call per flag makes the package's initialization
// one function as big as the spec, which dominated the compile time of big
// packages. It panics when handles does not hold one entry per flag or an
// entry does not fit its flag: generated code never does that.
func InitFlags(s *runtime.Spec, handles []any) {
	flags := bridge.SpecOf(s).Flags
	if len(handles) != len(flags) {
		panic(fmt.Sprintf("flagimpl.InitFlags: %d handles for %d flags (regenerate the code)", len(handles), len(flags)))
	}
	for i, h := range handles {
		bridge.InitFlag(h, s, i, flags[i].Name)
	}
}

// Evaluator evaluates the flags of one runtime.Client by index over
// attribute values in the spec's attribute order (zero Values are absent
// attributes). Evaluations never block, lock, do I/O or allocate (Explain
// allocates its result). When the Client has hooks (runtime.WithHook), the
// Const methods report no constant value, so that every evaluation goes
// through an Eval method, which runs the hooks.
type Evaluator struct {
	snap *atomic.Pointer[engine.Snapshot]
	// after runs the Client's hooks; nil when it has none.
	after func(ctx context.Context, i int, d engine.Decision)
}

// Bind returns the Evaluator of c and keeps states[i], for every flag index
// i < len(states), equal to flag i's constant state: StateOff or StateOn
// while bool flag i cannot depend on the context (as ConstBool reports),
// else StateDynamic (always StateDynamic when c has hooks, so that the
// accessors reach EvalBool). It sets states now and stores each changed entry with
// sync/atomic whenever c's snapshot changes, before ToggleAs, a reload, or
// a Change whose reload succeeded returns; readers must use
// atomic.LoadUint32. Generated packages embed states in their Flags (which
// must therefore not be copied), so that a bool accessor is one inlined
// load while its flag is constant.
func Bind(c *runtime.Client, states []uint32) Evaluator {
	core := bridge.CoreOf(c)
	core.BindBoolStates(states)
	return Evaluator{snap: core.Snap, after: core.After}
}

// ConstBool returns bool flag i's value when it cannot depend on the
// context right now (inactive, not yet activated, environment excluded,
// tripped, pinned, or untargeted) and the Client has no hooks.
func (e Evaluator) ConstBool(i int) (v, ok bool) {
	if e.after != nil {
		return false, false
	}
	return e.snap.Load().ConstBool(i)
}

// EvalBool evaluates bool flag i; the Client's hooks see ctx.
func (e Evaluator) EvalBool(ctx context.Context, i int, a []Value) bool {
	if e.after == nil {
		// values(a), written out: the call would take EvalBool over the
		// inliner's budget.
		return e.snap.Load().Bool(i, *(*[]engine.Value)(unsafe.Pointer(&a)))
	}
	return e.decide(ctx, i, a).True()
}

// decide evaluates flag i and runs the Client's hooks with ctx.
func (e Evaluator) decide(ctx context.Context, i int, a []Value) engine.Value {
	d := e.snap.Load().Decide(i, values(a))
	e.after(ctx, i, d)
	return d.Value
}

// Bool is EvalBool for generated code of version 4 and older: the hooks see
// context.Background().
func (e Evaluator) Bool(i int, a []Value) bool { return e.EvalBool(context.Background(), i, a) }

// ConstString is ConstBool for string and enum flags.
func (e Evaluator) ConstString(i int) (string, bool) {
	if e.after != nil {
		return "", false
	}
	return e.snap.Load().ConstString(i)
}

// EvalString evaluates string or enum flag i; the Client's hooks see ctx.
func (e Evaluator) EvalString(ctx context.Context, i int, a []Value) string {
	if e.after == nil {
		return e.snap.Load().String(i, values(a))
	}
	return e.decide(ctx, i, a).Str()
}

// String is EvalString for older generated code (see Bool).
func (e Evaluator) String(i int, a []Value) string {
	return e.EvalString(context.Background(), i, a)
}

// ConstInt is ConstBool for int flags.
func (e Evaluator) ConstInt(i int) (int64, bool) {
	if e.after != nil {
		return 0, false
	}
	return e.snap.Load().ConstInt(i)
}

// EvalInt evaluates int flag i; the Client's hooks see ctx.
func (e Evaluator) EvalInt(ctx context.Context, i int, a []Value) int64 {
	if e.after == nil {
		return e.snap.Load().Int(i, values(a))
	}
	return e.decide(ctx, i, a).Int64()
}

// Int is EvalInt for older generated code (see Bool).
func (e Evaluator) Int(i int, a []Value) int64 { return e.EvalInt(context.Background(), i, a) }

// ConstFloat is ConstBool for float flags.
func (e Evaluator) ConstFloat(i int) (float64, bool) {
	if e.after != nil {
		return 0, false
	}
	return e.snap.Load().ConstFloat(i)
}

// EvalFloat evaluates float flag i; the Client's hooks see ctx.
func (e Evaluator) EvalFloat(ctx context.Context, i int, a []Value) float64 {
	if e.after == nil {
		return e.snap.Load().Float(i, values(a))
	}
	return e.decide(ctx, i, a).Float64()
}

// Float is EvalFloat for older generated code (see Bool).
func (e Evaluator) Float(i int, a []Value) float64 {
	return e.EvalFloat(context.Background(), i, a)
}

// Explain evaluates flag i like its accessor and says which step decided.
func (e Evaluator) Explain(i int, a []Value) runtime.Explanation {
	var x runtime.Explanation
	x.Flag, x.Value, x.Step, x.Reason = e.snap.Load().Explain(i, values(a))
	return x
}

// MissingImpls checks a strategy factory's implementations at construction
// time: it returns an error naming every implementation that is missing (a
// nil interface, pointer, func, map, chan or slice), or nil.
func MissingImpls(strategy string, names []string, impls []any) error {
	var missing []string
	for i, x := range impls {
		name := fmt.Sprint(i)
		if i < len(names) {
			name = names[i]
		}
		if isNil(x) {
			missing = append(missing, name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("%s: missing implementation(s): %s (set every field of %sImpls)", strategy, strings.Join(missing, ", "), strategy)
}

func isNil(x any) bool {
	if x == nil {
		return true
	}
	v := reflect.ValueOf(x)
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Func, reflect.Map, reflect.Chan, reflect.Slice:
		return v.IsNil()
	}
	return false
}
