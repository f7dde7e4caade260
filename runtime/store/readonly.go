package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// ErrReadOnly is returned by the writes of a store wrapped with ReadOnly.
var ErrReadOnly = errors.New("store is read-only")

// ReadOnly returns a view of s that never writes: Register does nothing and
// returns nil (so that a runtime.Client over it starts without touching the
// store, e.g. to evaluate against live state from an admin tool), and
// Apply, AddCounters, ResetCounters, AppendFeedback, AddExposure and ResetExposure fail
// with ErrReadOnly. Load, Watch, Audit, Counters, Feedback, Exposure and
// ExposureSince read s; Close
// closes s.
//
// The view does not implement SpecRecorder even when s does, so a Client
// over it does not record its spec.
//
// A Client over a read-only store still evaluates unknown names as off, but
// cannot record them; its monitors' reports fail to flush (and are logged).
func ReadOnly(s Store) Store { return readOnly{s} }

type readOnly struct{ Store }

func (readOnly) Register(context.Context, map[string]json.RawMessage) error { return nil }

// Now forwards the wrapped store's Clock (the local time without one).
func (r readOnly) Now() time.Time { return Now(r.Store) }

// Health forwards the wrapped store's HealthReporter, if any.
func (r readOnly) Health() error {
	if h, ok := r.Store.(HealthReporter); ok {
		return h.Health()
	}
	return nil
}

func (readOnly) Apply(context.Context, Change) (uint64, error) { return 0, ErrReadOnly }

func (readOnly) AddCounters(context.Context, []CounterDelta) ([]int64, error) {
	return nil, ErrReadOnly
}

func (readOnly) ResetCounters(context.Context, string) error { return ErrReadOnly }

func (readOnly) AppendFeedback(context.Context, string, Feedback) error { return ErrReadOnly }

func (readOnly) AddExposure(context.Context, []ExposureDelta) error { return ErrReadOnly }

func (readOnly) ResetExposure(context.Context, string, string, time.Time) error { return ErrReadOnly }
