package cli

import (
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/flaggen/flaggen/internal/ops"
)

var releaseCmd = &Command{
	Name:  "release",
	Args:  "ls|status NAME|enable NAME|disable NAME [-json] " + writeArgs + "[-reason TEXT] " + opsArgs,
	Short: "list, inspect and switch the spec's releases (groups of flags)",
	Long: `Release works on the releases the spec declares (named groups of flags):

  release ls              each release with how many of its flags are on
  release status NAME     "NAME: 2 of 5 enabled" and each flag's state
  release enable NAME     set "active": true on every flag of the release
  release disable NAME    set "active": false on every flag (-reason required)

A flag counts as enabled when it is active and not tripped in live state.
Enable and disable switch every flag of the release in one atomic, audited
write (default reason "release NAME on|off"), recorded with -actor (default:
the OS user). -json applies to ls and status.`,
	Topics: writeTopics,
	Setup:  setupRelease,
}

func setupRelease(fs *flag.FlagSet) func(*Env, []string) error {
	o := addOps(fs)
	o.addJSON(fs)
	o.addActor(fs, "say why in `TEXT`, for the audit trail (required by disable)")
	return func(env *Env, args []string) error {
		args, err := interspersed(env, fs, args)
		if err != nil {
			return err
		}
		if len(args) == 0 {
			return Usagef("missing subcommand: ls, status, enable or disable")
		}
		sub, rest := args[0], args[1:]
		switch sub {
		case "ls":
			if err := wantArgs(rest); err != nil {
				return err
			}
			return runReleaseLs(env, o)
		case "status":
			if err := wantArgs(rest, "NAME"); err != nil {
				return err
			}
			return runReleaseStatus(env, o, rest[0])
		case "enable", "disable":
			if err := wantArgs(rest, "NAME"); err != nil {
				return err
			}
			on := sub == "enable"
			if !on {
				if err := o.needReason(); err != nil {
					return err
				}
			}
			return runReleaseSet(env, o, rest[0], on)
		}
		return Usagef("unknown subcommand %q: want ls, status, enable or disable", sub)
	}
}

func runReleaseLs(env *Env, o *opsOpts) error {
	s, in, err := o.openFlags(env, true)
	if err != nil {
		return err
	}
	defer s.Close()
	rs := in.Releases
	if rs == nil {
		rs = []ops.ReleaseInfo{}
	}
	if o.json {
		return writeJSON(env.Stdout, rs)
	}
	if len(rs) == 0 {
		fmt.Fprintln(env.Stderr, "the spec declares no releases")
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RELEASE\tENABLED\tFLAGS")
	for _, r := range rs {
		fmt.Fprintf(tw, "%s\t%d of %d\t%s\n", r.Release, r.Enabled, r.Total, strings.Join(r.Flags, ", "))
	}
	return tw.Flush()
}

// openRelease is open for a command about one release, which must be in
// the spec, and inspects the live state.
func (o *opsOpts) openRelease(env *Env, name string, write bool) (*ops.Session, string, *ops.Inspection, error) {
	s, actor, err := o.open(env, write)
	if err != nil {
		return nil, "", nil, err
	}
	in, err := func() (*ops.Inspection, error) {
		if err := ops.CheckRelease(s.Spec, name); err != nil {
			return nil, err
		}
		return s.Inspect()
	}()
	if err != nil {
		s.Close()
		return nil, "", nil, err
	}
	return s, actor, in, nil
}

func runReleaseStatus(env *Env, o *opsOpts, name string) error {
	s, _, in, err := o.openRelease(env, name, false)
	if err != nil {
		return err
	}
	defer s.Close()
	return printRelease(env, o.json, in, name)
}

func printRelease(env *Env, asJSON bool, in *ops.Inspection, name string) error {
	if asJSON {
		return writeJSON(env.Stdout, ops.StatusOf(in, name))
	}
	r := ops.FindRelease(in, name)
	fmt.Fprintf(env.Stdout, "%s: %d of %d enabled\n", r.Release, r.Enabled, r.Total)
	for _, f := range r.Flags {
		fi := in.Flag(f)
		line := "  " + f + ": " + fi.State
		if fi.StateReason != "" {
			line += " (" + ops.Shown(fi.StateReason) + ")"
		}
		fmt.Fprintln(env.Stdout, line)
	}
	return nil
}

func runReleaseSet(env *Env, o *opsOpts, name string, on bool) error {
	s, actor, err := o.open(env, true)
	if err != nil {
		return err
	}
	defer s.Close()
	wrote, before, err := s.SetRelease(name, on, actor, o.reason, o.force)
	if err != nil {
		return err
	}
	if !wrote {
		fmt.Fprintf(env.Stdout, "%s: no change (nothing written)\n", name)
		return printRelease(env, false, before, name)
	}
	in, err := s.Inspect()
	if err != nil {
		return err
	}
	if err := printRelease(env, false, in, name); err != nil {
		return err
	}
	reportSubscribers(env, s)
	return nil
}
