// Package runtime evaluates generated feature flags from an immutable, atomically swapped snapshot
// kept in step with live state in a store.Store (package runtime/store), and provides monitors and test overrides.
//
// # Layout
//
// A Client holds the inputs of a snapshot (the spec, the live state loaded
// from its Store, test pins), its goroutines (following the store, flushing
// monitor reports, rebuilding at activation dates) and the atomic pointer
// to the current snapshot. The snapshot itself, and evaluation on it (the
// cascade, targeting rules, rollout bucketing, explanations), is
// internal/engine's, which does no I/O and starts no goroutine. Generated
// packages reach a Client's evaluation through runtime/flagimpl, which is
// for generated code only; apps use this package and the generated
// accessors.
//
// # Refused live patches
//
// A flag's live patch that the spec refuses affects that flag alone. A
// patch is refused when it is not valid for its flag (it does not decode,
// names an unknown flag in depends_on, has a bad type or value …) or when
// its depends_on closes a dependency cycle, e.g. a live "depends_on" of f0
// on f1 meeting a new release whose spec makes f1 depend on f0. A refused
// patch does not apply: its flag is served as the spec defines it, except
// that a kill switch in the refused patch still holds ("active" false or
// null, or a "tripped" reason), so a refused value never switches a flag
// on. Every other flag's patch, and every later change, applies.
//
// For a cycle, the patches refused are those of the flags with a
// dependency inside a cycle that their spec definition lacks, round after
// round until no cycle is left (a refused flag's spec depends_on may close
// another cycle). The rule reads only the stored live state and the spec,
// never the order changes came in nor what an instance held before, so a
// running instance and a freshly started one agree.
//
// While a patch is refused, Client.Health reports a *RefusedError naming
// the flags and why (once the store itself is healthy), each refusal is
// logged once, and `flaggen ls` and `flaggen get` show it with the command
// that repairs it. A change (Client.Change) that would make the spec refuse
// a patch it did not refuse (a new cycle) is refused with nothing written;
// a change to other flags, or one that repairs the refused patch, is not.
//
// A segment's live patch sits beside the flags' under "segment:NAME"
// (internal/spec.SegmentKey) and follows the same rules: refused when it
// does not decode or when it closes a cycle of segments (then the patches
// of the segments on the cycle whose "segments" differ from the spec's),
// the segment then keeping the spec's definition; the RefusedError names
// it "segment:NAME".
package runtime
