package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/flaggen/flaggen/internal/spec"
	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/store"
)

// The operator commands that change one flag: enable, disable, rollout,
// patch, reset. Each is one atomic, audited write, validated against the
// spec (and the rest of the live state) before anything is written.

const writeArgs = "[-actor NAME] "

const writeHelp = `The change is one atomic write, recorded in the audit trail with -actor
(default: the OS user) and -reason; every app instance applies it within
moments. The actor must not be blank, and neither may hold a control
character (newline, tab, escape, DEL, C1, bidi): refused, exit 2. A command that would change nothing prints "no change (nothing
written)" and writes nothing. After a write, standard error says how many
app instances are subscribed to the namespace, with a warning when none is
(a wrong -namespace, most often).

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
		Setup: setupFlagWrite("enable", "say why in `TEXT`, for the audit trail (optional)", false, func(args []string) (string, json.RawMessage, error) {
			return "active", json.RawMessage(`true`), nil
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
		Setup: setupFlagWrite("disable", "say why the flag is switched off in `TEXT`, for the audit trail (required)", true, func(args []string) (string, json.RawMessage, error) {
			return "active", json.RawMessage(`false`), nil
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
		Setup: setupFlagWrite("rollout", "say why in `TEXT`, for the audit trail (optional)", false, func(args []string) (string, json.RawMessage, error) {
			if len(args) < 1 {
				return "", nil, Usagef("missing PCT")
			}
			if len(args) > 1 {
				return "", nil, Usagef("unexpected argument %q", args[1])
			}
			pct, err := strconv.ParseFloat(strings.TrimSuffix(args[0], "%"), 64)
			if err != nil || pct < 0 || pct > 100 {
				return "", nil, Usagef("PCT must be a percentage from 0 to 100, not %q", args[0])
			}
			return "percentage_rollout", json.RawMessage(strconv.FormatFloat(pct, 'f', -1, 64)), nil
		}, "PCT"),
	})
	Register(&Command{
		Name:  "patch",
		Args:  "NAME JSON [-replace] | NAME -revert FIELD[,FIELD...] " + writeArgs + "[-reason TEXT] " + opsArgs,
		Short: "change any live field of a flag, or revert fields to the spec",
		Long: `Patch merges the JSON object into flag NAME's live patch: each field given
replaces the live one, whatever the spec says.

A field set to null REMOVES that field from the flag: its check is skipped
altogether. It does NOT go back to the spec's value. E.g. '{"regions": null}'
on a flag the spec limits to US and RO serves it in every region. To go back
to the spec's value, revert the field: -revert FIELD[,FIELD...] deletes the
fields from the live patch (no JSON argument then), e.g.

	flaggen patch new_ui -revert regions,users -reason "Canada beta over"

With -replace the object replaces the whole live patch ({} reverts every
field to the spec as written).

The patch is computed from the live patch as read and written only if no
one changed the live state in between (else it is read and computed again).
When the result equals the stored patch, nothing is written ("no change").

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
shared error and slow-execution counters and removes "tripped" from its live
patch, so that it serves again (if active). The reset is audited (default
reason "operator reset"). A flag that is not tripped and has no counters is
left alone ("no change": nothing written).

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
				if o.reason == "" {
					o.reason = "operator reset"
				}
				return runWrite(env, o, args[0], planReset(args[0]))
			}
		},
	})
}

// setupFlagWrite returns the Setup of a command "NAME [more positional]"
// that sets one field of the flag's live patch to the value made from the
// further positional arguments.
func setupFlagWrite(name, reasonUsage string, needReason bool, field func(rest []string) (string, json.RawMessage, error), more ...string) func(*flag.FlagSet) func(*Env, []string) error {
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
			key, val, err := field(args[1:])
			if err != nil {
				return err
			}
			if needReason && strings.TrimSpace(o.reason) == "" {
				return Usagef("-reason is required: say why, for the audit trail")
			}
			return runWrite(env, o, args[0], planSet(key, val))
		}
	}
}

