package memstore

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/flaggen/flaggen/runtime/store"
)

// expKey names one flag in one environment.
type expKey struct{ env, flag string }

// AddExposure implements store.Store.
func (m *Store) AddExposure(ctx context.Context, deltas []store.ExposureDelta) error {
	if err := store.CheckExposure(deltas); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return store.ErrClosed
	}
	// Drop the deltas made before a reset of their flag, then check every
	// total before adding any: all or none.
	kept := make([]store.ExposureDelta, 0, len(deltas))
	added := map[expKey]map[string]int64{}
	for _, d := range deltas {
		k := expKey{d.Env, d.Flag}
		e := m.exposure[k]
		if e != nil && d.Last.Before(e.Since) {
			continue
		}
		kept = append(kept, d)
		if added[k] == nil {
			added[k] = map[string]int64{}
		}
		var n int64
		if e != nil {
			n = e.Variants[d.Variant]
		}
		if n+added[k][d.Variant] > store.MaxExposureCount-d.Count {
			return errExposureOverflow(d)
		}
		added[k][d.Variant] += d.Count
	}
	newest := m.expNewest
	for _, d := range kept {
		k := expKey{d.Env, d.Flag}
		e := m.exposure[k]
		if e == nil {
			e = &store.Exposure{Flag: d.Flag, Env: d.Env, Variants: map[string]int64{}, Minutes: map[int64]int64{}}
			m.exposure[k] = e
		}
		e.Variants[d.Variant] += d.Count
		last := d.Last.UTC()
		if last.After(e.Last) {
			e.Last = last
		}
		e.Minutes[store.Minute(last)] += d.Count
		newest = max(newest, store.Minute(last))
		if s, ok := m.expSince[d.Env]; !ok || last.Before(s) {
			m.expSince[d.Env] = last
		}
	}
	if newest != m.expNewest {
		m.expNewest = newest
		pruneMinutes(m.exposure, newest)
	}
	return nil
}

// ResetExposure implements store.Store.
func (m *Store) ResetExposure(ctx context.Context, flag, env string, at time.Time) error {
	if err := store.CheckExposureReset(flag, env, at); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return store.ErrClosed
	}
	envs := []string{env}
	if env == "" {
		envs = slices.Collect(maps.Keys(m.expSince))
		for k := range m.exposure {
			if k.flag == flag && !slices.Contains(envs, k.env) {
				envs = append(envs, k.env)
			}
		}
	}
	for _, e := range envs {
		k := expKey{e, flag}
		since := at.UTC()
		if old := m.exposure[k]; old != nil && old.Since.After(since) {
			since = old.Since
		}
		m.exposure[k] = &store.Exposure{Flag: flag, Env: e, Variants: map[string]int64{}, Minutes: map[int64]int64{}, Since: since}
	}
	return nil
}

// pruneMinutes drops the minute counts older than store.ExposureHistory
// before the minute newest.
func pruneMinutes(exp map[expKey]*store.Exposure, newest int64) {
	oldest := newest - int64(store.ExposureHistory/time.Minute) + 1
	for _, e := range exp {
		maps.DeleteFunc(e.Minutes, func(min, _ int64) bool { return min < oldest })
	}
}

// Exposure implements store.Store.
func (m *Store) Exposure(ctx context.Context, flag string) ([]store.Exposure, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, store.ErrClosed
	}
	var out []store.Exposure
	for k, e := range m.exposure {
		if flag == "" || k.flag == flag {
			out = append(out, cloneExposure(*e))
		}
	}
	store.SortExposures(out)
	return out, nil
}

// ExposureSince implements store.Store.
func (m *Store) ExposureSince(ctx context.Context, env string) (time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return time.Time{}, store.ErrClosed
	}
	return m.expSince[env], nil
}

func cloneExposure(e store.Exposure) store.Exposure {
	e.Variants, e.Minutes = maps.Clone(e.Variants), maps.Clone(e.Minutes)
	return e
}

func errExposureOverflow(d store.ExposureDelta) error {
	return fmt.Errorf("exposure of flag %q in environment %q, variant %q: the total would exceed %d (nothing was added)", d.Flag, d.Env, d.Variant, int64(store.MaxExposureCount))
}

// exposureData returns copies of the exposure counts, sorted, and of when
// counting began in each environment; mu is held.
func (m *Store) exposureData() ([]store.Exposure, map[string]time.Time) {
	out := make([]store.Exposure, 0, len(m.exposure))
	for _, e := range m.exposure {
		out = append(out, cloneExposure(*e))
	}
	store.SortExposures(out)
	return out, maps.Clone(m.expSince)
}

// restoreExposure replaces the exposure counts with es and since; mu is held.
func (m *Store) restoreExposure(es []store.Exposure, since map[string]time.Time) {
	m.exposure, m.expSince, m.expNewest = map[expKey]*store.Exposure{}, maps.Clone(since), 0
	if m.expSince == nil {
		m.expSince = map[string]time.Time{}
	}
	for _, e := range es {
		e = cloneExposure(e)
		if e.Variants == nil {
			e.Variants = map[string]int64{}
		}
		if e.Minutes == nil {
			e.Minutes = map[int64]int64{}
		}
		for min := range e.Minutes {
			m.expNewest = max(m.expNewest, min)
		}
		m.exposure[expKey{e.Env, e.Flag}] = &e
	}
}
