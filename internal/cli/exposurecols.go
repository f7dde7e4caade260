package cli

import (
	"strconv"
	"strings"
	"time"

	"github.com/flaggen/flaggen/internal/ops"
)

// perMinuteCell is ls's EVALS/MIN cell: "ENV RATE" per environment, or
// "-" when the flag was never counted.
func perMinuteCell(exps []ops.EnvExposure) string {
	if len(exps) == 0 {
		return "-"
	}
	parts := make([]string, len(exps))
	for i, e := range exps {
		parts[i] = ops.Shown(e.Env) + " " + rateText(e.PerMinute)
	}
	return strings.Join(parts, ", ")
}

// lastEvalCell is ls's LAST EVAL cell: "ENV AGE ago" per environment, or
// "never".
func lastEvalCell(exps []ops.EnvExposure, now time.Time) string {
	if len(exps) == 0 {
		return "never"
	}
	parts := make([]string, len(exps))
	for i, e := range exps {
		parts[i] = ops.Shown(e.Env) + " " + ops.Ago(e.Last, now)
	}
	return strings.Join(parts, ", ")
}

// rateText formats evaluations per minute.
func rateText(r float64) string { return strconv.FormatFloat(r, 'f', 1, 64) }
