package ops

import (
	"encoding/json"

	"github.com/flaggen/flaggen/internal/jsonx"
)

// This file keeps a stored value that is not JSON (read from a shared
// store, which code may write to directly) from breaking JSON output: the
// command line's -json and the admin API.

// InvalidJSON is how JSON output shows a stored value (e.g. a live patch)
// that is not valid JSON: its raw text and why it does not parse.
type InvalidJSON struct {
	InvalidJSON string `json:"invalid_json"`
	Error       string `json:"error"`
}

// JSONShown returns raw when it is valid JSON (or empty), else raw as an
// InvalidJSON object, so that JSON output always encodes.
func JSONShown(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return raw
	}
	var v any
	err := json.Unmarshal(raw, &v)
	if err == nil {
		return raw
	}
	b, _ := jsonx.MarshalCompact(InvalidJSON{InvalidJSON: string(raw), Error: err.Error()})
	return b
}

// JSONShownMap applies JSONShown to every value of m.
func JSONShownMap(m map[string]json.RawMessage) map[string]json.RawMessage {
	if m == nil {
		return nil
	}
	out := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		out[k] = JSONShown(v)
	}
	return out
}
