package cli

import (
	"encoding/json"
	"flag"

	"github.com/flaggen/flaggen/internal/ops"
)

// This file holds what the commands that change one flag (enable,
// disable, rollout, patch, reset) share: their synopsis and help, and the
// write itself.

const writeArgs = "[-actor NAME] [-force] "

// writeTopic describes what every write does.
var writeTopic = &Topic{Title: "Writes", Text: `Each write is one atomic change, recorded in the audit trail with -actor
(default: the OS user) and -reason; every app instance applies it within
moments. The actor must not be blank, and neither may hold a control
character (newline, tab, escape, DEL, C1, bidi): refused, exit 2. A command
that would change nothing (enable of a flag that is on, a patch equal to
the stored one, a reset with nothing to reset) prints "no change (nothing
written)" and writes nothing: no version bump, no audit entry.

After a write, standard error says how many app instances follow the
namespace (PUBSUB NUMSUB on flaggen:{NS}:changes):

	flaggen: applied; 2 app instances are subscribed to namespace NS
	flaggen: warning: no app instance is subscribed to namespace NS …

The warning usually means a wrong -namespace: the write reaches no app.

A write to a namespace where no app ever recorded its spec is refused, exit
status 1, nothing written: most often a mistyped -namespace, where a kill
switch would "succeed" without switching anything off.

	flaggen: no app ever recorded its spec in namespace NS at URL: a write there reaches no app (a wrong namespace?); check -namespace …, or pass -force to write anyway

-force writes anyway (e.g. before the first app starts there).`}

// writeTopics end the description of every write command.
var writeTopics = []*Topic{writeTopic, liveStateTopic, redisURLTopic}

// setFieldSetup returns the Setup of a command "NAME [more...]" that sets
// one field of the flag's live patch to the value field makes of the
// further positional arguments.
func setFieldSetup(reasonUsage string, needReason bool, field func(rest []string) (string, json.RawMessage, error), more ...string) func(*flag.FlagSet) func(*Env, []string) error {
	return func(fs *flag.FlagSet) func(*Env, []string) error {
		o := addOps(fs)
		o.addActor(fs, reasonUsage)
		return func(env *Env, args []string) error {
			args, err := interspersed(env, fs, args)
			if err != nil {
				return err
			}
			if len(args) == 0 {
				return Usagef("missing NAME")
			}
			if len(more) == 0 && len(args) > 1 {
				return Usagef("unexpected argument %q", args[1])
			}
			key, val, err := field(args[1:])
			if err != nil {
				return err
			}
			if needReason {
				if err := o.needReason(); err != nil {
					return err
				}
			}
			return runWrite(env, o, ops.FlagWrite{Flag: args[0], Plan: ops.SetField(key, val)})
		}
	}
}

// writeWith opens a writing session and makes w through write with the
// actor and -reason; the caller closes the session it returns (nil on
// error).
func writeWith(env *Env, o *opsOpts, w ops.FlagWrite, write func(*ops.Session, ops.FlagWrite) (bool, error)) (*ops.Session, bool, error) {
	s, actor, err := o.open(env, true)
	if err != nil {
		return nil, false, err
	}
	w.Actor, w.Reason, w.Force = actor, o.reason, o.force
	wrote, err := write(s, w)
	if err != nil {
		s.Close()
		return nil, false, err
	}
	return s, wrote, nil
}

// runWrite opens a writing session, writes w (ops.Session.WriteFlag) with
// the actor and -reason, then prints the flag's new state and the app
// instances the write reaches.
func runWrite(env *Env, o *opsOpts, w ops.FlagWrite) error {
	s, wrote, err := writeWith(env, o, w, (*ops.Session).WriteFlag)
	if err != nil {
		return err
	}
	defer s.Close()
	if !wrote {
		return printStates(env, s, "no change (nothing written)", w.Flag)
	}
	if err := printStates(env, s, "", w.Flag); err != nil {
		return err
	}
	reportSubscribers(env, s)
	return nil
}
