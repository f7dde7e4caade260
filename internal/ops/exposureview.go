package ops

import (
	"fmt"
	"maps"
	"slices"
	"time"
)

// EnvExposure is one environment's FlagExposure as the JSON outputs show
// it (flaggen ls -json and get -json, the admin API): Last is null when
// the flag was never evaluated there (since Since); Since, when the
// counts start (null: unknown), is the flag's reset when Reset is true.
type EnvExposure struct {
	Env       string           `json:"env"`
	PerMinute float64          `json:"per_minute"`
	Last      *time.Time       `json:"last"`
	Total     int64            `json:"total"`
	Variants  map[string]int64 `json:"variants"`
	Since     *time.Time       `json:"since"`
	Reset     bool             `json:"reset"`
}

// EnvExposures converts a flag's exposure, one entry per environment; the
// result is never nil, so that JSON shows [] for a flag never counted.
func EnvExposures(exps []FlagExposure) []EnvExposure {
	out := make([]EnvExposure, 0, len(exps))
	for _, e := range exps {
		ee := EnvExposure{Env: e.Env, PerMinute: e.PerMinute, Total: e.Total, Variants: e.Variants, Reset: e.Reset}
		if !e.Last.IsZero() {
			last := e.Last
			ee.Last = &last
		}
		if !e.Since.IsZero() {
			since := e.Since
			ee.Since = &since
		}
		out = append(out, ee)
	}
	return out
}

// ServedShare is one variant's share of an environment's evaluations.
type ServedShare struct {
	Variant string
	Count   int64
	Percent float64 // of the environment's total
}

// ServedSplit returns e's evaluations by variant: the variants of order
// (the flag's, in the spec's order) first, then the others served, sorted;
// only variants served at least once.
func ServedSplit(e EnvExposure, order []string) []ServedShare {
	names := slices.Clone(order)
	for _, v := range slices.Sorted(maps.Keys(e.Variants)) {
		if !slices.Contains(names, v) {
			names = append(names, v)
		}
	}
	var out []ServedShare
	for _, v := range names {
		n, ok := e.Variants[v]
		if !ok || n == 0 {
			continue
		}
		sh := ServedShare{Variant: v, Count: n}
		if e.Total > 0 {
			sh.Percent = 100 * float64(n) / float64(e.Total)
		}
		out = append(out, sh)
	}
	return out
}

// Ago says how long before now t was, in its largest whole unit ("45s
// ago", "3m ago", "5h ago", "2d ago"; hours up to two days), or "never"
// for nil.
func Ago(t *time.Time, now time.Time) string {
	if t == nil {
		return "never"
	}
	d := max(now.Sub(*t), 0)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds ago", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d/time.Hour))
	}
	return fmt.Sprintf("%dd ago", int(d/(24*time.Hour)))
}
