// Package memstore provides a live-state store held in process memory, the runtime's default store.
package memstore

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/flaggen/flaggen/internal/jsonx"
	"github.com/flaggen/flaggen/internal/watchset"
	"github.com/flaggen/flaggen/runtime/store"
)

// Store is a store.Store held in process memory: the default store of a
// runtime.Client, and the store of single-instance apps and tests. Its
// zero value is not usable; call New. It implements store.SpecRecorder,
// and a watcher is subscribed when Watch returns.
type Store struct {
	mu       sync.Mutex
	closed   bool
	version  uint64
	flags    map[string]json.RawMessage
	audit    []store.AuditEntry
	counters map[string]map[string]int64
	feedback map[string][]store.Feedback
	spec     *RecordedSpec // store.SpecRecorder; nil: none recorded
	// exposure holds the evaluation counts of each flag and environment,
	// expSince when counting began in each environment, and expNewest the
	// newest minute counted (older minutes are pruned from it).
	exposure  map[expKey]*store.Exposure
	expSince  map[string]time.Time
	expNewest int64
	watchers  watchset.Set
	now       func() time.Time
}

// New returns an empty Store.
func New() *Store {
	return &Store{
		flags:    map[string]json.RawMessage{},
		counters: map[string]map[string]int64{},
		feedback: map[string][]store.Feedback{},
		exposure: map[expKey]*store.Exposure{},
		expSince: map[string]time.Time{},
		now:      time.Now,
	}
}

// Load implements store.Store.
func (m *Store) Load(ctx context.Context) (store.State, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return store.State{}, store.ErrClosed
	}
	return store.State{Version: m.version, Flags: jsonx.CloneMap(m.flags)}, nil
}

// Register implements store.Store.
func (m *Store) Register(ctx context.Context, flags map[string]json.RawMessage) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return store.ErrClosed
	}
	added := false
	for _, name := range slices.Sorted(maps.Keys(flags)) {
		if _, ok := m.flags[name]; ok {
			continue
		}
		p := flags[name]
		if store.IsNull(p) {
			p = json.RawMessage("{}")
		}
		if !json.Valid(p) {
			return fmt.Errorf("register %q: patch is not valid JSON", name)
		}
		m.flags[name] = slices.Clone(p)
		added = true
	}
	if added {
		m.version++
		m.watchers.Notify()
	}
	return nil
}

// Apply implements store.Store.
func (m *Store) Apply(ctx context.Context, ch store.Change) (uint64, error) {
	if err := ch.Check(); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return 0, store.ErrClosed
	}
	if (ch.IfVersion != 0 || ch.CheckVersion) && ch.IfVersion != m.version {
		return 0, fmt.Errorf("apply (want version %d, store at %d): %w", ch.IfVersion, m.version, store.ErrConflict)
	}
	if ch.IfEpoch != "" {
		// One history: the epoch is always "".
		return 0, fmt.Errorf("apply (want epoch %q, the store has no epochs): %w", ch.IfEpoch, store.ErrConflict)
	}
	for name, p := range ch.Flags {
		if !store.IsNull(p) && !json.Valid(p) {
			return 0, fmt.Errorf("apply %q: patch is not valid JSON", name)
		}
	}
	recorded := map[string]json.RawMessage{}
	before := make(map[string]json.RawMessage, len(ch.Flags))
	for name, p := range ch.Flags {
		before[name] = json.RawMessage("null")
		if old, ok := m.flags[name]; ok {
			before[name] = slices.Clone(old)
		}
		if store.IsNull(p) {
			delete(m.flags, name)
			recorded[name] = json.RawMessage("null")
			continue
		}
		m.flags[name] = slices.Clone(p)
		recorded[name] = slices.Clone(p)
	}
	for _, name := range ch.ResetCounters {
		delete(m.counters, name)
	}
	m.version++
	m.audit = keepLast(append(m.audit, store.AuditEntry{Version: m.version, Time: m.now().UTC(), Actor: ch.Actor, Reason: ch.Reason, Flags: recorded, Before: before}), store.MaxAuditEntries)
	m.watchers.Notify()
	return m.version, nil
}

// Watch implements store.Store.
func (m *Store) Watch(ctx context.Context) (<-chan struct{}, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, store.ErrClosed
	}
	return m.watchers.Add(&m.mu, ctx, nil), nil
}

// Audit implements store.Store.
func (m *Store) Audit(ctx context.Context, flag string, limit int) ([]store.AuditEntry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, store.ErrClosed
	}
	var out []store.AuditEntry
	for i := len(m.audit) - 1; i >= 0; i-- {
		e := m.audit[i]
		if _, ok := e.Flags[flag]; flag != "" && !ok {
			continue
		}
		e.Flags = jsonx.CloneMap(e.Flags)
		out = append(out, e)
		if limit > 0 && len(out) == limit {
			break
		}
	}
	return out, nil
}

// AddCounters implements store.Store.
func (m *Store) AddCounters(ctx context.Context, deltas []store.CounterDelta) ([]int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, store.ErrClosed
	}
	out := make([]int64, len(deltas))
	for i, d := range deltas {
		c := m.counters[d.Flag]
		if c == nil {
			c = map[string]int64{}
			m.counters[d.Flag] = c
		}
		c[d.Name] += d.Delta
		out[i] = c[d.Name]
	}
	return out, nil
}

