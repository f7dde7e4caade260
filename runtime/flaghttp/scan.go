package flaghttp

import (
	"bytes"
	"encoding/binary"
	"math/bits"

	"github.com/flaggen/flaggen/internal/jsonx"
)

// maxDepth bounds the nesting the scanner follows.
const maxDepth = 32

// scanner walks a JSON document without allocating, for the OFREP request
// bodies: it finds the context object and its members, validating the
// syntax as it goes. Anything it does not take (too deep, or invalid) makes
// the caller fall back to encoding/json, which explains the problem.
type scanner struct {
	s []byte
	i int
}

func (sc *scanner) ws() {
	if sc.i < len(sc.s) && sc.s[sc.i] > ' ' { // the usual case: none
		return
	}
	for sc.i < len(sc.s) {
		switch sc.s[sc.i] {
		case ' ', '\t', '\n', '\r':
			sc.i++
		default:
			return
		}
	}
}

// special marks the bytes a string's scan must stop at: the quote, the
// backslash and control characters.
var special = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// specialBytes returns the word x (eight bytes, little-endian) with the
// high bit set in the lowest byte that is special (a quote, a backslash or
// a control character), if any; bits above it may be set too. (SWAR: a
// byte b is below n when b-n borrows and b has no high bit of its own;
// the borrow of a lower byte can flag a higher one, never a lower one.)
func specialBytes(x uint64) uint64 {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	q := x ^ (lo * '"')
	bs := x ^ (lo * '\\')
	return ((x - lo*0x20) | (q - lo) | (bs - lo)) &^ x & hi
}

// str reads a string, returning it with its quotes and whether it holds
// escapes.
func (sc *scanner) str() (raw []byte, esc, ok bool) {
	start := sc.i
	if sc.i >= len(sc.s) || sc.s[sc.i] != '"' {
		return nil, false, false
	}
	sc.i++
	for sc.i < len(sc.s) {
		// Eight bytes at a time up to the first special one, while eight
		// are left (past the string's end is harmless: its quote comes
		// first).
		for sc.i+8 <= len(sc.s) {
			m := specialBytes(binary.LittleEndian.Uint64(sc.s[sc.i:]))
			if m != 0 {
				sc.i += bits.TrailingZeros64(m) >> 3
				break
			}
			sc.i += 8
		}
		if sc.i >= len(sc.s) {
			break
		}
		c := sc.s[sc.i]
		if !special[c] {
			sc.i++
			continue
		}
		switch {
		case c == '"':
			sc.i++
			return sc.s[start:sc.i], esc, true
		case c == '\\':
			esc = true
			if sc.i+1 >= len(sc.s) {
				return nil, false, false
			}
			switch sc.s[sc.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				sc.i += 2
			case 'u':
				if sc.i+6 > len(sc.s) {
					return nil, false, false
				}
				for _, h := range sc.s[sc.i+2 : sc.i+6] {
					if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
						return nil, false, false
					}
				}
				sc.i += 6
			default:
				return nil, false, false
			}
		case c < 0x20:
			return nil, false, false
		default:
			sc.i++
		}
	}
	return nil, false, false
}

// number reads a JSON number.
func (sc *scanner) number() bool {
	n := jsonx.NumberLen(sc.s[sc.i:])
	sc.i += n
	return n > 0
}

// members is a callback of object: a member's name (quoted), whether the
// name holds escapes, and its value; returning false stops the walk as a
// failure.
type members func(name []byte, esc bool, val []byte) bool

// anyMembers takes every member.
func anyMembers([]byte, bool, []byte) bool { return true }

// value reads any JSON value and returns its bytes; fn, when not nil, gets
// the members of an object value as object reads them.
func (sc *scanner) value(depth int, fn members) ([]byte, bool) {
	sc.ws()
	start := sc.i
	if sc.i >= len(sc.s) || depth > maxDepth {
		return nil, false
	}
	ok := true
	switch c := sc.s[sc.i]; {
	case c == '"':
		_, _, ok = sc.str()
	case c == '{':
		if fn == nil {
			fn = anyMembers
		}
		ok = sc.object(depth, fn, nil)
	case c == '[':
		sc.i++
		sc.ws()
		if sc.i < len(sc.s) && sc.s[sc.i] == ']' {
			sc.i++
			break
		}
		for ok {
			if _, ok = sc.value(depth+1, nil); !ok {
				break
			}
			sc.ws()
			if sc.i < len(sc.s) && sc.s[sc.i] == ',' {
				sc.i++
				continue
			}
			ok = sc.i < len(sc.s) && sc.s[sc.i] == ']'
			sc.i++
			break
		}
	case c == 't':
		ok = sc.word("true")
	case c == 'f':
		ok = sc.word("false")
	case c == 'n':
		ok = sc.word("null")
	default:
		ok = sc.number()
	}
	if !ok {
		return nil, false
	}
	return sc.s[start:sc.i], true
}

func (sc *scanner) word(w string) bool {
	if !bytes.HasPrefix(sc.s[sc.i:], []byte(w)) {
		return false
	}
	sc.i += len(w)
	return true
}

// object reads an object (sc.i at its '{'), calling fn with each member
// once its value is read. At depth 0 (the body), the value of a "context"
// member that is an object has its members given to ctx (when not nil) as
// they are read.
func (sc *scanner) object(depth int, fn, ctx members) bool {
	sc.i++
	sc.ws()
	if sc.i < len(sc.s) && sc.s[sc.i] == '}' {
		sc.i++
		return true
	}
	for {
		sc.ws()
		name, esc, ok := sc.str()
		if !ok {
			return false
		}
		sc.ws()
		if sc.i >= len(sc.s) || sc.s[sc.i] != ':' {
			return false
		}
		sc.i++
		var sub members
		if depth == 0 && !esc && string(name) == `"context"` {
			sub = ctx
		}
		val, ok := sc.value(depth+1, sub)
		if !ok || !fn(name, esc, val) {
			return false
		}
		sc.ws()
		if sc.i >= len(sc.s) {
			return false
		}
		switch sc.s[sc.i] {
		case ',':
			sc.i++
		case '}':
			sc.i++
			return true
		default:
			return false
		}
	}
}

// contextOf returns the raw value of the "context" member of the request
// body (nil when absent; the last one when repeated), how many "context"
// members the body has, and whether the body is a valid JSON object the
// scanner could walk whole. ctx, when not nil, gets the members of every
// "context" member that is an object, as the walk reads them: its calls
// for a body that is not taken whole, or has more than one "context", are
// to be discarded.
func contextOf(body []byte, ctx members) (raw []byte, n int, ok bool) {
	sc := scanner{s: body}
	sc.ws()
	if sc.i >= len(sc.s) || sc.s[sc.i] != '{' {
		return nil, 0, false
	}
	ok = sc.object(0, func(name []byte, esc bool, val []byte) bool {
		if esc {
			return false // let encoding/json unescape it
		}
		if string(name) == `"context"` {
			raw = val
			n++
		}
		return true
	}, ctx)
	sc.ws()
	return raw, n, ok && sc.i == len(sc.s)
}
