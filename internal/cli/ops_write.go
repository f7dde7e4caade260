package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/flaggen/flaggen/runtime"
)

// The operator commands that change one flag: enable, disable, rollout,
// patch, reset. Each is one atomic, audited write, validated against the
// spec (and the rest of the live state) before anything is written.

const writeArgs = "[-actor NAME] "

const writeHelp = `The change is one atomic write, recorded in the audit trail with -actor
(default: the OS user) and -reason; every app instance applies it within
moments.

`

func init() {
	Register(&Command{
		Name:  "enable",
		Args:  "NAME " + writeArgs + "[-reason TEXT] " + opsArgs,
		Short: "switch a flag on (active: true) in live state",
		Long: `Enable sets "active": true in flag NAME's live patch. The flag then serves
its targeting and rollout again; a flag a monitor tripped stays off until
'flaggen reset NAME'.

` + writeHelp + opsEnvHelp,
		Setup: setupFlagWrite("enable", "say why in `TEXT`, for the audit trail (optional)", false, func(args []string) (json.RawMessage, error) {
			return json.RawMessage(`{"active":true}`), nil
		}),
	})
	Register(&Command{
		Name:  "disable",
		Args:  "NAME -reason TEXT " + writeArgs + opsArgs,
		Short: "switch a flag off (the kill switch) in live state",
		Long: `Disable sets "active": false in flag NAME's live patch: the flag is off for
everyone, in every instance, until 'flaggen enable NAME'. -reason is
required.

` + writeHelp + opsEnvHelp,
		Setup: setupFlagWrite("disable", "say why the flag is switched off in `TEXT`, for the audit trail (required)", true, func(args []string) (json.RawMessage, error) {
			return json.RawMessage(`{"active":false}`), nil
		}),
	})
	Register(&Command{
		Name:  "rollout",
		Args:  "NAME PCT " + writeArgs + "[-reason TEXT] " + opsArgs,
		Short: "set a bool flag's percentage rollout in live state",
		Long: `Rollout sets "percentage_rollout": PCT (0 to 100, e.g. 25 or 12.5%) in flag
NAME's live patch. Users keep their bucket: raising PCT only adds users.
Variant flags have weights instead: change them in the spec.

` + writeHelp + opsEnvHelp,
		Setup: setupFlagWrite("rollout", "say why in `TEXT`, for the audit trail (optional)", false, func(args []string) (json.RawMessage, error) {
			if len(args) < 1 {
				return nil, Usagef("missing PCT")
			}
			if len(args) > 1 {
				return nil, Usagef("unexpected argument %q", args[1])
			}
			pct, err := strconv.ParseFloat(strings.TrimSuffix(args[0], "%"), 64)
			if err != nil || pct < 0 || pct > 100 {
				return nil, Usagef("PCT must be a percentage from 0 to 100, not %q", args[0])
			}
			return json.RawMessage(`{"percentage_rollout":` + strconv.FormatFloat(pct, 'f', -1, 64) + `}`), nil
		}, "PCT"),
	})
	Register(&Command{
		Name:  "patch",
		Args:  "NAME JSON [-replace] " + writeArgs + "[-reason TEXT] " + opsArgs,
		Short: "change any live field of a flag",
		Long: `Patch merges the JSON object into flag NAME's live patch: each field given
replaces the live one, and a field set to null is removed (back to the
spec's value). With -replace the object replaces the whole live patch ({}
reverts the flag to the spec as written).

Patchable fields: ` + strings.Join(runtime.PatchFields(), ", ") + `.
type, variants, strategy, salt and metadata come only from the spec. Values
are checked as in the spec (types, enums, variant names, dates, dependency
cycles); a bad patch is refused with the reason and nothing is written. E.g.

	flaggen patch new_ui '{"regions": ["US", "CA"], "users": null}' -reason "Canada beta"

` + writeHelp + opsEnvHelp,
		Setup: setupPatch,
	})
	Register(&Command{
		Name:  "reset",
		Args:  "NAME " + writeArgs + "[-reason TEXT] " + opsArgs,
		Short: "clear a flag's monitor counters and tripped state",
		Long: `Reset is the operator's answer to a tripped flag: it deletes the flag's
shared error and slow-execution counters and clears its "tripped" state, so
that it serves again (if active). The reset is audited (default reason
"operator reset").

` + writeHelp + opsEnvHelp,
		Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
			o := addOps(fs)
			o.addActor(fs, "say why in `TEXT`, for the audit trail (default \"operator reset\")")
			return func(env *Env, args []string) error {
				args, err := interspersed(env, "reset", fs, args)
				if err != nil {
					return err
				}
				if err := wantArgs(args, "NAME"); err != nil {
					return err
				}
				return runWrite(env, o, args[0], func(ctx context.Context, c *runtime.Client, actor string) error {
					return c.Reset(ctx, args[0], actor, o.reason)
				})
			}
		},
	})
}

