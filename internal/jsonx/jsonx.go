// Package jsonx holds the small JSON helpers the runtime, the stores and the
// operations layer share: compact encoding without HTML escaping, equality
// by value, copying a map of raw JSON values and the syntax of numbers.
package jsonx

import (
	"bytes"
	"encoding/json"
	"reflect"
	"unicode/utf8"
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

// AppendString appends s to b as a JSON string, as encoding/json writes it
// with HTML escaping on (so that it is safe in any page): invalid UTF-8
// becomes U+FFFD, and U+2028 and U+2029 are escaped. It does not allocate
// beyond growing b.
func AppendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	i := 0
	for i < len(s) && plain[s[i]] {
		i++
	}
	if i == len(s) { // most strings: nothing to escape
		b = append(b, s...)
		return append(b, '"')
	}
	start := 0
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if plain[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// plain marks the bytes AppendString copies as they are: ASCII but the
// control characters, the quote, the backslash and <, >, &.
var plain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// NumberLen returns the length of the JSON number b starts with (RFC 8259:
// an optional minus, an integer part without leading zeros, an optional
// fraction and exponent), 0 when b does not start with one.
func NumberLen(b []byte) int {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		i = digits(b, i)
	default:
		return 0
	}
	if i < len(b) && b[i] == '.' {
		j := digits(b, i+1)
		if j == i+1 {
			return 0
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(b, i)
		if j == i {
			return 0
		}
		i = j
	}
	return i
}

// digits returns the index of the first byte at or after i of b that is
// not a decimal digit.
func digits(b []byte, i int) int {
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		i++
	}
	return i
}
