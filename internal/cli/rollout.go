package cli

import (
	"encoding/json"
	"strconv"
	"strings"
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
	pct, err := strconv.ParseFloat(strings.TrimSuffix(args[0], "%"), 64)
	if err != nil || pct < 0 || pct > 100 {
		return "", nil, Usagef("PCT must be a percentage from 0 to 100, not %q", args[0])
	}
	return "percentage_rollout", json.RawMessage(strconv.FormatFloat(pct, 'f', -1, 64)), nil
}
