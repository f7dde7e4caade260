package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/flaggen/flaggen/internal/ops"
	"github.com/flaggen/flaggen/runtime/store"
)

var getCmd = &Command{
	Name:  "get",
	Args:  "NAME [-json] " + opsArgs,
	Short: "show a flag's effective configuration and where each value comes from",
	Long: `Get shows the effective configuration of flag NAME: the spec with the live
patch applied. For every field a live patch may set it prints the value and
where it comes from: spec (the spec file), live (the live patch; the spec's
value, if any, is shown beside it) or default (neither sets it: absent, so
the check is skipped). It also prints the flag's state, its stored live
patch, its shared monitor counters against their thresholds, its last
change and, when apps count evaluations (runtime.WithExposure), per
environment: evaluations per minute over the last few minutes, when it was
last evaluated, the total and the split by variant served ("never" for a
flag never counted). With -json, a stored live patch that is not valid JSON shows as
{"invalid_json": "RAW TEXT", "error": "WHY"} in "live" (as in ls -json's
"unknown").`,
	Topics: opsTopics,
	Setup:  readSetup(runGet, "NAME"),
}

// getOutput is 'flaggen get -json'.
type getOutput struct {
	ops.FlagInfo
	Version    uint64           `json:"version"`
	Counters   map[string]int64 `json:"counters"`
	LastChange *lastChange      `json:"last_change,omitempty"`
	// Repair is the command that repairs a refused live patch (Problem).
	Repair string `json:"repair,omitempty"`
	// Exposure is the flag's evaluations per environment ([] when never
	// counted).
	Exposure []ops.EnvExposure `json:"exposure"`
}

func runGet(env *Env, o *opsOpts, args []string) error {
	name := args[0]
	s, in, err := o.openFlag(env, name, true)
	if err != nil {
		return err
	}
	defer s.Close()
	ctx, cancel := s.Ctx()
	defer cancel()
	counters, err := s.Store.Counters(ctx, name)
	if err != nil {
		return s.RedisError(err)
	}
	audit, err := s.Store.Audit(ctx, name, 1)
	if err != nil {
		return s.RedisError(err)
	}
	exps, expWarnings, err := s.Exposure(ctx, name)
	if err != nil {
		return err
	}
	warnExposure(env, expWarnings)
	out := getOutput{FlagInfo: *in.Flag(name), Version: in.Version, Counters: counters, Exposure: ops.EnvExposures(exps)}
	out.Repair = repairCommand(&out.FlagInfo)
	if len(audit) == 1 {
		out.LastChange = newLastChange(audit[0])
	}
	if o.json {
		out.Live = jsonShown(out.Live) // a stored patch that is not JSON: {"invalid_json": RAW, "error": WHY}
		return writeJSON(env.Stdout, out)
	}
	w := env.Stdout
	f := out.FlagInfo
	state := f.State
	if f.StateReason != "" {
		state += " (" + ops.Shown(f.StateReason) + ")"
	}
	fmt.Fprintf(w, "flag:        %s (%s)\nstate:       %s\n", f.Flag, f.Type, state)
	if len(f.Releases) > 0 {
		fmt.Fprintf(w, "releases:    %s\n", strings.Join(f.Releases, ", "))
	}
	if len(f.Variants) > 0 {
		fmt.Fprintf(w, "variants:    %s\n", strings.Join(f.Variants, ", "))
	}
	if len(f.Segments) > 0 {
		fmt.Fprintf(w, "segments:    %s (flaggen segment NAME shows one)\n", strings.Join(f.Segments, ", "))
	}
	fmt.Fprintf(w, "live patch:  %s (live state version %d)\n", ops.Shown(string(f.Live)), in.Version)
	if f.Problem != "" {
		fmt.Fprintf(w, "problem:     %s\n", ops.Shown(oneLine(f.Problem)))
		fmt.Fprintf(w, "             %s\n", ops.Shown(refusedHelp(&f)))
	}
	fmt.Fprintf(w, "counters:    %s\n", countersText(out.Counters, f))
	fmt.Fprintf(w, "last change: %s\n", out.LastChange)
	if len(out.Exposure) == 0 {
		fmt.Fprintf(w, "evaluated:   never (apps count evaluations with runtime.WithExposure)\n")
	}
	var order []string // the flag's variants, in the spec's order
	for _, sh := range ops.SplitAsked(s.Spec, in.Flag(name)).Shares {
		order = append(order, sh.Variant)
	}
	now := time.Now()
	for i, e := range out.Exposure {
		label := "evaluated:  "
		if i > 0 {
			label = "            "
		}
		fmt.Fprintf(w, "%s %s: %s/min, last %s, %d in all: %s\n", label, ops.Shown(e.Env), rateText(e.PerMinute), ops.Ago(e.Last, now), e.Total, splitText(e, order))
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FIELD\tVALUE\tSOURCE")
	for _, fi := range f.Fields {
		src := fi.Source
		if fi.Spec != nil {
			src += " (spec: " + string(fi.Spec) + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", fi.Field, ops.Shown(string(fi.Value)), ops.Shown(src))
	}
	return tw.Flush()
}

// splitText is e's split by variant served, the flag's variants (spec
// order) first: "on 90 (90.0%), off 10 (10.0%)".
func splitText(e ops.EnvExposure, order []string) string {
	var parts []string
	for _, sh := range ops.ServedSplit(e, order) {
		parts = append(parts, fmt.Sprintf("%s %d (%s)", ops.Shown(sh.Variant), sh.Count, percent(sh.Percent)))
	}
	return orDash(strings.Join(parts, ", "))
}

// countersText shows the shared monitor counters beside their thresholds.
func countersText(c map[string]int64, f ops.FlagInfo) string {
	part := func(counter, threshold string) string {
		s := fmt.Sprintf("%s %d", counter, c[counter])
		if t := fieldInfo(&f, threshold).Value; t != nil && !store.IsNull(t) {
			s += fmt.Sprintf(" (%s %s)", threshold, t)
		}
		return s
	}
	return part(store.CounterErrors, "error_threshold") + ", " + part(store.CounterSlow, "performance_threshold")
}
