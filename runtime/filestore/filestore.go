// Package filestore provides a live-state store kept in one JSON file, for single-host deployments.
package filestore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/flaggen/flaggen/runtime/memstore"
	"github.com/flaggen/flaggen/runtime/store"
)

// Store is a store.Store kept in one JSON file (live state, audit trail,
// counters and feedback), for single-host deployments and for operators who
// edit live state by hand. Edits made to the file outside flaggen are picked
// up within a second (the file is polled by modification time, size and
// content hash); a file that does not parse keeps the last good state and
// the reason is logged. Writes replace the file atomically (write to a
// temporary file, then rename).
//
// Processes sharing one file see each other's changes, but concurrent
// writers can lose updates: share live state between hosts with the Redis
// store (runtime/redisstore).
//
// It implements store.SpecRecorder, and a watcher is subscribed when Watch
// returns.
type Store struct {
	mem  *memstore.Store
	path string
	log  *slog.Logger

	mu      sync.Mutex // serializes file reads and writes
	sum     [32]byte
	modTime time.Time
	size    int64
	polls   int
	logged  string // what the last logged poll error was about (logBrokenLocked)

	cancel context.CancelFunc
	done   chan struct{}
}

// fileState is the file's JSON form.
type fileState struct {
	Version  uint64                      `json:"version"`
	Flags    map[string]json.RawMessage  `json:"flags"`
	Audit    []store.AuditEntry          `json:"audit,omitempty"`
	Counters map[string]map[string]int64 `json:"counters,omitempty"`
	Feedback map[string][]store.Feedback `json:"feedback,omitempty"`
	// Spec is the spec the apps recorded (SpecRecorder): file, source,
	// sha256 (hex, of source) and time.
	Spec *memstore.RecordedSpec `json:"spec,omitempty"`
	// Exposure holds the evaluation counts of each flag and environment;
	// ExposureSince when counting began in each environment.
	Exposure      []store.Exposure     `json:"exposure,omitempty"`
	ExposureSince map[string]time.Time `json:"exposure_since,omitempty"`
}

// PollInterval is how often a Store checks its file for outside edits.
const PollInterval = 250 * time.Millisecond

// New opens (or, on first write, creates) the live-state file at
// path. A file that exists but does not parse is an error here; later, a
// broken file is logged to logger (slog.Default() when nil) and ignored.
func New(path string, logger *slog.Logger) (*Store, error) {
	if logger == nil {
		logger = slog.Default()
	}
	f := &Store{mem: memstore.New(), path: path, log: logger, done: make(chan struct{})}
	if _, err := f.syncLocked(true); err != nil {
		return nil, err
	}
	var ctx context.Context
	ctx, f.cancel = context.WithCancel(context.Background())
	go f.poll(ctx)
	return f, nil
}

func (f *Store) poll(ctx context.Context) {
	defer close(f.done)
	t := time.NewTicker(PollInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f.mu.Lock()
			_, err := f.syncLocked(false)
			f.logBrokenLocked(err)
			f.mu.Unlock()
		}
	}
}

// brokenFile is a live-state file whose content does not parse.
type brokenFile struct {
	sum [32]byte // of the content
	err error
}

func (b *brokenFile) Error() string { return b.err.Error() }
func (b *brokenFile) Unwrap() error { return b.err }

// logBrokenLocked logs a poll's error once per distinct broken content (or
// distinct error, when the file cannot be read), not at every poll; a good
// read ends the episode.
func (f *Store) logBrokenLocked(err error) {
	if err == nil {
		f.logged = ""
		return
	}
	key := err.Error()
	var b *brokenFile
	if errors.As(err, &b) {
		key = string(b.sum[:])
	}
	if key == f.logged {
		return
	}
	f.logged = key
	f.log.Error("flaggen: live-state file unusable, keeping the last good state", "path", f.path, "err", err)
}