func setupPatch(fs *flag.FlagSet) func(*Env, []string) error {
	o := addOps(fs)
	o.addActor(fs, "say why in `TEXT`, for the audit trail (optional)")
	replace := fs.Bool("replace", false, "replace the flag's whole live patch instead of merging into it")
	revert := fs.String("revert", "", "delete the `FIELD[,FIELD...]` from the live patch: back to the spec's values\n(no JSON argument)")
	return func(env *Env, args []string) error {
		args, err := interspersed(env, "patch", fs, args)
		if err != nil {
			return err
		}
		if *revert != "" {
			if *replace {
				return Usagef("-revert and -replace do not go together")
			}
			if err := wantArgs(args, "NAME"); err != nil {
				if len(args) > 1 {
					return Usagef("-revert takes no JSON argument (unexpected %q)", args[1])
				}
				return err
			}
			fields, err := revertFields(*revert)
			if err != nil {
				return err
			}
			return runWrite(env, o, args[0], planRevert(fields))
		}
		if err := wantArgs(args, "NAME", "JSON"); err != nil {
			return err
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal([]byte(args[1]), &obj); err != nil || obj == nil {
			return fmt.Errorf("patch %s: want a JSON object of fields, e.g. '{\"active\": false}': %s", args[0], jsonErr(err))
		}
		o.replace = *replace
		return runWrite(env, o, args[0], planPatch(obj, *replace))
	}
}

// revertFields parses -revert's list of patchable fields.
func revertFields(list string) ([]string, error) {
	all := runtime.PatchFields()
	var out []string
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !slices.Contains(all, f) {
			msg := fmt.Sprintf("-revert: %q is not a patchable field", f)
			if near := spec.Suggest(normName(f), all); near != "" {
				msg += fmt.Sprintf(" (did you mean %s?)", near)
			} else {
				msg += " (fields: " + strings.Join(all, ", ") + ")"
			}
			return nil, Usagef("%s", msg)
		}
		out = append(out, f)
	}
	if len(out) == 0 {
		return nil, Usagef("-revert needs at least one FIELD")
	}
	return out, nil
}

func jsonErr(err error) string {
	if err == nil {
		return "got null"
	}
	return err.Error()
}

// A writePlan computes flag's next live patch from what the command read:
// its stored patch's fields (nil when the flag has no entry) and its
// effective configuration. change false means the command changes nothing:
// nothing is written. prepare, when not nil, runs once before the write.
type writePlan func(s *session, stored map[string]json.RawMessage, f *runtime.FlagInfo) (next map[string]json.RawMessage, change, resetCounters bool, err error)

// planSet sets one field (enable, disable, rollout); it changes nothing
// when the flag's effective value already is val.
func planSet(field string, val json.RawMessage) writePlan {
	return func(_ *session, stored map[string]json.RawMessage, f *runtime.FlagInfo) (map[string]json.RawMessage, bool, bool, error) {
		next := maps.Clone(stored)
		if next == nil {
			next = map[string]json.RawMessage{}
		}
		next[field] = val
		return next, !effectiveIs(f, field, val) && !samePatch(stored, next), false, nil
	}
}

// planPatch merges obj into the stored patch (or replaces it).
func planPatch(obj map[string]json.RawMessage, replace bool) writePlan {
	return func(_ *session, stored map[string]json.RawMessage, _ *runtime.FlagInfo) (map[string]json.RawMessage, bool, bool, error) {
		next := maps.Clone(obj)
		if !replace {
			next = maps.Clone(stored)
			if next == nil {
				next = map[string]json.RawMessage{}
			}
			maps.Copy(next, obj)
		}
		return next, !samePatch(stored, next), false, nil
	}
}

// planRevert deletes fields from the stored patch.
func planRevert(fields []string) writePlan {
	return func(_ *session, stored map[string]json.RawMessage, _ *runtime.FlagInfo) (map[string]json.RawMessage, bool, bool, error) {
		next := maps.Clone(stored)
		for _, f := range fields {
			delete(next, f)
		}
		return next, stored != nil && len(next) != len(stored), false, nil
	}
}