// Counters implements store.Store.
func (m *Store) Counters(ctx context.Context, flag string) (map[string]int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, store.ErrClosed
	}
	return maps.Clone(m.counters[flag]), nil
}

// ResetCounters implements store.Store.
func (m *Store) ResetCounters(ctx context.Context, flag string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return store.ErrClosed
	}
	delete(m.counters, flag)
	return nil
}

// AppendFeedback implements store.Store.
func (m *Store) AppendFeedback(ctx context.Context, flag string, fb store.Feedback) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return store.ErrClosed
	}
	if fb.Time.IsZero() {
		fb.Time = m.now().UTC()
	}
	m.feedback[flag] = keepLast(append(m.feedback[flag], fb), store.MaxFeedbackEntries)
	return nil
}

// Feedback implements store.Store.
func (m *Store) Feedback(ctx context.Context, flag string) ([]store.Feedback, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, store.ErrClosed
	}
	return slices.Clone(m.feedback[flag]), nil
}

// RecordSpec implements store.SpecRecorder.
func (m *Store) RecordSpec(ctx context.Context, file string, src []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return store.ErrClosed
	}
	m.spec = &RecordedSpec{File: file, Source: string(src), SHA256: store.SpecSHA256(src), Time: m.now().UTC()}
	return nil
}

// RecordedSpec implements store.SpecRecorder.
func (m *Store) RecordedSpec(ctx context.Context) (file string, src []byte, ok bool, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return "", nil, false, store.ErrClosed
	}
	if m.spec == nil {
		return "", nil, false, nil
	}
	if err := m.spec.Check(); err != nil {
		return "", nil, false, err
	}
	return m.spec.File, []byte(m.spec.Source), true, nil
}

// Close implements store.Store.
func (m *Store) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil
	}
	m.closed = true
	m.watchers.CloseAll()
	return nil
}

// Data is every piece of a Store's data: what Snapshot copies out and
// Restore puts back (the file store persists it). Restore keeps the maps
// and slices of d except the exposure counts, which it copies.
type Data struct {
	Version  uint64
	Flags    map[string]json.RawMessage
	Audit    []store.AuditEntry
	Counters map[string]map[string]int64
	Feedback map[string][]store.Feedback
	Spec     *RecordedSpec // nil: none recorded
	// Exposure holds the evaluation counts, sorted by flag then
	// environment; ExposureSince when counting began in each environment.
	Exposure      []store.Exposure
	ExposureSince map[string]time.Time
}

// Snapshot returns a copy of the store's data. Its entries are shared with
// the store, which never modifies an entry in place: the caller must not
// either.
func (m *Store) Snapshot() Data {
	m.mu.Lock()
	defer m.mu.Unlock()
	d := Data{Version: m.version, Flags: maps.Clone(m.flags), Audit: slices.Clone(m.audit),
		Counters: make(map[string]map[string]int64, len(m.counters)), Feedback: maps.Clone(m.feedback), Spec: m.spec}
	for k, v := range m.counters {
		d.Counters[k] = maps.Clone(v)
	}
	d.Exposure, d.ExposureSince = m.exposureData()
	return d
}

// Restore replaces the store's data with d, which the store keeps (nil maps
// are read as empty), and wakes the watchers when the version or a flag's
// patch changed. It reports whether a flag's patch changed.
func (m *Store) Restore(d Data) (flagsChanged bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if d.Flags == nil {
		d.Flags = map[string]json.RawMessage{}
	}
	if d.Counters == nil {
		d.Counters = map[string]map[string]int64{}
	}
	if d.Feedback == nil {
		d.Feedback = map[string][]store.Feedback{}
	}
	flagsChanged = !maps.EqualFunc(m.flags, d.Flags, func(a, b json.RawMessage) bool {
		return bytes.Equal(bytes.TrimSpace(a), bytes.TrimSpace(b))
	})
	versionChanged := d.Version != m.version
	m.version, m.flags, m.audit, m.counters, m.feedback, m.spec = d.Version, d.Flags, d.Audit, d.Counters, d.Feedback, d.Spec
	m.restoreExposure(d.Exposure, d.ExposureSince)
	if flagsChanged || versionChanged {
		m.watchers.Notify()
	}
	return flagsChanged
}

// RecordedSpec is a spec recorded with RecordSpec, as the memory and file
// stores keep it.
type RecordedSpec struct {
	File   string    `json:"file"`
	Source string    `json:"source"`
	SHA256 string    `json:"sha256"` // store.SpecSHA256 of Source
	Time   time.Time `json:"time"`   // when it was recorded (UTC)
}

// Check verifies the fingerprint (a file edited by hand may break it).
func (r *RecordedSpec) Check() error {
	if got := store.SpecSHA256([]byte(r.Source)); got != r.SHA256 {
		return fmt.Errorf("recorded spec %q: sha256 %s does not match its source (sha256 %s): edited by hand?", r.File, r.SHA256, got)
	}
	return nil
}

// keepLast drops the oldest elements of s beyond n.
func keepLast[T any](s []T, n int) []T {
	if len(s) <= n {
		return s
	}
	return slices.Clip(s[len(s)-n:])
}
