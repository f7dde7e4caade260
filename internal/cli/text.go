package cli

import (
	"encoding/json"

	"github.com/flaggen/flaggen/internal/jsonx"
)

// Text read from Redis is escaped for display by ops.Shown; this file
// keeps a stored value that is not JSON from breaking -json output.

// invalidJSON is how -json output shows a stored value (e.g. a live
// patch) that is not valid JSON: its raw text and why it does not parse.
type invalidJSON struct {
	InvalidJSON string `json:"invalid_json"`
	Error       string `json:"error"`
}

// jsonShown returns raw when it is valid JSON (or empty), else raw as an
// invalidJSON object, so that -json output always encodes.
func jsonShown(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return raw
	}
	var v any
	err := json.Unmarshal(raw, &v)
	if err == nil {
		return raw
	}
	b, _ := jsonx.MarshalCompact(invalidJSON{InvalidJSON: string(raw), Error: err.Error()})
	return b
}

// jsonShownMap applies jsonShown to every value of m.
func jsonShownMap(m map[string]json.RawMessage) map[string]json.RawMessage {
	if m == nil {
		return nil
	}
	out := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		out[k] = jsonShown(v)
	}
	return out
}
