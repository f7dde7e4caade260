package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/store"
)

// The read-only operator commands: ls, get, audit, feedback.

func init() {
	Register(&Command{
		Name:  "ls",
		Args:  "[-json] " + opsArgs,
		Short: "list the flags with their live state",
		Long: `Ls lists every flag of the spec with its effective state over the live
state: on, off (active false), tripped (switched off by a monitor, with the
reason) or scheduled (activation_date ahead); its effective rollout (or
variant weights), the releases it belongs to, and its last change: when, by
whom and why. Environments are not considered: see 'flaggen get'. Names
that code looked up but the spec lacks (off, registered by the runtime) are
listed last as unknown.

` + opsEnvHelp,
		Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
			o := addOps(fs)
			o.addJSON(fs)
			return func(env *Env, args []string) error {
				args, err := interspersed(env, "ls", fs, args)
				if err != nil {
					return err
				}
				if err := wantArgs(args); err != nil {
					return err
				}
				return runLs(env, o)
			}
		},
	})
	Register(&Command{
		Name:  "get",
		Args:  "NAME [-json] " + opsArgs,
		Short: "show a flag's effective configuration and where each value comes from",
		Long: `Get shows the effective configuration of flag NAME: the spec with the live
patch applied. For every field a live patch may set it prints the value and
where it comes from: spec (the spec file), live (the live patch; the spec's
value, if any, is shown beside it) or default (neither sets it: absent, so
the check is skipped). It also prints the flag's state, its stored live
patch, its shared monitor counters against their thresholds, and its last
change. With -json, a stored live patch that is not valid JSON shows as
{"invalid_json": "RAW TEXT", "error": "WHY"} in "live" (as in ls -json's
"unknown").

` + opsEnvHelp,
		Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
			o := addOps(fs)
			o.addJSON(fs)
			return func(env *Env, args []string) error {
				args, err := interspersed(env, "get", fs, args)
				if err != nil {
					return err
				}
				if err := wantArgs(args, "NAME"); err != nil {
					return err
				}
				return runGet(env, o, args[0])
			}
		},
	})
	Register(&Command{
		Name:  "audit",
		Args:  "[NAME] [-n N] [-json] " + opsArgs,
		Short: "show the audit trail of live changes",
		Long: `Audit prints the newest -n live changes, newest first (of flag NAME only,
when given): version, time, actor, reason and, for each changed flag, its
live patch before → after (null: no entry).

` + opsEnvHelp,
		Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
			o := addOps(fs)
			o.addJSON(fs)
			n := fs.Int("n", 20, "show at most `N` entries (0: all)")
			return func(env *Env, args []string) error {
				args, err := interspersed(env, "audit", fs, args)
				if err != nil {
					return err
				}
				if len(args) > 1 {
					return Usagef("unexpected argument %q", args[1])
				}
				if *n < 0 {
					return Usagef("-n must not be negative")
				}
				name := ""
				if len(args) == 1 {
					name = args[0]
				}
				return runAudit(env, o, name, *n)
			}
		},
	})
	Register(&Command{
		Name:  "feedback",
		Args:  "NAME [-json] " + opsArgs,
		Short: "show the user feedback collected about a flag",
		Long: `Feedback prints the feedback collected about flag NAME (by
runtime.FeedbackCollector in the apps), oldest first: time, user and text.

` + opsEnvHelp,
		Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
			o := addOps(fs)
			o.addJSON(fs)
			return func(env *Env, args []string) error {
				args, err := interspersed(env, "feedback", fs, args)
				if err != nil {
					return err
				}
				if err := wantArgs(args, "NAME"); err != nil {
					return err
				}
				return runFeedback(env, o, args[0])
			}
		},
	})
}

// lastChange is the summary of a flag's newest audit entry.
type lastChange struct {
	Version uint64    `json:"version"`
	Time    time.Time `json:"time"`
	Actor   string    `json:"actor"`
	Reason  string    `json:"reason"`
}

func (l *lastChange) String() string {
	if l == nil {
		return "-"
	}
	s := l.Time.Local().Format("2006-01-02 15:04") + " " + shown(l.Actor)
	if l.Reason != "" {
		s += ": " + shown(l.Reason)
	}
	return s
}

// lastChanges reads the audit trail once and returns each flag's newest
// entry.
func (s *session) lastChanges() (map[string]*lastChange, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	entries, err := s.store.Audit(ctx, "", 0)
	if err != nil {
		return nil, s.wrapRedis(err)
	}
	out := map[string]*lastChange{}
	for _, e := range entries { // newest first
		for f := range e.Flags {
			if out[f] == nil {
				out[f] = &lastChange{Version: e.Version, Time: e.Time, Actor: e.Actor, Reason: e.Reason}
			}
		}
	}
	return out, nil
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
}

