package cli

import (
	"flag"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/flaggen/flaggen/internal/ops"
)

var exposureCmd = &Command{
	Name:  "exposure",
	Args:  "NAME [-json] [-reset [-env ENV] -reason TEXT " + strings.TrimSpace(writeArgs) + "] " + opsArgs,
	Short: "show the variant split a flag actually served next to the split it asks for",
	Long: `Exposure prints, for each environment in which flag NAME was evaluated by
apps that count evaluations (runtime.WithExposure), the evaluations by
variant served, in counts and percent, next to the split the
flag's effective configuration asks for: for a bool flag with
percentage_rollout X, on X% / off (100-X)% of the users who reach the
rollout step; for a variant flag, its weights, of the users who pass its
targeting. It also prints the evaluations per minute (over the last 5
minutes) and when the flag was last evaluated.

The served split counts evaluations, not distinct users: a user evaluated
ten times counts ten times, and users an earlier cascade step decides are
counted too. Counts cover every app instance of the namespace since
counting began in the environment, or since the flag's counts were last
reset there.

-reset makes the flag's counts start afresh now, in environment -env (one
the spec declares, if it declares any, else production or one where
evaluations were counted) or, without -env, in every environment where evaluations were
counted, and then prints them: after a change of its rollout or weights,
the served split can compare with the split asked again. The
counts are deleted, those an app instance took before the reset and
flushes after it are dropped, and "since" is the reset's time. -reason is
required; the reset is recorded in the audit trail (as a change of the
flag that leaves its live patch as it is, the reason saying what was
reset). -env, -reason, -actor and -force go with -reset only.`,
	Topics: writeTopics,
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		o := addOps(fs)
		o.addJSON(fs)
		o.addActor(fs, "with -reset: say why the counts start afresh in `TEXT`, for the audit trail (required)")
		reset := fs.Bool("reset", false, "make the flag's counts start afresh now (in -env, else in every environment),\nthen print them")
		envName := fs.String("env", "", "with -reset: the environment `ENV` whose counts start afresh (default: every\nenvironment)")
		return func(env *Env, args []string) error {
			args, err := positional(env, fs, args, "NAME")
			if err != nil {
				return err
			}
			if !*reset {
				var given []string
				fs.Visit(func(f *flag.Flag) {
					if slices.Contains([]string{"env", "reason", "actor", "force"}, f.Name) {
						given = append(given, "-"+f.Name)
					}
				})
				if len(given) > 0 {
					return Usagef("%s given without -reset", strings.Join(given, " and "))
				}
				return runExposure(env, o, args)
			}
			if err := o.needReason(); err != nil {
				return err
			}
			return runExposureReset(env, o, args[0], *envName)
		}
	},
}

// runExposureReset resets the flag's exposure counts in envName ("": every
// environment), then prints them as runExposure does.
func runExposureReset(env *Env, o *opsOpts, name, envName string) error {
	s, actor, err := o.open(env, true)
	if err != nil {
		return err
	}
	defer s.Close()
	at, err := s.ResetExposure(ops.ExposureReset{Flag: name, Env: envName, Actor: actor, Reason: o.reason, Force: o.force})
	if err != nil {
		return err
	}
	if !o.json {
		fmt.Fprintf(env.Stdout, "%s: exposure counts reset in %s: counting afresh since %s\n\n", name, ops.ExposureEnvText(envName), at.Local().Format(time.RFC3339))
	}
	in, err := s.Inspect()
	if err != nil {
		return err
	}
	return showExposure(env, o, s, in, name)
}

// exposureOutput is 'flaggen exposure -json'.
type exposureOutput struct {
	Flag         string           `json:"flag"`
	Asked        ops.AskedSplit   `json:"asked"`
	Environments []exposureEnvOut `json:"environments"`
}

type exposureEnvOut struct {
	Env string `json:"env"`
	// Since is when the counts start: the flag's reset there (Reset),
	// else when counting began in the environment.
	Since     time.Time        `json:"since"`
	Reset     bool             `json:"reset"`
	Total     int64            `json:"total"`
	PerMinute float64          `json:"per_minute"`
	Last      time.Time        `json:"last"`
	Variants  []exposureServed `json:"variants"`
}

