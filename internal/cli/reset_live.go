package cli

import (
	"flag"
	"fmt"
)

var resetLiveCmd = &Command{
	Name:  "reset-live",
	Args:  "-reason TEXT " + writeArgs + opsArgs,
	Short: "clear a namespace's whole live state, back to the spec, on purpose",
	Long: `Reset-live deletes every flag's live patch, and the shared monitor counters
of the spec's flags, in one atomic write: every flag serves the spec as
written, in every instance, kill switches included. -reason is required.

After Redis loses its data, the running instances write the live state they
held back (see "Data loss" in 'go doc github.com/flaggen/flaggen/runtime/redisstore').
Reset-live is the way to start from the spec instead: it starts a new epoch
marked as an operator's reset, which no instance restores over, and the
instances register the spec's flags again. The reset is recorded in the
audit trail (every flag's patch before it, and null after).`,
	Topics: writeTopics,
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		o := addOps(fs)
		o.addActor(fs, "say why the live state is cleared in `TEXT`, for the audit trail (required)")
		return func(env *Env, args []string) error {
			if _, err := positional(env, fs, args); err != nil {
				return err
			}
			if err := o.needReason(); err != nil {
				return err
			}
			s, actor, err := o.open(env, true)
			if err != nil {
				return err
			}
			defer s.Close()
			ctx, cancel := s.Ctx()
			defer cancel()
			cleared := len(s.State.Flags)
			v, err := s.Store.ResetLive(ctx, actor, o.reason, s.Spec.FlagNames()...)
			if err != nil {
				return s.RedisError(err)
			}
			noun := "patches"
			if cleared == 1 {
				noun = "patch"
			}
			fmt.Fprintf(env.Stdout, "namespace %s: live state reset to the spec (%d flag %s cleared, version %d)\n", s.Namespace, cleared, noun, v)
			reportSubscribers(env, s)
			return nil
		}
	},
}
