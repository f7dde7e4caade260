package lint

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/flaggen/flaggen/internal/ops"
	"github.com/flaggen/flaggen/internal/spec"
	"github.com/flaggen/flaggen/runtime/store"
)

// Live is the live state of a namespace (see store.Store), which the
// "ready to remove" check judges flags by when Options.Live is set.
type Live struct {
	// Store holds the live state. Lint only calls its Load, Audit,
	// Exposure and ExposureSince methods; callers wrap it with
	// store.ReadOnly so that nothing can ever be written through it.
	Store store.Store
	// Timeout bounds each store call; 0 means no bound.
	Timeout time.Duration
	// Unevaluated is how long a flag must have gone without evaluation in
	// environment EvalEnv, by the counts the apps keep
	// (runtime.WithExposure), to be reported; 0 means DefaultUnevaluated,
	// and EvalEnv "" DefaultEvalEnv.
	Unevaluated time.Duration
	EvalEnv     string
	// Note, when set, receives a remark that is not a finding: that no
	// evaluation was ever counted in EvalEnv, say.
	Note func(msg string)
}

// call runs f with a context bounded by l.Timeout; its error is a
// *LiveError.
func (l *Live) call(f func(ctx context.Context) error) error {
	ctx, cancel := context.Background(), context.CancelFunc(func() {})
	if l.Timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, l.Timeout)
	}
	defer cancel()
	if err := f(ctx); err != nil {
		return &LiveError{err}
	}
	return nil
}

// LiveError wraps a failure to read the live state (Options.Live), so that
// a caller can tell it from a failure to load the packages.
type LiveError struct{ Err error }

func (e *LiveError) Error() string { return "reading the live state: " + e.Err.Error() }

// Unwrap returns the store's error.
func (e *LiveError) Unwrap() error { return e.Err }

// liveView is a spec's effective configuration over one live state.
type liveView struct {
	// eff is the spec with the live patches applied (the spec itself
	// without live state).
	eff *spec.Spec
	// patch is each flag's live patch, compact, when it is not "{}".
	patch map[string][]byte
	// refused lists the flags whose live patch the spec refuses (the apps
	// serve them as the spec defines them, with a kill switch of the patch
	// held, until an operator repairs the patch): lint does not judge
	// them.
	refused map[string]bool
	// last is each flag's newest audit entry.
	last map[string]store.AuditEntry
	// oldest is the time of the oldest entry the audit trail still holds
	// (zero when it is empty): a flag with a live patch but no entry was
	// changed at or before it (the trail is capped).
	oldest time.Time
}

// readLive loads l's state and audit trail and applies the state to s.
// With l nil it returns the view of the spec alone.
func readLive(s *spec.Spec, l *Live) (*liveView, error) {
	v := &liveView{eff: s}
	if l == nil {
		return v, nil
	}
	call := l.call
	var st store.State
	if err := call(func(ctx context.Context) (err error) { st, err = l.Store.Load(ctx); return }); err != nil {
		return nil, err
	}
	var trail []store.AuditEntry
	if err := call(func(ctx context.Context) (err error) { trail, err = l.Store.Audit(ctx, "", 0); return }); err != nil {
		return nil, err
	}
	v.last = ops.LastChanges(trail)
	if len(trail) > 0 {
		v.oldest = trail[len(trail)-1].Time
	}

	// As the runtime and ops.Inspect do: names the spec lacks are
	// skipped, and a patch the spec refuses (it does not decode, or closes
	// a depends_on cycle) gives way to its flag's spec definition.
	v.patch, v.refused = map[string][]byte{}, map[string]bool{}
	for name, raw := range st.Flags {
		var c bytes.Buffer
		if s.Flag(name) != nil && json.Compact(&c, raw) == nil && c.String() != "{}" && c.String() != "null" {
			v.patch[name] = c.Bytes()
		}
	}
	eff, _, refused := s.LiveState(st.Flags)
	for name := range refused {
		v.refused[name] = true
	}
	v.eff = eff
	return v, nil
}

// closure calls visit for flag name and every flag it depends on,
// transitively, in the effective spec, each once.
func (v *liveView) closure(name string, visit func(string)) {
	seen := map[string]bool{}
	var walk func(n string)
	walk = func(n string) {
		if seen[n] {
			return
		}
		seen[n] = true
		visit(n)
		if f := v.eff.Flag(n); f != nil {
			for _, d := range f.DependsOn {
				walk(d)
			}
		}
	}
	walk(name)
}

// unknown reports whether the live patch of flag name or of a flag it
// depends on is refused, so that its effective state is unknown.
func (v *liveView) unknown(name string) bool {
	bad := false
	v.closure(name, func(n string) { bad = bad || v.refused[n] })
	return bad
}

// lastChange returns the newest audit entry of flag name and of the flags
// it depends on, transitively (in the effective spec); ok=false when none
// of them was ever changed live. A flag with a live patch but no entry left
// in the capped trail counts as changed when the oldest entry was written.
func (v *liveView) lastChange(name string) (e store.AuditEntry, flag string, ok bool) {
	v.closure(name, func(n string) {
		got, has := v.last[n]
		if !has && v.patch[n] != nil && !v.oldest.IsZero() {
			got, has = store.AuditEntry{Time: v.oldest}, true
		}
		if has && (!ok || got.Time.After(e.Time)) {
			e, flag, ok = got, n, true
		}
	})
	return e, flag, ok
}

// describeChange says when and by whom flag (or, when it is not the linted flag
// itself, its dependency) was last changed live, for a message.
func describeChange(e store.AuditEntry, flag, linted string) string {
	s := "last live change " + e.Time.UTC().Format(time.DateOnly)
	if e.Version == 0 { // the bound from a capped trail (lastChange)
		s = "last live change at or before " + e.Time.UTC().Format(time.DateOnly) + " (the audit trail no longer holds it)"
	}
	if e.Actor != "" {
		s += " by " + e.Actor
	}
	if flag != linted {
		s += fmt.Sprintf(", to dependency %q", flag)
	}
	return s
}
