package ops

import "time"

// EnvExposure is one environment's FlagExposure as the JSON outputs show
// it (flaggen ls -json and get -json, the admin API): Last is null when
// the flag was never evaluated there.
type EnvExposure struct {
	Env       string           `json:"env"`
	PerMinute float64          `json:"per_minute"`
	Last      *time.Time       `json:"last"`
	Total     int64            `json:"total"`
	Variants  map[string]int64 `json:"variants"`
}

// EnvExposures converts a flag's exposure, one entry per environment; the
// result is never nil, so that JSON shows [] for a flag never counted.
func EnvExposures(exps []FlagExposure) []EnvExposure {
	out := make([]EnvExposure, 0, len(exps))
	for _, e := range exps {
		ee := EnvExposure{Env: e.Env, PerMinute: e.PerMinute, Total: e.Total, Variants: e.Variants}
		if !e.Last.IsZero() {
			last := e.Last
			ee.Last = &last
		}
		out = append(out, ee)
	}
	return out
}