// planReset removes "tripped" from the flag's patch and zeroes its counters in
// the same atomic write; it changes nothing when the flag is not tripped and has no
// counters.
func planReset(flag string) writePlan {
	return func(s *session, stored map[string]json.RawMessage, _ *runtime.FlagInfo) (map[string]json.RawMessage, bool, bool, error) {
		ctx, cancel := s.ctx()
		defer cancel()
		counters, err := s.store.Counters(ctx, flag)
		if err != nil {
			return nil, false, false, s.wrapRedis(err)
		}
		counted := false
		for _, n := range counters {
			counted = counted || n != 0
		}
		tripped := stored["tripped"] != nil && !isNull(stored["tripped"])
		next := maps.Clone(stored)
		delete(next, "tripped")
		if !tripped && !counted {
			return next, false, false, nil
		}
		return next, true, true, nil
	}
}

// effectiveIs reports whether the flag's effective field already has the
// value val (as JSON), with a live patch the apps accept.
func effectiveIs(f *runtime.FlagInfo, field string, val json.RawMessage) bool {
	if f == nil || f.Problem != "" {
		return false
	}
	for _, fi := range f.Fields {
		if fi.Field == field {
			return jsonEqual(fi.Value, val)
		}
	}
	return false
}

// samePatch reports whether two patches have the same fields and values
// (nil: no entry, the same as {}).
func samePatch(a, b map[string]json.RawMessage) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || !jsonEqual(v, w) {
			return false
		}
	}
	return true
}

func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return bytes.Equal(a, b)
	}
	return reflect.DeepEqual(x, y)
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// storedPatch decodes a flag's stored live patch (nil: no entry).
func storedPatch(st store.State, flag string) (map[string]json.RawMessage, error) {
	raw, ok := st.Flags[flag]
	if !ok || raw == nil || isNull(raw) {
		return nil, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, fmt.Errorf("the stored live patch of %s is not a JSON object (%s): replace it, e.g. flaggen patch -replace %s '{}'", flag, shown(string(raw)), flag)
	}
	return m, nil
}

// encodePatch writes a patch as compact JSON, keys sorted, HTML unescaped.
func encodePatch(m map[string]json.RawMessage) (json.RawMessage, error) {
	if m == nil {
		m = map[string]json.RawMessage{}
	}
	b, err := marshalCompact(m)
	return json.RawMessage(b), err
}

// maxWriteAttempts bounds how often a command reads and computes its
// patch again because the live state moved under it.
const maxWriteAttempts = 10

// runWrite checks the flag name, reads the live state, computes the flag's
// next patch with plan and writes it with a writing Client as one change,
// on condition that the live state is still the one read (else it reads
// again), then prints the flag's new state.
func runWrite(env *Env, o *opsOpts, flagName string, plan writePlan) error {
	s, actor, err := o.openWrite(env)
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
	for attempt := 1; ; attempt++ {
		in, err := s.inspect()
		if err != nil {
			return err
		}
		stored, unreadable := storedPatch(s.state, flagName)
		if unreadable != nil && !o.replace {
			return unreadable
		}
		next, change, resetCounters, err := plan(s, stored, in.Flag(flagName))
		if err != nil {
			return err
		}
		change = change || unreadable != nil // replacing a patch that is not an object
		if !change {
			return s.printStates(env, "no change (nothing written)", flagName)
		}
		patch, err := encodePatch(next)
		if err != nil {
			return err
		}
		ctx, cancel := s.ctx()
		s.op.pinned, s.op.pin = true, s.state.Version
		edit := runtime.Edit{Actor: actor, Reason: o.reason, Replace: true,
			Flags: map[string]json.RawMessage{flagName: patch}}
		if resetCounters {
			edit.ResetCounters = []string{flagName} // in the same atomic write
		}
		err = c.Change(ctx, edit)
		cancel()
		if errors.Is(err, errStale) && attempt < maxWriteAttempts {
			continue
		}
		if err != nil {
			return s.wrapRedis(err)
		}
		break
	}
	if err := s.printStates(env, "", flagName); err != nil {
		return err
	}
	s.reportSubscribers(env)
	return nil
}

// printStates prints each named flag's state after a change; note, when
// set, follows the flag's name (e.g. "no change").
func (s *session) printStates(env *Env, note string, names ...string) error {
	in, err := s.inspect()
	if err != nil {
		return err
	}
	for _, name := range names {
		f := in.Flag(name)
		line := name + ": "
		if note != "" {
			line += note + ": "
		}
		line += f.State
		if f.StateReason != "" {
			line += " (" + shown(f.StateReason) + ")"
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