// exposureServed is one variant's row: served count and percent, and the
// percent asked (nil: the configuration asks for none of it).
type exposureServed struct {
	Variant string   `json:"variant"`
	Count   int64    `json:"count"`
	Percent float64  `json:"percent"`
	Asked   *float64 `json:"asked,omitempty"`
}

func runExposure(env *Env, o *opsOpts, args []string) error {
	name := args[0]
	s, in, err := o.openFlag(env, name, true)
	if err != nil {
		return err
	}
	defer s.Close()
	return showExposure(env, o, s, in, name)
}

// showExposure prints the flag's exposure (in inspected).
func showExposure(env *Env, o *opsOpts, s *ops.Session, in *ops.Inspection, name string) error {
	ctx, cancel := s.Ctx()
	defer cancel()
	exps, expWarnings, err := s.Exposure(ctx, name)
	if err != nil {
		return err
	}
	warnExposure(env, expWarnings)
	out := exposureOutput{Flag: name, Asked: ops.SplitAsked(s.Spec, in.Flag(name)), Environments: []exposureEnvOut{}}
	asked := map[string]float64{}
	var order []string
	for _, sh := range out.Asked.Shares {
		asked[sh.Variant] = sh.Percent
		order = append(order, sh.Variant)
	}
	for _, e := range exps {
		eo := exposureEnvOut{Env: e.Env, Since: e.Since, Reset: e.Reset, Total: e.Total, PerMinute: e.PerMinute, Last: e.Last, Variants: []exposureServed{}}
		// The variants asked for first, in the spec's order, then any
		// other served (a default, runtime.PinnedVariant).
		names := slices.Clone(order)
		for _, v := range slices.Sorted(maps.Keys(e.Variants)) {
			if !slices.Contains(names, v) {
				names = append(names, v)
			}
		}
		for _, v := range names {
			row := exposureServed{Variant: v, Count: e.Variants[v]}
			if e.Total > 0 {
				row.Percent = 100 * float64(row.Count) / float64(e.Total)
			}
			if p, ok := asked[v]; ok {
				row.Asked = &p
			}
			eo.Variants = append(eo.Variants, row)
		}
		out.Environments = append(out.Environments, eo)
	}
	if o.json {
		return writeJSON(env.Stdout, out)
	}
	w := env.Stdout
	fmt.Fprintf(w, "%s: served split counts evaluations, not distinct users; asked: %s\n", name, askedText(out.Asked))
	if len(out.Environments) == 0 {
		fmt.Fprintf(env.Stderr, "no evaluations of %s counted in %s (apps count them with runtime.WithExposure)\n", name, s.Where)
		return nil
	}
	for _, eo := range out.Environments {
		since := eo.Since.Local().Format(time.RFC3339)
		if eo.Reset {
			since = "the reset at " + since
		}
		fmt.Fprintf(w, "\n%s: %d evaluations since %s, %s/min, last %s\n", ops.Shown(eo.Env), eo.Total,
			since, strconv.FormatFloat(eo.PerMinute, 'f', 1, 64), lastText(eo.Last))
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "variant\tserved\tserved %\tasked %\t")
		for _, r := range eo.Variants {
			a := "-"
			if r.Asked != nil {
				a = percent(*r.Asked)
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t\n", ops.Shown(r.Variant), r.Count, percent(r.Percent), a)
		}
		tw.Flush()
	}
	return nil
}

// askedText is the asked split on one line: "on 90% / off 10% of …".
func askedText(a ops.AskedSplit) string {
	if len(a.Shares) == 0 {
		return a.Of
	}
	t := ""
	for i, sh := range a.Shares {
		if i > 0 {
			t += " / "
		}
		t += ops.Shown(sh.Variant) + " " + percent(sh.Percent)
	}
	return t + " " + a.Of
}

func percent(p float64) string { return strconv.FormatFloat(p, 'f', 1, 64) + "%" }

// lastText is when a flag was last evaluated, and how long ago.
func lastText(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return fmt.Sprintf("%s (%s ago)", t.Local().Format(time.RFC3339), time.Since(t).Round(time.Second))
}

// warnExposure prints the warnings of malformed exposure entries (left out
// of what a command shows) to stderr.
func warnExposure(env *Env, warnings []string) {
	for _, w := range warnings {
		fmt.Fprintf(env.Stderr, "flaggen: warning: %s\n", ops.ShownLines(w))
	}
}
