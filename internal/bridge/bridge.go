// Package bridge hands runtime/flagimpl, runtime/flaghttp, runtime/openfeature and internal/ops the parts of a runtime.Client, runtime.Flag and runtime.Spec they need, without exporting them from package runtime.
//
// Package runtime sets the functions below in its init; runtime/flagimpl,
// runtime/flaghttp, runtime/openfeature and internal/ops, which import
// runtime (so runtime's init has run), call them: runtime/flagimpl when a
// generated package declares its flag handles and when it creates its
// Flags, never per evaluation; runtime/flaghttp and runtime/openfeature
// when they build their handler or Provider (they keep the Evaluator and
// evaluate through it; openfeature also reads flag types and metadata);
// internal/ops when it inspects live state.
package bridge

import (
	"context"
	"sync/atomic"

	"github.com/flaggen/flaggen/internal/engine"
	"github.com/flaggen/flaggen/internal/spec"
)

// Core is what runtime/flagimpl holds of one runtime.Client.
type Core struct {
	// Snap is the Client's current snapshot, swapped atomically on every
	// change: evaluations load it.
	Snap *atomic.Pointer[engine.Snapshot]
	// BindBoolStates keeps dst[i] equal to flag i's engine.Snapshot.BoolState,
	// stored with sync/atomic in the same critical section as each swap.
	BindBoolStates func(dst []uint32)
	// After runs the Client's hooks (runtime.WithHook) for decision d of
	// flag i, evaluated with ctx; it is nil when the Client has none.
	After func(ctx context.Context, i int, d engine.Decision)
}

// Decision is what one evaluation decided, without the explanation text,
// so that it costs no allocation: Value, Step (runtime.Explanation.Step's
// names), Variant (a variant flag's chosen variant, or its default
// variant; "" for bool and pinned flags), NoKey (a rollout or a variant
// choice needed the key attribute and the context has none) and Const
// (the flag's value cannot depend on the context right now).
type Decision = engine.Decision

// Evaluator is what a server evaluating by flag index holds of one
// runtime.Client; V is runtime.Value. Its functions are the Client's
// methods, bound once: calling them allocates nothing.
type Evaluator[V any] struct {
	// Decide evaluates flag i (its index in runtime.Spec.FlagNames) over
	// attribute values a, as runtime.Client.ExplainName does, without
	// allocating, and runs the Client's hooks (runtime.WithHook) once with
	// ctx, the caller's (an HTTP request's, an OpenFeature SDK call's). A
	// decision with NoKey, which a server answers with an error
	// (TARGETING_KEY_MISSING), reaches the hooks as an evaluation with reason
	// "ERROR" and no variant. Without hooks it costs what deciding costs.
	// It panics when i is out of range.
	Decide func(ctx context.Context, i int, a []V) Decision
	// Revision identifies what the Client evaluates with: the live state
	// (its epoch and version), the activation dates passed and test pins.
	// It changes whenever an answer may (except with runtime.WithClock,
	// whose dates are checked at each evaluation), and Clients of one spec
	// and environment over the same live state, without pins, have the
	// same revision. Read it before evaluating: a revision is published
	// after the snapshot it names, so an answer computed after reading a
	// revision is never older than it.
	Revision func() string
	// Version returns the version of the live state the Client evaluates
	// with (0 before any was loaded).
	Version func() uint64
	// Snapshot returns the snapshot the Client evaluates with now, and
	// DecideOn evaluates flag i on snapshot s as Decide does (hooks
	// included), without allocating: a response that evaluates many flags
	// loads one snapshot and decides them all on it, so that it never mixes
	// two live states.
	Snapshot func() *engine.Snapshot
	DecideOn func(ctx context.Context, s *engine.Snapshot, i int, a []V) Decision
}

// EvaluatorOf returns the Evaluator of client, a *runtime.Client, with V
// runtime.Value.
func EvaluatorOf[V any](client any) Evaluator[V] {
	return NewEvaluator(client).(Evaluator[V])
}

var (
	// NewEvaluator returns the Evaluator[runtime.Value] of client, a
	// *runtime.Client (EvaluatorOf asserts its type).
	NewEvaluator func(client any) any
	// CoreOf returns the Core of client, a *runtime.Client.
	CoreOf func(client any) Core
	// InitFlag sets dst, a *runtime.Flag[T], to the handle of flag index of
	// s (a *runtime.Spec); it panics when that flag is not named name or its
	// type does not match T.
	InitFlag func(dst, s any, index int, name string)
	// SpecOf returns the spec model of s, a *runtime.Spec (not to be
	// changed).
	SpecOf func(s any) *spec.Spec
)
