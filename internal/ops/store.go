package ops

import (
	"fmt"
	"log/slog"

	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/store"
)

// OpenStore opens a session on st, a store the caller owns and closes
// (e.g. the memory store of a standalone 'flaggen serve'): the session
// reads and writes it (Session.Live; Session.Store is nil) with the same
// plans, checks and audit as a session on a Redis. where names the store
// in messages (e.g. "the embedded memory store"). cfg's Timeout, Spec
// and Log apply; the rest is about Redis.
// The spec is cfg.Spec, else the spec recorded in st (store.SpecRecorder),
// else an error.
func OpenStore(st store.Store, where string, cfg Config) (*Session, error) {
	if cfg.Timeout <= 0 {
		return nil, Usagef("-timeout must be positive")
	}
	s := &Session{Live: st, URL: where, Where: where, timeout: cfg.Timeout, log: cfg.Log}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := s.Ctx()
	defer cancel()
	var err error
	if s.State, err = st.Load(ctx); err != nil {
		return nil, fmt.Errorf("%s: %v", where, err)
	}
	var file string
	var src []byte
	if rec, ok := st.(store.SpecRecorder); ok {
		if file, src, s.Recorded, err = rec.RecordedSpec(ctx); err != nil {
			return nil, fmt.Errorf("reading the spec recorded in %s: %v", where, err)
		}
	}
	switch {
	case cfg.Spec != nil:
		s.Spec = cfg.Spec.Spec
	case !s.Recorded:
		return nil, fmt.Errorf("no spec recorded in %s: pass -spec FILE", where)
	default:
		if s.Spec, err = runtime.LoadSpec(file, src); err != nil {
			return nil, fmt.Errorf("the spec recorded in %s (%s) does not load with this flaggen (pass -spec FILE):\n%v", where, file, err)
		}
	}
	if c, ok := st.(store.SpecChecker); ok {
		c.UseSpec(s.Spec)
	}
	return s, nil
}

// Fork returns a copy of the session for one of several concurrent
// operations over the same store (e.g. one request of the admin API):
// State, which Inspect and WriteFlag set, is its own. Close only the
// original.
func (s *Session) Fork() *Session {
	c := *s
	return &c
}

// StoreHealth returns nil when the session's store is in step with its
// backend (store.HealthReporter; a store without one always is), else why
// not, scrubbed of credentials.
func (s *Session) StoreHealth() error {
	return s.Hide(storeDown(s.Live))
}

// storeDown returns st's Health error (store.HealthReporter), or nil.
func storeDown(st store.Store) error {
	if h, ok := st.(store.HealthReporter); ok {
		return h.Health()
	}
	return nil
}