// syncLocked reloads the file when it changed since it was last read or
// written. It reports whether the state changed.
func (f *Store) syncLocked(force bool) (bool, error) {
	fi, err := os.Stat(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		if force {
			return false, nil // created on first write
		}
		return false, fmt.Errorf("%s: %w", f.path, fs.ErrNotExist)
	}
	if err != nil {
		return false, err
	}
	f.polls++
	if !force && fi.ModTime().Equal(f.modTime) && fi.Size() == f.size && f.polls%4 != 0 {
		return false, nil
	}
	data, err := os.ReadFile(f.path)
	if err != nil {
		return false, err
	}
	sum := sha256.Sum256(data)
	if sum == f.sum {
		f.modTime, f.size = fi.ModTime(), fi.Size()
		return false, nil
	}
	var st fileState
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&st); err != nil {
		return false, &brokenFile{sum, fmt.Errorf("%s: %v", f.path, err)}
	}
	for name, p := range st.Flags {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(p, &obj); err != nil || obj == nil {
			return false, &brokenFile{sum, fmt.Errorf("%s: flags.%s: want a patch object, got %s", f.path, name, p)}
		}
		var buf bytes.Buffer
		json.Compact(&buf, p)
		st.Flags[name] = buf.Bytes()
	}
	if err := checkExposure(st.Exposure); err != nil {
		return false, &brokenFile{sum, fmt.Errorf("%s: %v", f.path, err)}
	}
	f.sum, f.modTime, f.size = sum, fi.ModTime(), fi.Size()
	cur := f.mem.Snapshot()
	if st.Flags == nil {
		st.Flags = map[string]json.RawMessage{}
	}
	if !force && st.Version <= cur.Version && !sameFlags(cur.Flags, st.Flags) {
		// Edited by hand without bumping the version: make the change
		// visible (and audited) like any other.
		st.Version = cur.Version + 1
		after := diffFlags(cur.Flags, st.Flags)
		before := make(map[string]json.RawMessage, len(after))
		for name := range after {
			before[name] = json.RawMessage("null")
			if old, ok := cur.Flags[name]; ok {
				before[name] = old
			}
		}
		st.Audit = append(st.Audit, store.AuditEntry{Version: st.Version, Time: time.Now().UTC(), Actor: "file:" + f.path,
			Reason: "live-state file edited outside flaggen", Flags: after, Before: before})
	}
	changed := f.mem.Restore(memstore.Data{Version: st.Version, Flags: st.Flags, Audit: st.Audit,
		Counters: st.Counters, Feedback: st.Feedback, Spec: st.Spec, Exposure: st.Exposure, ExposureSince: st.ExposureSince})
	return changed, nil
}

// sameFlags reports whether a and b hold the same flags with the same
// patches, byte for byte but for surrounding white space.
func sameFlags(a, b map[string]json.RawMessage) bool {
	return maps.EqualFunc(a, b, func(v, w json.RawMessage) bool {
		return bytes.Equal(bytes.TrimSpace(v), bytes.TrimSpace(w))
	})
}

func diffFlags(old, cur map[string]json.RawMessage) map[string]json.RawMessage {
	d := map[string]json.RawMessage{}
	for k, v := range cur {
		if w, ok := old[k]; !ok || !bytes.Equal(v, w) {
			d[k] = v
		}
	}
	for k := range old {
		if _, ok := cur[k]; !ok {
			d[k] = json.RawMessage("null")
		}
	}
	return d
}

// writeLocked writes the memory state to the file atomically.
func (f *Store) writeLocked() error {
	d := f.mem.Snapshot()
	st := fileState{Version: d.Version, Flags: d.Flags, Audit: d.Audit, Counters: d.Counters, Feedback: d.Feedback, Spec: d.Spec,
		Exposure: d.Exposure, ExposureSince: d.ExposureSince}
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	data = append(data, '\n')
	tmp, err := os.CreateTemp(filepath.Dir(f.path), ".flaggen-*.tmp")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), f.path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing live-state file %s: %w", f.path, err)
	}
	if fi, err := os.Stat(f.path); err == nil {
		f.modTime, f.size = fi.ModTime(), fi.Size()
	}
	f.sum = sha256.Sum256(data)
	return nil
}

// write runs a memory-store mutation on fresh state and persists it.
func (f *Store) write(op func() error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := f.syncLocked(false); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("live-state file unusable, not writing over it: %w", err)
	}
	saved := f.mem.Snapshot()
	if err := op(); err != nil {
		return err
	}
	if err := f.writeLocked(); err != nil {
		// Not on disk: not a change. Undo it in memory too, so that no
		// reader is served state that a restart would lose.
		f.mem.Restore(saved)
		return err
	}
	return nil
}

// fresh picks up outside edits before a read.
func (f *Store) fresh() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := f.syncLocked(false); err != nil {
		f.log.Debug("flaggen: live-state file unusable, serving the last good state", "path", f.path, "err", err)
	}
}

// Load implements store.Store.
func (f *Store) Load(ctx context.Context) (store.State, error) {
	f.fresh()
	return f.mem.Load(ctx)
}

// Register implements store.Store.
func (f *Store) Register(ctx context.Context, flags map[string]json.RawMessage) error {
	return f.write(func() error { return f.mem.Register(ctx, flags) })
}

// Apply implements store.Store.
func (f *Store) Apply(ctx context.Context, ch store.Change) (v uint64, err error) {
	err = f.write(func() error {
		v, err = f.mem.Apply(ctx, ch)
		return err
	})
	return v, err
}

// Watch implements store.Store.
func (f *Store) Watch(ctx context.Context) (<-chan struct{}, error) { return f.mem.Watch(ctx) }

// Audit implements store.Store.
func (f *Store) Audit(ctx context.Context, flag string, limit int) ([]store.AuditEntry, error) {
	f.fresh()
	return f.mem.Audit(ctx, flag, limit)
}