// setupFlagWrite returns the Setup of a command "NAME [more positional]"
// that writes the patch made from the further positional arguments.
func setupFlagWrite(name, reasonUsage string, needReason bool, patch func(rest []string) (json.RawMessage, error), more ...string) func(*flag.FlagSet) func(*Env, []string) error {
	return func(fs *flag.FlagSet) func(*Env, []string) error {
		o := addOps(fs)
		o.addActor(fs, reasonUsage)
		return func(env *Env, args []string) error {
			args, err := interspersed(env, name, fs, args)
			if err != nil {
				return err
			}
			if len(args) == 0 {
				return Usagef("missing NAME")
			}
			if len(more) == 0 && len(args) > 1 {
				return Usagef("unexpected argument %q", args[1])
			}
			p, err := patch(args[1:])
			if err != nil {
				return err
			}
			if needReason && strings.TrimSpace(o.reason) == "" {
				return Usagef("-reason is required: say why, for the audit trail")
			}
			flagName := args[0]
			return runWrite(env, o, flagName, func(ctx context.Context, c *runtime.Client, actor string) error {
				return c.Set(ctx, flagName, p, actor, o.reason)
			})
		}
	}
}

func setupPatch(fs *flag.FlagSet) func(*Env, []string) error {
	o := addOps(fs)
	o.addActor(fs, "say why in `TEXT`, for the audit trail (optional)")
	replace := fs.Bool("replace", false, "replace the flag's whole live patch instead of merging into it")
	return func(env *Env, args []string) error {
		args, err := interspersed(env, "patch", fs, args)
		if err != nil {
			return err
		}
		if err := wantArgs(args, "NAME", "JSON"); err != nil {
			return err
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal([]byte(args[1]), &obj); err != nil || obj == nil {
			return fmt.Errorf("patch %s: want a JSON object of fields, e.g. '{\"active\": false}': %s", args[0], jsonErr(err))
		}
		return runWrite(env, o, args[0], func(ctx context.Context, c *runtime.Client, actor string) error {
			return c.Change(ctx, runtime.Edit{Actor: actor, Reason: o.reason, Replace: *replace,
				Flags: map[string]json.RawMessage{args[0]: json.RawMessage(args[1])}})
		})
	}
}

func jsonErr(err error) string {
	if err == nil {
		return "got null"
	}
	return err.Error()
}

// runWrite checks the flag name, makes the change with a writing Client
// and prints the flag's new state.
func runWrite(env *Env, o *opsOpts, flagName string, change func(ctx context.Context, c *runtime.Client, actor string) error) error {
	actor, err := o.whoAmI()
	if err != nil {
		return err
	}
	s, err := o.open(env)
	if err != nil {
		return err
	}
	defer s.close()
	if err := s.checkFlag(flagName); err != nil {
		return err
	}
	c, err := s.client(false)
	if err != nil {
		return err
	}
	defer c.Close()
	ctx, cancel := s.ctx()
	defer cancel()
	if err := change(ctx, c, actor); err != nil {
		return s.wrapRedis(err)
	}
	return s.printStates(env, flagName)
}

// printStates prints each named flag's state after a change.
func (s *session) printStates(env *Env, names ...string) error {
	in, err := s.inspect()
	if err != nil {
		return err
	}
	for _, name := range names {
		f := in.Flag(name)
		line := name + ": " + f.State
		if f.StateReason != "" {
			line += " (" + f.StateReason + ")"
		}
		if f.Rollout != nil {
			line += ", rollout " + rolloutText(f.Rollout, nil)
		}
		if f.State == "tripped" {
			line += "; run 'flaggen reset " + name + "' to clear it"
		}
		fmt.Fprintf(env.Stdout, "%s  [live state version %d]\n", line, in.Version)
	}
	return nil
}