func runLs(env *Env, o *opsOpts) error {
	s, err := o.open(env)
	if err != nil {
		return err
	}
	defer s.close()
	in, err := s.inspect()
	if err != nil {
		return err
	}
	last, err := s.lastChanges()
	if err != nil {
		return err
	}
	rows := make([]lsRow, len(in.Flags))
	for i, f := range in.Flags {
		rows[i] = lsRow{Flag: f.Flag, Type: f.Type, State: f.State, StateReason: f.StateReason, Rollout: f.Rollout,
			Variants: f.Variants, Releases: f.Releases, Problem: f.Problem, Repair: repairCommand(&in.Flags[i]), LastChange: last[f.Flag]}
	}
	if o.json {
		return writeJSON(env.Stdout, struct {
			Version uint64                     `json:"version"`
			Refused []string                   `json:"refused,omitempty"`
			Flags   []lsRow                    `json:"flags"`
			Unknown map[string]json.RawMessage `json:"unknown,omitempty"`
		}{in.Version, in.Refused, rows, jsonShownMap(in.Unknown)})
	}
	for _, name := range in.Refused {
		f := in.Flag(name)
		fmt.Fprintf(env.Stderr, "flaggen: warning: %s: %s\n  %s\n", shown(name), shown(oneLine(f.Problem)), shown(refusedHelp(f)))
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FLAG\tSTATE\tROLLOUT\tRELEASES\tLAST CHANGE")
	for _, r := range rows {
		state := r.State
		if r.State == "tripped" || r.State == "scheduled" {
			state += " (" + shown(r.StateReason) + ")"
		}
		if r.Problem != "" {
			state += " [live patch refused]"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", shown(r.Flag), state, rolloutText(r.Rollout, r.Variants), orDash(strings.Join(r.Releases, ",")), r.LastChange)
	}
	// Names looked up by code but missing from the spec (off, registered
	// by the runtime): usually a typo or a flag removed from the spec.
	for _, name := range sortedKeys(in.Unknown) {
		fmt.Fprintf(tw, "%s\t%s\t-\t-\t%s\n", shown(name), "unknown (not in the spec: off)", last[name])
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

// getOutput is 'flaggen get -json'.
type getOutput struct {
	runtime.FlagInfo
	Version    uint64           `json:"version"`
	Counters   map[string]int64 `json:"counters"`
	LastChange *lastChange      `json:"last_change,omitempty"`
	// Repair is the command that repairs a refused live patch (Problem).
	Repair string `json:"repair,omitempty"`
}

// repairCommand returns the flaggen command that repairs flag f's refused
// live patch ("" when it is not refused): revert the fields at fault to
// the spec, or replace the whole patch, keeping the kill switch the
// instances hold meanwhile.
func repairCommand(f *runtime.FlagInfo) string {
	switch {
	case f.Problem == "":
		return ""
	case len(f.Revert) > 0:
		return fmt.Sprintf("flaggen patch %s -revert %s", f.Flag, strings.Join(f.Revert, ","))
	case fieldInfo(f, "active").Source == runtime.SourceLive && jsonEqual(fieldInfo(f, "active").Value, json.RawMessage("false")):
		return fmt.Sprintf(`flaggen patch %s -replace '{"active": false}'`, f.Flag)
	}
	return fmt.Sprintf("flaggen patch %s -replace '{}'", f.Flag)
}

// refusedHelp says what instances do with flag f's refused live patch and
// how to repair it.
func refusedHelp(f *runtime.FlagInfo) string {
	return fmt.Sprintf("instances serve %s as the spec defines it, keeping a kill switch of the patch; repair: %s", f.Flag, repairCommand(f))
}

// fieldInfo returns field of f's effective configuration (zero when f
// lacks it).
func fieldInfo(f *runtime.FlagInfo, field string) runtime.FieldInfo {
	for _, fi := range f.Fields {
		if fi.Field == field {
			return fi
		}
	}
	return runtime.FieldInfo{}
}

// oneLine joins the lines of a multi-line message with "; ".
func oneLine(s string) string { return strings.ReplaceAll(s, "\n", "; ") }

func runGet(env *Env, o *opsOpts, name string) error {
	s, err := o.open(env)
	if err != nil {
		return err
	}
	defer s.close()
	if err := s.checkFlag(name); err != nil {
		return err
	}
	in, err := s.inspect()
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx()
	defer cancel()
	counters, err := s.store.Counters(ctx, name)
	if err != nil {
		return s.wrapRedis(err)
	}
	audit, err := s.store.Audit(ctx, name, 1)
	if err != nil {
		return s.wrapRedis(err)
	}
	out := getOutput{FlagInfo: *in.Flag(name), Version: in.Version, Counters: counters}
	out.Repair = repairCommand(&out.FlagInfo)
	if len(audit) == 1 {
		e := audit[0]
		out.LastChange = &lastChange{Version: e.Version, Time: e.Time, Actor: e.Actor, Reason: e.Reason}
	}
	if o.json {
		out.Live = jsonShown(out.Live) // a stored patch that is not JSON: {"invalid_json": RAW, "error": WHY}
		return writeJSON(env.Stdout, out)
	}
	w := env.Stdout
	f := out.FlagInfo
	state := f.State
	if f.StateReason != "" {
		state += " (" + shown(f.StateReason) + ")"
	}
	fmt.Fprintf(w, "flag:        %s (%s)\nstate:       %s\n", f.Flag, f.Type, state)
	if len(f.Releases) > 0 {
		fmt.Fprintf(w, "releases:    %s\n", strings.Join(f.Releases, ", "))
	}
	if len(f.Variants) > 0 {
		fmt.Fprintf(w, "variants:    %s\n", strings.Join(f.Variants, ", "))
	}
	fmt.Fprintf(w, "live patch:  %s (live state version %d)\n", shown(string(f.Live)), in.Version)
	if f.Problem != "" {
		fmt.Fprintf(w, "problem:     %s\n", shown(oneLine(f.Problem)))
		fmt.Fprintf(w, "             %s\n", shown(refusedHelp(&f)))
	}
	fmt.Fprintf(w, "counters:    %s\n", countersText(out.Counters, f))
	fmt.Fprintf(w, "last change: %s\n\n", out.LastChange)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FIELD\tVALUE\tSOURCE")
	for _, fi := range f.Fields {
		src := fi.Source
		if fi.Spec != nil {
			src += " (spec: " + string(fi.Spec) + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", fi.Field, shown(string(fi.Value)), shown(src))
	}
	return tw.Flush()
}

// countersText shows the shared monitor counters beside their thresholds.
func countersText(c map[string]int64, f runtime.FlagInfo) string {
	part := func(counter, threshold string) string {
		s := fmt.Sprintf("%s %d", counter, c[counter])
		if t := fieldInfo(&f, threshold).Value; t != nil && !isNull(t) {
			s += fmt.Sprintf(" (%s %s)", threshold, t)
		}
		return s
	}
	return part(store.CounterErrors, "error_threshold") + ", " + part(store.CounterSlow, "performance_threshold")
}

func runAudit(env *Env, o *opsOpts, name string, n int) error {
	s, err := o.open(env)
	if err != nil {
		return err
	}
	defer s.close()
	if name != "" {
		// A flag the spec lacks may still have history (registered by a
		// name lookup, or removed from the spec): only suggest when
		// there is none.
		if err := s.checkFlag(name); err != nil {
			if _, live := s.state.Flags[name]; !live {
				return err
			}
		}
	}
	ctx, cancel := s.ctx()
	defer cancel()
	entries, err := s.store.Audit(ctx, name, n)
	if err != nil {
		return s.wrapRedis(err)
	}
	if o.json {
		if entries == nil {
			entries = []store.AuditEntry{}
		}
		return writeJSON(env.Stdout, entries)
	}
	writeAudit(env.Stdout, entries)
	return nil
}

func writeAudit(w io.Writer, entries []store.AuditEntry) {
	for _, e := range entries {
		fmt.Fprintf(w, "v%d  %s  %s", e.Version, e.Time.Local().Format(time.RFC3339), shown(e.Actor))
		if e.Reason != "" {
			fmt.Fprintf(w, "  %q", e.Reason)
		}
		for _, f := range sortedKeys(e.Flags) {
			if e.Before == nil {
				fmt.Fprintf(w, "  %s=%s", shown(f), shown(string(e.Flags[f])))
				continue
			}
			before := e.Before[f]
			if before == nil {
				before = json.RawMessage("null")
			}
			fmt.Fprintf(w, "  %s: %s → %s", shown(f), shown(string(before)), shown(string(e.Flags[f])))
		}
		fmt.Fprintln(w)
	}
}

func runFeedback(env *Env, o *opsOpts, name string) error {
	s, err := o.open(env)
	if err != nil {
		return err
	}
	defer s.close()
	if err := s.checkFlag(name); err != nil {
		return err
	}
	ctx, cancel := s.ctx()
	defer cancel()
	fbs, err := s.store.Feedback(ctx, name)
	if err != nil {
		return s.wrapRedis(err)
	}
	if o.json {
		if fbs == nil {
			fbs = []store.Feedback{}
		}
		return writeJSON(env.Stdout, fbs)
	}
	if len(fbs) == 0 {
		fmt.Fprintf(env.Stderr, "no feedback about %s\n", name)
		return nil
	}
	for _, fb := range fbs {
		fmt.Fprintf(env.Stdout, "%s  %s  %s\n", fb.Time.Local().Format(time.RFC3339), shown(orDash(fb.User)), shown(fb.Text))
	}
	return nil
}