// AddCounters implements store.Store.
func (f *Store) AddCounters(ctx context.Context, deltas []store.CounterDelta) (out []int64, err error) {
	err = f.write(func() error {
		out, err = f.mem.AddCounters(ctx, deltas)
		return err
	})
	return out, err
}

// Counters implements store.Store.
func (f *Store) Counters(ctx context.Context, flag string) (map[string]int64, error) {
	f.fresh()
	return f.mem.Counters(ctx, flag)
}

// ResetCounters implements store.Store.
func (f *Store) ResetCounters(ctx context.Context, flag string) error {
	return f.write(func() error { return f.mem.ResetCounters(ctx, flag) })
}

// AppendFeedback implements store.Store.
func (f *Store) AppendFeedback(ctx context.Context, flag string, fb store.Feedback) error {
	return f.write(func() error { return f.mem.AppendFeedback(ctx, flag, fb) })
}

// Feedback implements store.Store.
func (f *Store) Feedback(ctx context.Context, flag string) ([]store.Feedback, error) {
	f.fresh()
	return f.mem.Feedback(ctx, flag)
}

// AddExposure implements store.Store.
func (f *Store) AddExposure(ctx context.Context, deltas []store.ExposureDelta) error {
	if len(deltas) == 0 {
		return nil
	}
	return f.write(func() error { return f.mem.AddExposure(ctx, deltas) })
}

// Exposure implements store.Store.
func (f *Store) Exposure(ctx context.Context, flag string) ([]store.Exposure, error) {
	f.fresh()
	return f.mem.Exposure(ctx, flag)
}

// ResetExposure implements store.Store: the reset (each environment's
// Exposure.Since) is kept in the file with the counts.
func (f *Store) ResetExposure(ctx context.Context, flag, env string, at time.Time) error {
	if err := store.CheckExposureReset(flag, env, at); err != nil {
		return err
	}
	return f.write(func() error { return f.mem.ResetExposure(ctx, flag, env, at) })
}

// ExposureSince implements store.Store.
func (f *Store) ExposureSince(ctx context.Context, env string) (time.Time, error) {
	f.fresh()
	return f.mem.ExposureSince(ctx, env)
}

// checkExposure returns an error naming the first entry of the file's
// "exposure" that flaggen would not have written: a flag or environment
// named twice or not at all, a last or since time outside the years 2000
// to 9999, or a count below zero or above store.MaxExposureCount.
func checkExposure(es []store.Exposure) error {
	seen := map[[2]string]bool{}
	for i, e := range es {
		k := [2]string{e.Flag, e.Env}
		switch {
		case e.Flag == "" || e.Env == "":
			return fmt.Errorf("exposure[%d]: want a flag and an env", i)
		case seen[k]:
			return fmt.Errorf("exposure[%d]: flag %q in env %q is listed twice", i, e.Flag, e.Env)
		}
		seen[k] = true
		if err := store.CheckExposureTime(e.Last); err != nil && !e.Last.IsZero() {
			return fmt.Errorf("exposure[%d] (flag %q, env %q): last: %v", i, e.Flag, e.Env, err)
		}
		if err := store.CheckExposureTime(e.Since); err != nil && !e.Since.IsZero() {
			return fmt.Errorf("exposure[%d] (flag %q, env %q): since: %v", i, e.Flag, e.Env, err)
		}
		for what, m := range map[string]map[string]int64{"variants": e.Variants, "minutes": minuteNames(e.Minutes)} {
			for name, n := range m {
				if n < 0 || n > store.MaxExposureCount {
					return fmt.Errorf("exposure[%d] (flag %q, env %q): %s.%s is %d, not a count from 0 to %d", i, e.Flag, e.Env, what, name, n, int64(store.MaxExposureCount))
				}
			}
		}
	}
	return nil
}

func minuteNames(m map[int64]int64) map[string]int64 {
	out := make(map[string]int64, len(m))
	for k, v := range m {
		out[strconv.FormatInt(k, 10)] = v
	}
	return out
}

// RecordSpec implements store.SpecRecorder: the spec goes to the file's "spec"
// field (file, source, sha256, time), written atomically with the rest.
func (f *Store) RecordSpec(ctx context.Context, file string, src []byte) error {
	return f.write(func() error { return f.mem.RecordSpec(ctx, file, src) })
}

// RecordedSpec implements store.SpecRecorder. A "spec" field edited by hand so
// that its sha256 no longer matches its source is an error.
func (f *Store) RecordedSpec(ctx context.Context) (file string, src []byte, ok bool, err error) {
	f.fresh()
	file, src, ok, err = f.mem.RecordedSpec(ctx)
	if err != nil && !errors.Is(err, store.ErrClosed) {
		err = fmt.Errorf("%s: %w", f.path, err)
	}
	return file, src, ok, err
}

// Close implements store.Store: it stops polling and closes Watch channels.
func (f *Store) Close() error {
	if f.cancel != nil {
		f.cancel()
		<-f.done
		f.cancel = nil
	}
	return f.mem.Close()
}
