package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"
)

// MemoryStore is a Store held in process memory: the default store of a
// Client, and the store of single-instance apps and tests. Its zero value is
// not usable; call NewMemoryStore.
type MemoryStore struct {
	mu       sync.Mutex
	closed   bool
	version  uint64
	flags    map[string]json.RawMessage
	audit    []AuditEntry
	counters map[string]map[string]int64
	feedback map[string][]Feedback
	spec     *recordedSpec // SpecRecorder; nil: none recorded
	watchers map[chan struct{}]struct{}
	now      func() time.Time
	onChange func() // called with mu held after each change (file store persistence)
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{
		flags:    map[string]json.RawMessage{},
		counters: map[string]map[string]int64{},
		feedback: map[string][]Feedback{},
		watchers: map[chan struct{}]struct{}{},
		now:      time.Now,
	}
}

func isNullJSON(b json.RawMessage) bool {
	b = bytes.TrimSpace(b)
	return len(b) == 0 || string(b) == "null"
}

func cloneRaw(m map[string]json.RawMessage) map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		out[k] = slices.Clone(v)
	}
	return out
}

// Load implements Store.
func (m *MemoryStore) Load(ctx context.Context) (State, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return State{}, ErrClosed
	}
	return State{Version: m.version, Flags: cloneRaw(m.flags)}, nil
}

// Register implements Store.
func (m *MemoryStore) Register(ctx context.Context, flags map[string]json.RawMessage) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	added := false
	for _, name := range slices.Sorted(maps.Keys(flags)) {
		if _, ok := m.flags[name]; ok {
			continue
		}
		p := flags[name]
		if isNullJSON(p) {
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
		m.changed()
	}
	return nil
}

// Apply implements Store.
func (m *MemoryStore) Apply(ctx context.Context, ch Change) (uint64, error) {
	if err := ch.Check(); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return 0, ErrClosed
	}
	if ch.IfVersion != 0 && ch.IfVersion != m.version {
		return 0, fmt.Errorf("apply (want version %d, store at %d): %w", ch.IfVersion, m.version, ErrConflict)
	}
	if ch.IfEpoch != "" {
		// One history: the epoch is always "".
		return 0, fmt.Errorf("apply (want epoch %q, the store has no epochs): %w", ch.IfEpoch, ErrConflict)
	}
	for name, p := range ch.Flags {
		if !isNullJSON(p) && !json.Valid(p) {
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
		if isNullJSON(p) {
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
	m.audit = keepLast(append(m.audit, AuditEntry{Version: m.version, Time: m.now().UTC(), Actor: ch.Actor, Reason: ch.Reason, Flags: recorded, Before: before}), MaxAuditEntries)
	m.changed()
	return m.version, nil
}

// changed notifies watchers; mu is held.
func (m *MemoryStore) changed() {
	if m.onChange != nil {
		m.onChange()
	}
	m.notify()
}

func (m *MemoryStore) notify() {
	for w := range m.watchers {
		select {
		case w <- struct{}{}:
		default: // a notification is pending already
		}
	}
}

// Watch implements Store.
func (m *MemoryStore) Watch(ctx context.Context) (<-chan struct{}, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	w := make(chan struct{}, 1)
	m.watchers[w] = struct{}{}
	go func() {
		<-ctx.Done()
		m.mu.Lock()
		defer m.mu.Unlock()
		if _, ok := m.watchers[w]; ok {
			delete(m.watchers, w)
			close(w)
		}
	}()
	return w, nil
}

// Audit implements Store.
func (m *MemoryStore) Audit(ctx context.Context, flag string, limit int) ([]AuditEntry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	var out []AuditEntry
	for i := len(m.audit) - 1; i >= 0; i-- {
		e := m.audit[i]
		if _, ok := e.Flags[flag]; flag != "" && !ok {
			continue
		}
		e.Flags = cloneRaw(e.Flags)
		out = append(out, e)
		if limit > 0 && len(out) == limit {
			break
		}
	}
	return out, nil
}

// AddCounters implements Store.
func (m *MemoryStore) AddCounters(ctx context.Context, deltas []CounterDelta) ([]int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
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

// Counters implements Store.
func (m *MemoryStore) Counters(ctx context.Context, flag string) (map[string]int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	return maps.Clone(m.counters[flag]), nil
}

// ResetCounters implements Store.
func (m *MemoryStore) ResetCounters(ctx context.Context, flag string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	delete(m.counters, flag)
	return nil
}

// AppendFeedback implements Store.
func (m *MemoryStore) AppendFeedback(ctx context.Context, flag string, fb Feedback) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	if fb.Time.IsZero() {
		fb.Time = m.now().UTC()
	}
	m.feedback[flag] = keepLast(append(m.feedback[flag], fb), MaxFeedbackEntries)
	return nil
}

// Feedback implements Store.
func (m *MemoryStore) Feedback(ctx context.Context, flag string) ([]Feedback, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	return slices.Clone(m.feedback[flag]), nil
}

// RecordSpec implements SpecRecorder.
func (m *MemoryStore) RecordSpec(ctx context.Context, file string, src []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	m.spec = &recordedSpec{File: file, Source: string(src), SHA256: SpecSHA256(src), Time: m.now().UTC()}
	return nil
}

// RecordedSpec implements SpecRecorder.
func (m *MemoryStore) RecordedSpec(ctx context.Context) (file string, src []byte, ok bool, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return "", nil, false, ErrClosed
	}
	if m.spec == nil {
		return "", nil, false, nil
	}
	if err := m.spec.check(); err != nil {
		return "", nil, false, err
	}
	return m.spec.File, []byte(m.spec.Source), true, nil
}

// Close implements Store.
func (m *MemoryStore) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil
	}
	m.closed = true
	for w := range m.watchers {
		close(w)
	}
	m.watchers = nil
	return nil
}

// memState is a copy of a MemoryStore's data, for undoing a change.
type memState struct {
	version  uint64
	flags    map[string]json.RawMessage
	audit    []AuditEntry
	counters map[string]map[string]int64
	feedback map[string][]Feedback
	spec     *recordedSpec
}

// save copies the store's data (entries are never modified in place, so a
// shallow copy of each map and slice is enough).
func (m *MemoryStore) save() memState {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := memState{version: m.version, flags: maps.Clone(m.flags), audit: slices.Clone(m.audit),
		counters: make(map[string]map[string]int64, len(m.counters)), feedback: maps.Clone(m.feedback), spec: m.spec}
	for k, v := range m.counters {
		st.counters[k] = maps.Clone(v)
	}
	return st
}

// restore puts back data saved by save and wakes the watchers.
func (m *MemoryStore) restore(st memState) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.version, m.flags, m.audit, m.counters, m.feedback, m.spec = st.version, st.flags, st.audit, st.counters, st.feedback, st.spec
	m.notify()
}

// The memory and file stores keep the newest MaxAuditEntries audit entries
// and MaxFeedbackEntries pieces of feedback per flag, as the Redis store's
// default stream and list bounds do.
const (
	MaxAuditEntries    = 10000
	MaxFeedbackEntries = 10000
)

// keepLast drops the oldest elements of s beyond n.
func keepLast[T any](s []T, n int) []T {
	if len(s) <= n {
		return s
	}
	return slices.Clip(s[len(s)-n:])
}
