package spec

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// fastDecoder builds the same tree as decoder, reading src directly
// instead of through json.Decoder's tokens (which allocate, and build an
// error for every number they read): live patches are decoded by the
// thousand at start-up. It handles well-formed documents without
// duplicate keys; on anything else it gives up (ok false) and
// decodeDocument decodes with decoder, which reports the problem.
// FuzzFastDecoder checks that both build the same document.
type fastDecoder struct {
	doc    *document
	src    []byte
	srcStr string // src as a string, that numbers are slices of
	off    int
	slab   []node // nodes are allocated from, a chunk at a time

	// The members or elements of the objects and arrays being read, on a
	// stack: each container takes its own in one piece when it ends,
	// carved from elemSlab and keySlab.
	elemStack []*node
	keyStack  []string
	elemSlab  []*node
	keySlab   []string
}

// slabChunk is how many nodes, or slice entries, a slab allocation holds.
const slabChunk = 1024

// carve returns a slice of the len(items) entries of items, from *slab
// (one allocation for many small containers), with no room to append
// over a neighbour.
func carve[T any](slab *[]T, items []T) []T {
	k := len(items)
	if k > len(*slab) {
		if k > slabChunk/4 {
			return append(make([]T, 0, k), items...)
		}
		*slab = make([]T, slabChunk)
	}
	out := (*slab)[:k:k]
	*slab = (*slab)[k:]
	copy(out, items)
	return out
}

// newNode returns a new node, from d.slab.
func (d *fastDecoder) newNode() *node {
	if len(d.slab) == 0 {
		d.slab = make([]node, slabChunk/8)
	}
	n := &d.slab[0]
	d.slab = d.slab[1:]
	return n
}

// fastDecode decodes doc.src into doc.root (doc.byPtr is left to nodeAt),
// or reports false.
func fastDecode(doc *document, base string) bool {
	d := &fastDecoder{doc: doc, src: doc.src, srcStr: string(doc.src)}
	root, ok := d.value(base, -1, 0)
	if !ok {
		return false
	}
	d.space()
	if d.off != len(d.src) {
		return false
	}
	doc.root = root
	return true
}

func (d *fastDecoder) space() {
	for d.off < len(d.src) {
		switch d.src[d.off] {
		case ' ', '\t', '\r', '\n':
			d.off++
		default:
			return
		}
	}
}

// value reads the value at d.off (after white space).
func (d *fastDecoder) value(ptr string, keyOff, depth int) (*node, bool) {
	d.space()
	if d.off >= len(d.src) || depth > maxDepth {
		return nil, false
	}
	n := d.newNode()
	n.off, n.keyOff, n.ptr = d.off, keyOff, ptr
	switch c := d.src[d.off]; {
	case c == '{':
		n.kind = kObject
		if d.open('}') {
			break
		}
		var seen map[string]bool // past a few keys; before, the keys are searched
		mark, elemMark := len(d.keyStack), len(d.elemStack)
		for done := false; !done; {
			d.space()
			koff := d.off
			key, ok := d.str()
			if !ok || seen[key] || seen == nil && slices.Contains(d.keyStack[mark:], key) {
				return nil, false // a duplicate key: decoder reports it
			}
			if seen == nil && len(d.keyStack)-mark == 16 {
				seen = make(map[string]bool, 32)
				for _, k := range d.keyStack[mark:] {
					seen[k] = true
				}
			}
			if seen != nil {
				seen[key] = true
			}
			d.space()
			if d.peek() != ':' {
				return nil, false
			}
			d.off++
			e, ok := d.value(ptr+"/"+escapeToken(key), koff, depth+1)
			if !ok {
				return nil, false
			}
			d.keyStack = append(d.keyStack, key)
			d.elemStack = append(d.elemStack, e)
			if done, ok = d.more('}'); !ok {
				return nil, false
			}
		}
		n.keys = carve(&d.keySlab, d.keyStack[mark:])
		n.elems = carve(&d.elemSlab, d.elemStack[elemMark:])
		d.keyStack, d.elemStack = d.keyStack[:mark], d.elemStack[:elemMark]
	case c == '[':
		n.kind = kArray
		if d.open(']') {
			break
		}
		scalars := 0 // elements whose pointer is left to elemPointers
		mark := len(d.elemStack)
		var own []*node // a long array's elements, past the stack
		for done := false; !done; {
			d.space()
			eptr := ""
			if c := d.peek(); c == '{' || c == '[' {
				eptr = ptr + "/" + strconv.Itoa(len(own)+len(d.elemStack)-mark)
			} else {
				scalars++
			}
			e, ok := d.value(eptr, -1, depth+1)
			if !ok {
				return nil, false
			}
			if own != nil {
				own = append(own, e)
			} else if d.elemStack = append(d.elemStack, e); len(d.elemStack)-mark > slabChunk/4 {
				own = slices.Clone(d.elemStack[mark:])
				d.elemStack = d.elemStack[:mark]
			}
			if done, ok = d.more(']'); !ok {
				return nil, false
			}
		}
		n.elems = own
		if own == nil {
			n.elems = carve(&d.elemSlab, d.elemStack[mark:])
			d.elemStack = d.elemStack[:mark]
		}
		if scalars > 0 {
			elemPointers(n, ptr)
		}
	case c == '"':
		s, ok := d.str()
		if !ok {
			return nil, false
		}
		n.kind, n.str = kString, s
	case c == '-' || c >= '0' && c <= '9':
		num, ok := d.number()
		if !ok {
			return nil, false
		}
		n.kind, n.num = kNumber, num
	default:
		switch {
		case d.literal("true"):
			n.kind, n.b = kBool, true
		case d.literal("false"):
			n.kind = kBool
		case d.literal("null"):
			n.kind = kNull
		default:
			return nil, false
		}
	}
	n.end = d.off
	return n, true
}

