package cli

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/flaggen/flaggen/internal/jsonx"
	"github.com/flaggen/flaggen/internal/ops"
	"github.com/flaggen/flaggen/internal/spec"
)

var lsCmd = &Command{
	Name:  "ls",
	Args:  "[-json] " + opsArgs,
	Short: "list the flags with their live state",
	Long: `Ls lists every flag of the spec with its effective state over the live
state: on, off (active false), tripped (switched off by a monitor, with the
reason) or scheduled (activation_date ahead); its effective rollout (or
variant weights), the releases it belongs to, and its last change: when, by
whom and why; and, when apps count evaluations (runtime.WithExposure), per
environment, its evaluations per minute over the last few minutes
(EVALS/MIN) and when it was last evaluated (LAST EVAL; "-" and "never" for
a flag never counted). Environments are not considered for the state: see
'flaggen get'. Names
that code looked up but the spec lacks (off, registered by the runtime) are
listed last as unknown.`,
	Topics: opsTopics,
	Setup:  readSetup(runLs),
}

// lsRow is one flag in 'flaggen ls -json'.
type lsRow struct {
	Flag        string      `json:"flag"`
	Type        string      `json:"type"`
	State       string      `json:"state"`
	StateReason string      `json:"state_reason,omitempty"`
	Rollout     *float64    `json:"rollout,omitempty"`
	Variants    []string    `json:"variants,omitempty"`
	Releases    []string    `json:"releases,omitempty"`
	Problem     string      `json:"problem,omitempty"`
	Repair      string      `json:"repair,omitempty"`
	LastChange  *lastChange `json:"last_change,omitempty"`
	// Exposure is the flag's evaluations per environment ([] when never
	// counted).
	Exposure []ops.EnvExposure `json:"exposure"`
}

func runLs(env *Env, o *opsOpts, _ []string) error {
	s, in, err := o.openFlags(env, true)
	if err != nil {
		return err
	}
	defer s.Close()
	entries, err := s.LastChanges()
	if err != nil {
		return err
	}
	last := func(name string) *lastChange {
		if e, ok := entries[name]; ok {
			return newLastChange(e)
		}
		return nil
	}
	ctx, cancel := s.Ctx()
	defer cancel()
	exps, expWarnings, err := s.Exposures(ctx)
	if err != nil {
		return err
	}
	warnExposure(env, expWarnings)
	rows := make([]lsRow, len(in.Flags))
	for i, f := range in.Flags {
		rows[i] = lsRow{Flag: f.Flag, Type: f.Type, State: f.State, StateReason: f.StateReason, Rollout: f.Rollout,
			Variants: f.Variants, Releases: f.Releases, Problem: f.Problem, Repair: repairCommand(&in.Flags[i]), LastChange: last(f.Flag),
			Exposure: ops.EnvExposures(exps[f.Flag])}
	}
	if o.json {
		return writeJSON(env.Stdout, struct {
			Version uint64                     `json:"version"`
			Refused []string                   `json:"refused,omitempty"`
			Flags   []lsRow                    `json:"flags"`
			Unknown map[string]json.RawMessage `json:"unknown,omitempty"`
			Orphans map[string]json.RawMessage `json:"orphan_segments,omitempty"`
		}{in.Version, in.Refused, rows, jsonShownMap(in.Unknown), jsonShownMap(in.OrphanSegments)})
	}
	for _, name := range in.Refused {
		f := in.Flag(name)
		if f == nil { // a segment's patch ("segment:NAME")
			if g := in.Segment(strings.TrimPrefix(name, spec.SegmentPrefix)); g != nil {
				fmt.Fprintf(env.Stderr, "flaggen: warning: %s: %s\n", ops.Shown(name), ops.Shown(oneLine(g.Problem)))
			}
			continue
		}
		fmt.Fprintf(env.Stderr, "flaggen: warning: %s: %s\n  %s\n", ops.Shown(name), ops.Shown(oneLine(f.Problem)), ops.Shown(refusedHelp(f)))
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	now := time.Now()
	fmt.Fprintln(tw, "FLAG\tSTATE\tROLLOUT\tRELEASES\tEVALS/MIN\tLAST EVAL\tLAST CHANGE")
	for _, r := range rows {
		state := r.State
		if r.State == "tripped" || r.State == "scheduled" {
			state += " (" + ops.Shown(r.StateReason) + ")"
		}
		if r.Problem != "" {
			state += " [live patch refused]"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", ops.Shown(r.Flag), state, rolloutText(r.Rollout, r.Variants), orDash(strings.Join(r.Releases, ",")),
			perMinuteCell(r.Exposure), lastEvalCell(r.Exposure, now), r.LastChange)
	}
	// Names looked up by code but missing from the spec (off, registered
	// by the runtime): usually a typo or a flag removed from the spec.
	for _, name := range sortedKeys(in.Unknown) {
		fmt.Fprintf(tw, "%s\t%s\t-\t-\t-\t-\t%s\n", ops.Shown(name), "unknown (not in the spec: off)", last(name))
	}
	// Live patches of segments the spec lacks: they apply to nothing.
	for _, name := range sortedKeys(in.OrphanSegments) {
		fmt.Fprintf(tw, "%s\t%s\t-\t-\t-\t-\t%s\n", ops.Shown(name), "orphaned segment patch (segment not in the spec)", last(name))
	}
	return tw.Flush()
}

func rolloutText(r *float64, variants []string) string {
	switch {
	case r != nil:
		return strconv.FormatFloat(*r, 'f', -1, 64) + "%"
	case len(variants) > 0:
		return strings.Join(variants, ", ")
	}
	return "-"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// repairCommand returns the flaggen command that repairs flag f's refused
// live patch ("" when it is not refused): revert the fields at fault to
// the spec, or replace the whole patch, keeping the kill switch the
// instances hold meanwhile.
func repairCommand(f *ops.FlagInfo) string {
	switch {
	case f.Problem == "":
		return ""
	case len(f.Revert) > 0:
		return fmt.Sprintf("flaggen patch %s -revert %s", f.Flag, strings.Join(f.Revert, ","))
	case fieldInfo(f, "active").Source == ops.SourceLive && jsonx.Equal(fieldInfo(f, "active").Value, json.RawMessage("false")):
		return fmt.Sprintf(`flaggen patch %s -replace '{"active": false}'`, f.Flag)
	}
	return fmt.Sprintf("flaggen patch %s -replace '{}'", f.Flag)
}

// refusedHelp says what instances do with flag f's refused live patch and
// how to repair it.
func refusedHelp(f *ops.FlagInfo) string {
	return fmt.Sprintf("instances serve %s as the spec defines it, keeping a kill switch of the patch; repair: %s", f.Flag, repairCommand(f))
}

// fieldInfo returns field of f's effective configuration (zero when f
// lacks it).
func fieldInfo(f *ops.FlagInfo, field string) ops.FieldInfo {
	for _, fi := range f.Fields {
		if fi.Field == field {
			return fi
		}
	}
	return ops.FieldInfo{}
}

// oneLine joins the lines of a multi-line message with "; ".
func oneLine(s string) string { return strings.ReplaceAll(s, "\n", "; ") }
