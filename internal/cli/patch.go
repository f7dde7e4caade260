package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"strings"

	"github.com/flaggen/flaggen/internal/ops"
)

var patchCmd = &Command{
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
A patch that switches the flag off ("active": false) is the kill switch:
like disable, it needs -reason.

Patchable fields: ` + strings.Join(ops.PatchFields(), ", ") + `.
type, variants, strategy, salt and metadata come only from the spec. Values
are checked as in the spec (types, enums, variant names, dates, dependency
cycles); a bad patch is refused with the reason and nothing is written. E.g.

	flaggen patch new_ui '{"regions": ["US", "CA"], "users": null}' -reason "Canada beta"`,
	Topics: writeTopics,
	Setup:  setupPatch,
}

func setupPatch(fs *flag.FlagSet) func(*Env, []string) error {
	o := addOps(fs)
	o.addActor(fs, "say why in `TEXT`, for the audit trail (optional)")
	replace := fs.Bool("replace", false, "replace the flag's whole live patch instead of merging into it")
	revert := fs.String("revert", "", "delete the `FIELD[,FIELD...]` from the live patch: back to the spec's values\n(no JSON argument)")
	return func(env *Env, args []string) error {
		args, err := interspersed(env, fs, args)
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
			return runWrite(env, o, ops.FlagWrite{Flag: args[0], Plan: ops.Revert(fields)})
		}
		if err := wantArgs(args, "NAME", "JSON"); err != nil {
			return err
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal([]byte(args[1]), &obj); err != nil || obj == nil {
			return fmt.Errorf("patch %s: want a JSON object of fields, e.g. '{\"active\": false}': %s", args[0], jsonErr(err))
		}
		return runWrite(env, o, ops.FlagWrite{Flag: args[0], Plan: ops.MergePatch(obj, *replace), Replace: *replace})
	}
}

// revertFields parses -revert's list of patchable fields.
func revertFields(list string) ([]string, error) {
	var out []string
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if err := ops.CheckPatchField("-revert", f); err != nil {
			return nil, err
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
