package runtime

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flaggen/flaggen/internal/engine"
	"github.com/flaggen/flaggen/internal/spec"
	"github.com/flaggen/flaggen/runtime/store"
)

// WithExposure makes the Client count its evaluations (exposure): per flag
// of the spec and variant served ("on" or "off" for a bool flag, the
// variant's name for a variant flag, PinnedVariant while a test pins the
// flag), with an atomic add on the evaluating goroutine (no allocation, no
// I/O), and add the counts to the store in one batch per flush
// (WithFlushInterval), with the flush's time as the time the flag was last
// evaluated, in the Client's environment (WithEnvironment, "production" by
// default; NewClient refuses an empty one). A batch the store fails to
// write is kept and sent again with the next flush (a batch a healthy
// store refuses, for one flag's malformed data, is sent again flag by
// flag, keeping only the refused flags' counts); Close flushes, so a
// Client closed while its store answers loses no counts. (A batch that
// the store wrote but whose answer was lost, the connection dropping in
// between, is sent again: counted twice.) Names the spec lacks (Evaluate)
// are not counted. Counts kept from a failed flush keep the time of the
// flush that took them, so that the per-minute counts land in the minutes
// they were taken and a reset of the flag made meanwhile drops them, as
// it drops every count taken before it (store.Store.ResetExposure). To
// stay small through a long outage, the counts of past minutes are merged
// by flag, variant and minute, and those older than
// store.ExposureHistory by flag and variant, each at the latest of their
// times: counts kept from flushes earlier in the very minute of such a
// reset are then counted as made after it.
//
// Counted evaluations are those that hooks see (see Hook): with
// WithExposure, evaluations take the hook path even without a hook, at
// a cost that BenchmarkHooks (its "exposure" cases) in
// generated/hook_test.go measures.
// The flaggen CLI ('flaggen exposure', 'ls', 'get') reads the counts
// (store.Store.Exposure) of every instance of the namespace.
func WithExposure() Option { return func(o *options) { o.exposure = true } }

// PinnedVariant is the variant under which WithExposure counts the
// evaluations of a flag pinned by ToggleAs (a pin sets a value, not a
// variant); the spec check reserves the name, so no variant has it.
// (internal/spec.PinnedVariant: runtime/exposure_test.go keeps them equal.)
const PinnedVariant = "(pinned)"

// exposure holds a Client's evaluation counts not yet added to the store.
type exposure struct {
	// counts holds one counter per flag and variant: flag i's are
	// counts[first[i]:first[i+1]], named names[i].
	counts []atomic.Int64
	first  []int
	names  [][]string

	mu sync.Mutex // guards pending; held by flush
	// pending holds counts the store failed to add (pendingKey), with the
	// time of the flush that took them (the latest, once merged).
	pending map[pendingKey]store.ExposureDelta
}

// pendingKey is where pending keeps counts: by counter, minute
// (store.Minute) and time (Unix ns) of the flush that took them in the
// current minute; by counter and minute (at 0) for past minutes; by
// counter (minute and at 0) for those older than store.ExposureHistory.
type pendingKey struct {
	counter    int
	minute, at int64
}

func comparePending(a, b pendingKey) int {
	return cmp.Or(cmp.Compare(a.counter, b.counter), cmp.Compare(a.minute, b.minute), cmp.Compare(a.at, b.at))
}

// newExposure preallocates a counter for every variant of every flag of m.
func newExposure(m *spec.Spec) *exposure {
	e := &exposure{first: make([]int, len(m.Flags)+1), names: make([][]string, len(m.Flags)), pending: map[pendingKey]store.ExposureDelta{}}
	n := 0
	for i, f := range m.Flags {
		e.first[i] = n
		var names []string
		if f.Type == spec.Bool {
			names = []string{"off", "on"}
		} else {
			for _, v := range f.Variants { // the default is one of them
				names = append(names, v.Name)
			}
		}
		names = append(names, PinnedVariant)
		e.names[i] = names
		n += len(names)
	}
	e.first[len(m.Flags)] = n
	e.counts = make([]atomic.Int64, n)
	return e
}

