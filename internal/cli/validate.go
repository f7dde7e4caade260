package cli

import "flag"

var validateCmd = &Command{
	Name:  "validate",
	Args:  "[-spec FILE]",
	Short: "check a spec and report every error",
	Long: `Validate checks the spec FILE (-spec, default $` + envSpec + `) against the
schema and the semantic rules (undeclared attributes, dependency cycles,
variant weights …) and prints every error, one per line
(FILE:LINE:COL: /json/pointer: message). It prints nothing and exits 0 when
the spec is valid, and exits 1 otherwise.`,
	Setup: func(fs *flag.FlagSet) func(*Env, []string) error {
		specFile := fs.String("spec", "", "the spec `FILE` to check (default $"+envSpec+"; required)")
		return func(env *Env, args []string) error {
			if len(args) > 0 {
				return Usagef("unexpected argument %q", args[0])
			}
			if err := specFromEnv(specFile); err != nil {
				return err
			}
			_, err := load(*specFile)
			return err
		}
	},
}
