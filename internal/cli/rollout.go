package cli

import (
	"encoding/json"

	"github.com/flaggen/flaggen/internal/ops"
)

var rolloutCmd = &Command{
	Name:  "rollout",
	Args:  "NAME PCT " + writeArgs + "[-reason TEXT] " + opsArgs,
	Short: "set a bool flag's percentage rollout in live state",
	Long: `Rollout sets "percentage_rollout": PCT (0 to 100, e.g. 25 or 12.5%) in flag
NAME's live patch. Users keep their bucket: raising PCT only adds users.
Variant flags have weights instead: change them in the spec.`,
	Topics: writeTopics,
	Setup:  setFieldSetup("say why in `TEXT`, for the audit trail (optional)", false, rolloutField, "PCT"),
}

// rolloutField parses PCT.
func rolloutField(args []string) (string, json.RawMessage, error) {
	if err := wantArgs(args, "PCT"); err != nil {
		return "", nil, err
	}
	val, err := ops.ParseRollout("PCT", args[0])
	return "percentage_rollout", val, err
}
