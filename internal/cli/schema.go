package cli

import (
	"flag"

	"github.com/flaggen/flaggen/schema"
)

var schemaCmd = &Command{
	Name:  "schema",
	Args:  "",
	Short: "print the JSON Schema of spec files",
	Long: `Schema prints flags.schema.json, the JSON Schema of spec files that this
flaggen embeds and validates with, to standard output. Save it next to a spec
so that editors check and complete it offline, against the schema of the
flaggen version the module uses:

	flaggen schema > flags.schema.json

and point the spec at it with "$schema": "./flags.schema.json". The "$schema"
member is allowed in specs and ignored by flaggen itself.`,
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		return func(env *Env, args []string) error {
			if len(args) > 0 {
				return Usagef("unexpected argument %q", args[0])
			}
			_, err := env.Stdout.Write(schema.Source)
			return err
		}
	},
}
