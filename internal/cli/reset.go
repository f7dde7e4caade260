package cli

import (
	"flag"

	"github.com/flaggen/flaggen/internal/ops"
)

var resetCmd = &Command{
	Name:  "reset",
	Args:  "NAME " + writeArgs + "[-reason TEXT] " + opsArgs,
	Short: "clear a flag's monitor counters and tripped state",
	Long: `Reset is the operator's answer to a tripped flag: it deletes the flag's
shared error and slow-execution counters and removes "tripped" from its live
patch, so that it serves again (if active). The reset is audited (default
reason "operator reset"). A flag that is not tripped and has no counters is
left alone ("no change": nothing written).`,
	Topics: writeTopics,
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		o := addOps(fs)
		o.addActor(fs, "say why in `TEXT`, for the audit trail (default \"operator reset\")")
		return func(env *Env, args []string) error {
			args, err := positional(env, fs, args, "NAME")
			if err != nil {
				return err
			}
			if o.reason == "" {
				o.reason = "operator reset"
			}
			return runWrite(env, o, ops.FlagWrite{Flag: args[0], Plan: ops.Reset(args[0])})
		}
	},
}