// peek returns the byte at d.off, 0 at the end.
func (d *fastDecoder) peek() byte {
	if d.off < len(d.src) {
		return d.src[d.off]
	}
	return 0
}

// open consumes the opening byte of an object or array and reports
// whether its closing byte follows (consumed too: it is empty).
func (d *fastDecoder) open(closing byte) (empty bool) {
	d.off++
	d.space()
	if d.peek() == closing {
		d.off++
		return true
	}
	return false
}

// more consumes, after a member or an element and white space, the ','
// before the next one or the closing byte (done); ok is false for
// anything else.
func (d *fastDecoder) more(closing byte) (done, ok bool) {
	d.space()
	switch d.peek() {
	case ',':
		d.off++
		return false, true
	case closing:
		d.off++
		return true, true
	}
	return false, false
}

// literal consumes word when it is next and ends there.
func (d *fastDecoder) literal(word string) bool {
	end := d.off + len(word)
	if end > len(d.src) || string(d.src[d.off:end]) != word || end < len(d.src) && isIdentByte(d.src[end]) {
		return false
	}
	d.off = end
	return true
}

func isIdentByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c >= 0x80
}

// str reads a JSON string; one with escapes or bytes that are not plain
// UTF-8 text is unquoted by encoding/json.
func (d *fastDecoder) str() (string, bool) {
	if d.off >= len(d.src) || d.src[d.off] != '"' {
		return "", false
	}
	start := d.off
	plain := true
	i := start + 1
	for ; i < len(d.src); i++ {
		c := d.src[i]
		if c == '"' {
			break
		}
		if c == '\\' {
			plain = false
			i++
		} else if c < 0x20 {
			return "", false
		} else if c >= 0x80 {
			plain = false
		}
	}
	if i >= len(d.src) {
		return "", false
	}
	d.off = i + 1
	if plain {
		return string(d.src[start+1 : i]), true
	}
	if !utf8.Valid(d.src[start+1 : i]) {
		return "", false
	}
	var s string
	if json.Unmarshal(d.src[start:i+1], &s) != nil {
		return "", false
	}
	return s, true
}

// number reads a number of the JSON grammar, followed by a byte that
// cannot continue it.
func (d *fastDecoder) number() (json.Number, bool) {
	src, i := d.src, d.off
	digits := func() bool {
		j := i
		for i < len(src) && src[i] >= '0' && src[i] <= '9' {
			i++
		}
		return i > j
	}
	if src[i] == '-' {
		i++
	}
	switch {
	case i < len(src) && src[i] == '0':
		i++
	case !digits():
		return "", false
	}
	if i < len(src) && src[i] == '.' {
		i++
		if !digits() {
			return "", false
		}
	}
	if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
		i++
		if i < len(src) && (src[i] == '+' || src[i] == '-') {
			i++
		}
		if !digits() {
			return "", false
		}
	}
	if i < len(src) && (isIdentByte(src[i]) || src[i] == '.' || src[i] == '-' || src[i] == '+') {
		return "", false
	}
	num := json.Number(d.srcStr[d.off:i])
	d.off = i
	return num, true
}

// elemPointers sets the pointers of the scalar elements of array n (at
// ptr), left empty while decoding: in one allocation for them all rather
// than one each. (They share its memory while the tree lives.)
func elemPointers(n *node, ptr string) {
	size := 0
	for i, e := range n.elems {
		if e.ptr == "" {
			size += len(ptr) + 1 + digitCount(i)
		}
	}
	var buf strings.Builder
	buf.Grow(size)
	var digits [20]byte
	for i, e := range n.elems {
		if e.ptr == "" {
			buf.WriteString(ptr)
			buf.WriteByte('/')
			buf.Write(strconv.AppendInt(digits[:0], int64(i), 10))
		}
	}
	all := buf.String()
	off := 0
	for i, e := range n.elems {
		if e.ptr == "" {
			end := off + len(ptr) + 1 + digitCount(i)
			e.ptr, off = all[off:end], end
		}
	}
}

// digitCount returns the number of decimal digits of i >= 0.
func digitCount(i int) int {
	n := 1
	for ; i >= 10; i /= 10 {
		n++
	}
	return n
}
