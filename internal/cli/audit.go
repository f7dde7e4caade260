package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/flaggen/flaggen/internal/ops"
	"github.com/flaggen/flaggen/runtime/store"
)

var auditCmd = &Command{
	Name:  "audit",
	Args:  "[NAME] [-n N] [-json] " + opsArgs,
	Short: "show the audit trail of live changes",
	Long: `Audit prints the newest -n live changes, newest first (of flag NAME only,
when given): version, time, actor, reason and, for each changed flag, its
live patch before → after (null: no entry).

Audit needs no spec: without -spec, $` + envSpec + ` or a spec recorded in the
namespace, it reads the trail as it is, and NAME is not checked against a
spec (an unknown NAME just has no entries).`,
	Topics: opsTopics,
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		o := addOps(fs)
		o.specOptional = true
		o.addJSON(fs)
		n := fs.Int("n", 20, "show at most `N` entries (0: all)")
		return func(env *Env, args []string) error {
			args, err := interspersed(env, fs, args)
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
}

func runAudit(env *Env, o *opsOpts, name string, n int) error {
	s, _, err := o.open(env, false)
	if err != nil {
		return err
	}
	defer s.Close()
	if name != "" && s.Spec != nil {
		// A flag the spec lacks may still have history (registered by a
		// name lookup, or removed from the spec): only suggest when
		// there is none.
		if err := ops.CheckFlag(s.Spec, name); err != nil {
			if _, live := s.State.Flags[name]; !live {
				return err
			}
		}
	}
	ctx, cancel := s.Ctx()
	defer cancel()
	entries, err := s.Store.Audit(ctx, name, n)
	if err != nil {
		return s.RedisError(err)
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
		fmt.Fprintf(w, "v%d  %s  %s", e.Version, e.Time.Local().Format(time.RFC3339), ops.Shown(e.Actor))
		if e.Reason != "" {
			fmt.Fprintf(w, "  %q", e.Reason)
		}
		for _, f := range sortedKeys(e.Flags) {
			if e.Before == nil {
				fmt.Fprintf(w, "  %s=%s", ops.Shown(f), ops.Shown(string(e.Flags[f])))
				continue
			}
			before := e.Before[f]
			if before == nil {
				before = json.RawMessage("null")
			}
			fmt.Fprintf(w, "  %s: %s → %s", ops.Shown(f), ops.Shown(string(before)), ops.Shown(string(e.Flags[f])))
		}
		fmt.Fprintln(w)
	}
}
