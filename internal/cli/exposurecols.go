package cli

import (
	"fmt"
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
		parts[i] = ops.Shown(e.Env) + " " + agoText(e.Last, now)
	}
	return strings.Join(parts, ", ")
}

// rateText formats evaluations per minute.
func rateText(r float64) string { return strconv.FormatFloat(r, 'f', 1, 64) }

// agoText says how long before now t was, in its largest unit ("3m ago",
// "2d ago"), or "never" for nil.
func agoText(t *time.Time, now time.Time) string {
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
