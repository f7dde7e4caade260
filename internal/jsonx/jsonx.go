// Package jsonx holds the small JSON helpers the runtime, the stores and the
// operations layer share: compact encoding without HTML escaping, equality
// by value and copying a map of raw JSON values.
package jsonx

import (
	"bytes"
	"encoding/json"
	"reflect"
)

// MarshalCompact encodes v as one line of JSON without escaping HTML
// characters (<, >, &), which operators read as they are. Map keys come
// out sorted, as encoding/json writes them.
func MarshalCompact(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// Equal reports whether a and b are the same JSON value (byte equality
// when either does not parse).
func Equal(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return bytes.Equal(a, b)
	}
	return reflect.DeepEqual(x, y)
}

// CloneMap returns a copy of m as raw JSON values (from strings, as Redis
// returns them, or from bytes): the copies share one backing array (one
// allocation, not one per value), each capped at its own length so that
// appending to one cannot overwrite the next. A nil value stays nil.
func CloneMap[S ~string | ~[]byte](m map[string]S) map[string]json.RawMessage {
	total := 0
	for _, p := range m {
		total += len(p)
	}
	buf := make([]byte, 0, total)
	out := make(map[string]json.RawMessage, len(m))
	for name, p := range m {
		if len(p) == 0 {
			out[name] = json.RawMessage(p)[:0:0] // nil stays nil; nothing shared
			continue
		}
		start := len(buf)
		buf = append(buf, p...)
		out[name] = json.RawMessage(buf[start:len(buf):len(buf)])
	}
	return out
}
