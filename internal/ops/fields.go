package ops

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/flaggen/flaggen/internal/spec"
)

// This file holds the checks of the writes that set one field, which
// every operator surface (the command line, the admin API) makes alike.

// RequireReason refuses a blank reason for a write that requires one
// (disable, switching a release off); option names it in the message
// (e.g. "-reason").
func RequireReason(option, reason string) error {
	if strings.TrimSpace(reason) == "" {
		return Usagef("%s is required: say why, for the audit trail", option)
	}
	return nil
}

// ParseRollout returns the "percentage_rollout" value for text, a
// percentage from 0 to 100 (e.g. 25, 12.5 or 12.5%); what names text in
// the message.
func ParseRollout(what, text string) (json.RawMessage, error) {
	pct, err := strconv.ParseFloat(strings.TrimSuffix(text, "%"), 64)
	if err != nil || math.IsNaN(pct) || pct < 0 || pct > 100 {
		return nil, Usagef("%s must be a percentage from 0 to 100, not %q", what, text)
	}
	return json.RawMessage(strconv.FormatFloat(pct, 'f', -1, 64)), nil
}

// SetActive plans switching a flag on or off (enable, disable: SetField
// of "active").
func SetActive(on bool) Plan {
	return SetField("active", json.RawMessage(strconv.FormatBool(on)))
}

// CheckPatchField refuses a name that is not a patchable field
// (PatchFields), with the closest one; option names where it was
// given in the message (e.g. "-revert").
func CheckPatchField(option, name string) error {
	all := PatchFields()
	if slices.Contains(all, name) {
		return nil
	}
	msg := fmt.Sprintf("%s: %q is not a patchable field", option, name)
	if near := spec.Suggest(NormName(name), all); near != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", near)
	} else {
		msg += " (fields: " + strings.Join(all, ", ") + ")"
	}
	return Usagef("%s", msg)
}
