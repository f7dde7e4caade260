package cli

import "encoding/json"

var disableCmd = &Command{
	Name:  "disable",
	Args:  "NAME -reason TEXT " + writeArgs + opsArgs,
	Short: "switch a flag off (the kill switch) in live state",
	Long: `Disable sets "active": false in flag NAME's live patch: the flag is off for
everyone, in every instance, until 'flaggen enable NAME'. -reason is
required.`,
	Topics: writeTopics,
	Setup: setFieldSetup("say why the flag is switched off in `TEXT`, for the audit trail (required)", true, func([]string) (string, json.RawMessage, error) {
		return "active", json.RawMessage(`false`), nil
	}),
}
