package cli

import "encoding/json"

var enableCmd = &Command{
	Name:  "enable",
	Args:  "NAME " + writeArgs + "[-reason TEXT] " + opsArgs,
	Short: "switch a flag on (active: true) in live state",
	Long: `Enable sets "active": true in flag NAME's live patch. The flag then serves
its targeting and rollout again; a flag a monitor tripped stays off until
'flaggen reset NAME'.`,
	Topics: writeTopics,
	Setup: setFieldSetup("say why in `TEXT`, for the audit trail (optional)", false, func([]string) (string, json.RawMessage, error) {
		return "active", json.RawMessage(`true`), nil
	}),
}
