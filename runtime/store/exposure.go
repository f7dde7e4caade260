package store

import (
	"cmp"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"
)

// ExposureDelta adds Count evaluations of flag Flag, made in environment
// Env, that served variant Variant ("on" or "off" for a bool flag), the
// latest of them at Last.
//
// A store keeps, per flag and environment, the total by variant, the
// latest Last of every delta added (a maximum, so that instances flushing
// late never move it back), and the counts by minute of Last over the
// newest ExposureHistory; per environment it keeps the earliest Last ever
// added (Store.ExposureSince: when counting began there).
type ExposureDelta struct {
	Flag, Env, Variant string
	// Count is the number of evaluations: 1 to MaxExposureCount.
	Count int64
	// Last is when the latest of them was made, on the counting
	// instance's clock (runtime.Client: the flush that took the counts),
	// within the years 2000 to 9999 (CheckExposureTime).
	Last time.Time
}

// Exposure is what a store holds of one flag's evaluations in one
// environment.
type Exposure struct {
	Flag string `json:"flag"`
	Env  string `json:"env"`
	// Variants maps each variant served to its evaluations since counting
	// began, or since Since.
	Variants map[string]int64 `json:"variants"`
	// Last is when the flag was last evaluated there (ExposureDelta.Last).
	Last time.Time `json:"last"`
	// Minutes maps a minute (Unix seconds / 60) to the evaluations whose
	// delta's Last fell in it, for the minutes within ExposureHistory of
	// the newest minute the store holds for any flag.
	Minutes map[int64]int64 `json:"minutes,omitempty"`
	// Since is when the flag's counts there were last reset
	// (Store.ResetExposure): Variants, Last and Minutes hold only the
	// evaluations made since. Zero when they never were: the counts run
	// from when counting began in the environment (Store.ExposureSince).
	Since time.Time `json:"since,omitzero"`
}

// CheckExposureReset returns an error unless Store.ResetExposure may take
// flag, env and at: a flag name that is not empty, names that are valid
// UTF-8, and an at that CheckExposureTime accepts.
func CheckExposureReset(flag, env string, at time.Time) error {
	switch {
	case flag == "":
		return fmt.Errorf("exposure reset: empty flag name")
	case !utf8.ValidString(flag) || !utf8.ValidString(env):
		return fmt.Errorf("exposure reset: flag %q in environment %q: not valid UTF-8", flag, env)
	}
	if err := CheckExposureTime(at); err != nil {
		return fmt.Errorf("exposure reset of flag %q: %w", flag, err)
	}
	return nil
}

// ExposureHistory is how long stores keep the per-minute evaluation counts
// (Exposure.Minutes).
const ExposureHistory = time.Hour

// MaxExposureCount bounds ExposureDelta.Count, and a store refuses a total
// above it (10^18), so that no sum of a stored total and a delta overflows
// an int64.
const MaxExposureCount = 1_000_000_000_000_000_000

// CheckExposureTime returns an error unless t is within the years 2000
// to 9999: the times of evaluation counts a store takes (ExposureDelta.Last)
// and answers (Exposure.Last, which every JSON output shows).
func CheckExposureTime(t time.Time) error {
	if t.Before(minExposureTime) || !t.Before(maxExposureTime) {
		return fmt.Errorf("time %s is outside the years 2000 to 9999", t.UTC().Format(time.RFC3339))
	}
	return nil
}

var (
	minExposureTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	maxExposureTime = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
)

// Minute returns the minute of t as Exposure.Minutes numbers them.
func Minute(t time.Time) int64 { return t.Unix() / 60 }

// CheckExposure returns an error naming the first delta a store must
// refuse: an empty flag or environment name, a name that is not valid
// UTF-8, a Count outside 1 to MaxExposureCount, or a Last that
// CheckExposureTime refuses. Every
// Store's AddExposure refuses a batch that fails it, writing nothing.
func CheckExposure(deltas []ExposureDelta) error {
	for i, d := range deltas {
		switch {
		case d.Flag == "" || d.Env == "":
			return fmt.Errorf("exposure delta %d: flag %q in environment %q: empty name", i, d.Flag, d.Env)
		case !utf8.ValidString(d.Flag) || !utf8.ValidString(d.Env) || !utf8.ValidString(d.Variant):
			return fmt.Errorf("exposure delta %d: flag %q in environment %q, variant %q: not valid UTF-8", i, d.Flag, d.Env, d.Variant)
		case d.Count < 1 || d.Count > MaxExposureCount:
			return fmt.Errorf("exposure delta %d: flag %q in environment %q: count %d out of range 1 to %d", i, d.Flag, d.Env, d.Count, int64(MaxExposureCount))
		}
		if err := CheckExposureTime(d.Last); err != nil {
			return fmt.Errorf("exposure delta %d: flag %q in environment %q: %w", i, d.Flag, d.Env, err)
		}
	}
	return nil
}

// SortExposures sorts es by flag, then environment: the order of
// Store.Exposure.
func SortExposures(es []Exposure) {
	slices.SortFunc(es, func(a, b Exposure) int {
		return cmp.Or(cmp.Compare(a.Flag, b.Flag), cmp.Compare(a.Env, b.Env))
	})
}
