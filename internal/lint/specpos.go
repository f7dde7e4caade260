package lint

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// pointerLine returns the 1-based line of the member key that JSON pointer
// ptr (RFC 6901, e.g. "/flags/new_ui/expires") names in src, or of the
// closest enclosing member that exists; 1 when nothing matches or src is not
// JSON. The spec has already been validated, so a best effort is enough.
func pointerLine(src []byte, ptr string) int {
	want := splitPointer(ptr)
	dec := json.NewDecoder(bytes.NewReader(src))
	best := 1
	// A frame is one open container with its current member key or array index.
	type frame struct {
		array bool
		key   string
		index int
		// expectKey is true in an object when the next string token is a key.
		expectKey bool
	}
	var stack []*frame
	matches := func() int { // how many leading elements of want the current path matches
		n := 0
		for n < len(stack) && n < len(want) {
			f := stack[n]
			seg := f.key
			if f.array {
				seg = strconv.Itoa(f.index)
			}
			if seg != want[n] {
				break
			}
			n++
		}
		return n
	}
	afterValue := func() {
		if len(stack) == 0 {
			return
		}
		top := stack[len(stack)-1]
		if top.array {
			top.index++
		} else {
			top.expectKey = true
		}
	}
	for {
		before := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil { // io.EOF, or not JSON
			return best
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				if len(stack) > 0 {
					stack[len(stack)-1].expectKey = false
				}
				stack = append(stack, &frame{array: t == '[', expectKey: t == '{'})
			case '}', ']':
				stack = stack[:len(stack)-1]
				afterValue()
			}
			continue
		case string:
			top := (*frame)(nil)
			if len(stack) > 0 {
				top = stack[len(stack)-1]
			}
			if top != nil && !top.array && top.expectKey {
				top.key = t
				top.expectKey = false
				if n := matches(); n == len(stack) && n <= len(want) {
					// The key starts after the whitespace and comma that
					// precede it; count lines up to its first quote.
					off := int(before)
					if i := bytes.IndexByte(src[off:], '"'); i >= 0 {
						off += i
					}
					best = 1 + bytes.Count(src[:off], []byte("\n"))
					if n == len(want) {
						return best
					}
				}
				continue
			}
		}
		afterValue()
	}
}

// splitPointer splits a JSON pointer into its unescaped reference tokens.
func splitPointer(ptr string) []string {
	if ptr == "" {
		return nil
	}
	parts := strings.Split(strings.TrimPrefix(ptr, "/"), "/")
	for i, p := range parts {
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(p, "~1", "/"), "~0", "~")
	}
	return parts
}