// count counts decision d of flag i.
func (e *exposure) count(i int, d engine.Decision) {
	base, names := e.first[i], e.names[i]
	k := len(names) - 1 // PinnedVariant
	switch {
	case d.Step == "pinned":
	case d.Variant != "":
		for j, name := range names[:k] {
			if name == d.Variant {
				k = j
				break
			}
		}
	default:
		if on, _ := d.Value.Any().(bool); on {
			k = 1
		} else {
			k = 0
		}
	}
	e.counts[base+k].Add(1)
}

// keep merges d into pending's entry k: counts added, Last the latest.
func (e *exposure) keep(k pendingKey, d store.ExposureDelta) {
	if p, ok := e.pending[k]; ok {
		d.Count += p.Count
		if p.Last.After(d.Last) {
			d.Last = p.Last
		}
	}
	e.pending[k] = d
}

// flush adds the counts taken now, and those kept from failed flushes, to
// st in one batch for environment env; on failure it keeps them all. When
// st refuses the batch while it reports itself healthy
// (store.HealthReporter), each flag's counts are added on their own and
// only the refused flags' counts are kept, as Client.addCounts does for
// monitor counts.
func (e *exposure) flush(ctx context.Context, st store.Store, m *spec.Spec, env string, now time.Time) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := range m.Flags {
		for j, name := range e.names[i] {
			k := e.first[i] + j
			n := e.counts[k].Swap(0)
			if n == 0 {
				continue
			}
			e.keep(pendingKey{k, store.Minute(now), now.UnixNano()}, store.ExposureDelta{Flag: m.Flags[i].Name, Env: env, Variant: name, Count: n, Last: now})
		}
	}
	if len(e.pending) == 0 {
		return nil
	}
	// Past minutes' counts: one entry per counter and minute; older than
	// the stores keep minutes: one per counter, so that an outage of days
	// keeps no entry per flush or minute.
	cur, old := store.Minute(now), store.Minute(now.Add(-store.ExposureHistory))
	for pk, d := range e.pending {
		switch {
		case pk.minute != 0 && pk.minute < old:
			delete(e.pending, pk)
			e.keep(pendingKey{counter: pk.counter}, d)
		case pk.at != 0 && pk.minute < cur:
			delete(e.pending, pk)
			e.keep(pendingKey{counter: pk.counter, minute: pk.minute}, d)
		}
	}
	keys := slices.SortedFunc(maps.Keys(e.pending), comparePending)
	batch := make([]store.ExposureDelta, 0, len(keys))
	for _, k := range keys {
		batch = append(batch, e.pending[k])
	}
	err := st.AddExposure(ctx, batch)
	if err == nil {
		clear(e.pending)
		return nil
	}
	h, ok := st.(store.HealthReporter)
	if batch[0].Flag == batch[len(batch)-1].Flag || !ok || h.Health() != nil {
		return fmt.Errorf("adding evaluation counts (kept for the next flush): %w", err)
	}
	// The store refused the batch while healthy (a malformed value under
	// one flag's keys, say): add each flag's counts on their own, so that
	// one flag's bad data holds back no other flag's counts.
	var errs []error
	for lo := 0; lo < len(keys); {
		hi := lo + 1
		for hi < len(keys) && batch[hi].Flag == batch[lo].Flag {
			hi++
		}
		if err := st.AddExposure(ctx, batch[lo:hi]); err != nil {
			errs = append(errs, fmt.Errorf("adding evaluation counts of %q (kept for the next flush): %w", batch[lo].Flag, err))
		} else {
			for _, k := range keys[lo:hi] {
				delete(e.pending, k)
			}
		}
		lo = hi
	}
	return errors.Join(errs...)
}
