// Package bridge hands runtime/flagimpl, internal/ops and runtime/openfeature the parts of a runtime.Client, runtime.Flag and runtime.Spec they need, without exporting them from package runtime.
//
// Package runtime sets the functions below in its init; runtime/flagimpl,
// internal/ops and runtime/openfeature, which import runtime (so runtime's
// init has run), call them: runtime/flagimpl when a generated package
// declares its flag handles and when it creates its Flags, never per
// evaluation; internal/ops when it inspects live state;
// runtime/openfeature when it builds a Provider (flag types and metadata).
package bridge

import (
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
}

var (
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
