package ops

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/flaggen/flaggen/internal/bridge"
	"github.com/flaggen/flaggen/internal/spec"
	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/redisstore"
	"github.com/flaggen/flaggen/runtime/store"
)

// FlagExposure is what the store knows of one flag's evaluations in one environment.
type FlagExposure struct {
	Env      string
	Variants map[string]int64 // evaluations by variant served since Since
	Total    int64
	// PerMinute is the evaluations per minute over PerMinuteWindow: the
	// evaluations counted in the current minute and the PerMinuteWindow
	// before it, divided by the time from the start of that span (or from
	// Since, if later; at least a minute) to now.
	PerMinute float64
	Last      time.Time // when last evaluated since Since; zero: never
	// Since is when the counts start: when the flag's counts there were
	// last reset (Reset, Session.ResetExposure), else when counting began
	// in the environment (zero: unknown).
	Since time.Time
	Reset bool
}

// PerMinuteWindow is the span of FlagExposure.PerMinute, besides the
// current minute.
const PerMinuteWindow = 5 * time.Minute

// Exposure returns what the store knows of the flag's evaluations, one
// FlagExposure per environment it was evaluated in with exposure counting
// on (runtime.WithExposure) or its counts were reset in, sorted by Env. A
// flag never counted nor reset yields none, without error. Malformed entries the store holds (a value flaggen
// does not write) are left out, each described by a warning naming its key
// and field; other flags' entries are not read.
func (s *Session) Exposure(ctx context.Context, flag string) ([]FlagExposure, []string, error) {
	all, warnings, err := s.exposures(ctx, flag)
	return all[flag], warnings, err
}

// Exposures returns Exposure for every flag counted, by flag name, with
// the warnings of every malformed entry.
func (s *Session) Exposures(ctx context.Context) (map[string][]FlagExposure, []string, error) {
	return s.exposures(ctx, "")
}

// ExposureSince returns when evaluations began to be counted in env; the
// zero time when they never were.
func (s *Session) ExposureSince(ctx context.Context, env string) (time.Time, error) {
	t, err := s.Live.ExposureSince(ctx, env)
	if err != nil {
		return time.Time{}, s.RedisError(err)
	}
	return t, nil
}

// exposures reads the exposure of flag ("": every flag) and of when
// counting began in each environment it holds.
func (s *Session) exposures(ctx context.Context, flag string) (map[string][]FlagExposure, []string, error) {
	es, err := s.Live.Exposure(ctx, flag)
	var warnings []string
	if err != nil && es != nil && errors.Is(err, redisstore.ErrMalformed) {
		warnings = s.malformedWarnings(err)
	} else if err != nil {
		return nil, nil, s.RedisError(err)
	}
	since := map[string]time.Time{}
	for _, e := range es {
		if _, ok := since[e.Env]; ok || !e.Since.IsZero() {
			continue
		}
		if since[e.Env], err = s.ExposureSince(ctx, e.Env); err != nil {
			return nil, nil, err
		}
	}
	now := time.Now()
	out := map[string][]FlagExposure{}
	for _, e := range es { // sorted by flag, then environment
		out[e.Flag] = append(out[e.Flag], FlagExposureOf(e, since[e.Env], now))
	}
	return out, warnings, nil
}

// malformedWarnings returns a warning for each malformed entry err (a
// store's partial read, errors joined) reports.
func (s *Session) malformedWarnings(err error) []string {
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	out := make([]string, 0, len(errs))
	for _, e := range errs {
		msg := strings.TrimPrefix(s.Hide(e).Error(), "flaggen: ")
		out = append(out, msg+" (left out of the counts shown; repair or delete that field with redis-cli)")
	}
	return out
}

// FlagExposureOf returns what e says at now, counting having begun in its
// environment at since (zero: unknown); e.Since, when not zero (the flag's
// counts were reset then), is when its counts start instead.
func FlagExposureOf(e store.Exposure, since, now time.Time) FlagExposure {
	if !e.Since.IsZero() {
		since = e.Since
	}
	fe := FlagExposure{Env: e.Env, Variants: maps.Clone(e.Variants), Last: e.Last, Since: since, Reset: !e.Since.IsZero()}
	if fe.Variants == nil {
		fe.Variants = map[string]int64{}
	}
	for _, v := range slices.Sorted(maps.Keys(fe.Variants)) {
		fe.Total += fe.Variants[v]
	}
	cur := store.Minute(now)
	first := cur - int64(PerMinuteWindow/time.Minute)
	var n int64
	for m, c := range e.Minutes {
		if m >= first && m <= cur {
			n += c
		}
	}
	start := time.Unix(first*60, 0)
	if since.After(start) {
		start = since
	}
	span := max(now.Sub(start), time.Minute)
	fe.PerMinute = float64(n) / span.Minutes()
	return fe
}

// Share is one variant's share of a split, in percent.
type Share struct {
	Variant string  `json:"variant"`
	Percent float64 `json:"percent"`
}

// AskedSplit is the split of variants a flag's effective configuration
// asks for.
type AskedSplit struct {
	// Shares is the split, in the order the spec declares it; empty (not
	// nil) when the configuration asks for none.
	Shares []Share `json:"shares"`
	// Of says which users the split is of, or, without Shares, why there
	// is none.
	Of string `json:"of"`
}

// SplitAsked returns the split that flag fi (of spec sp) asks for: a bool
// flag's percentage_rollout X as on X% / off (100-X)% of the users who
// reach the rollout step; a variant flag's weights, of the users who pass
// its targeting. fi is the flag's effective configuration (Inspect), so a
// live rollout counts, and a flag not "on" (off, tripped, scheduled) asks
// for no split.
func SplitAsked(sp *runtime.Spec, fi *FlagInfo) AskedSplit {
	f := bridge.SpecOf(sp).Flag(fi.Flag)
	none := []Share{}
	switch {
	case f == nil:
		return AskedSplit{Shares: none, Of: "the spec does not declare this flag"}
	case fi.State != "on":
		return AskedSplit{Shares: none, Of: "no split: " + fi.State + " for everyone (" + fi.StateReason + ")"}
	case f.Type == spec.Bool && fi.Rollout == nil:
		return AskedSplit{Shares: none, Of: "no split: no percentage_rollout (on for every user its targeting admits)"}
	case f.Type == spec.Bool:
		return AskedSplit{Shares: []Share{{"on", *fi.Rollout}, {"off", 100 - *fi.Rollout}},
			Of: "of the users who reach the rollout step (earlier steps decide the others)"}
	case len(f.Variants) == 0:
		return AskedSplit{Shares: none, Of: "no split: no variants (every evaluation serves the default " + f.DefaultVariant + ")"}
	}
	as := AskedSplit{Of: "of the users who pass its targeting (the others get the default " + f.DefaultVariant + ")"}
	for _, v := range f.Variants {
		as.Shares = append(as.Shares, Share{v.Name, v.Weight})
	}
	return as
}
