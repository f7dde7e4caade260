package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// kind is the JSON type of a node.
type kind uint8

const (
	kNull kind = iota
	kBool
	kNumber
	kString
	kArray
	kObject
)

func (k kind) String() string {
	return [...]string{"null", "boolean", "number", "string", "array", "object"}[k]
}

// node is one JSON value with its position: the one decoded form that the
// schema validation, the spec builder and the patch decoder all read.
type node struct {
	kind   kind
	b      bool // kBool
	off    int  // byte offset of the value
	end    int  // byte offset just past the value
	keyOff int  // byte offset of the member's key, or -1
	ptr    string
	str    string      // kString
	num    json.Number // kNumber
	keys   []string    // kObject, in source order
	elems  []*node     // kObject values (aligned with keys) or kArray items
}

// get returns the member key of object n, or nil.
func (n *node) get(key string) *node {
	if n == nil || n.kind != kObject {
		return nil
	}
	for i, k := range n.keys {
		if k == key {
			return n.elems[i]
		}
	}
	return nil
}

// toSchemaValue converts n to the form jsonschema validates
// (map[string]any, []any, json.Number, string, bool, nil).
func (n *node) toSchemaValue() any { return n.schemaValue(nil) }

// schemaValue is toSchemaValue, with each array in stubs (known valid)
// given as an empty array, and each object in stubs left out of the object
// that holds it.
func (n *node) schemaValue(stubs map[*node]bool) any {
	switch n.kind {
	case kBool:
		return n.b
	case kNumber:
		return n.num
	case kString:
		return n.str
	case kArray:
		if stubs[n] {
			return []any{}
		}
		a := make([]any, len(n.elems))
		for i, e := range n.elems {
			a[i] = e.schemaValue(stubs)
		}
		return a
	case kObject:
		m := make(map[string]any, len(n.keys))
		for i, k := range n.keys {
			if k == "" {
				k = emptyKeyStandIn(n.keys)
			}
			if e := n.elems[i]; e.kind != kObject || !stubs[e] {
				m[k] = e.schemaValue(stubs)
			}
		}
		return m
	}
	return nil
}

// emptyKeyStandIn returns the key the validator sees for the empty key of
// an object with keys: jsonschema leaves an empty key's token out of its
// error locations, which would then name another value (or none).
// No schema property has an empty name or NUL bytes, so the stand-in is
// validated as the empty key would be; it is not one of keys, so that
// instanceNode can tell it apart.
func emptyKeyStandIn(keys []string) string {
	s := "\x00"
	for slices.Contains(keys, s) {
		s += "\x00"
	}
	return s
}

// natural converts n to plain Go values: int64 for integral numbers that fit,
// float64 for other numbers, string, bool, []any, map[string]any, nil.
func (n *node) natural() any {
	switch n.kind {
	case kNumber:
		return number(n.num)
	case kArray:
		a := make([]any, len(n.elems))
		for i, e := range n.elems {
			a[i] = e.natural()
		}
		return a
	case kObject:
		m := make(map[string]any, len(n.keys))
		for i, k := range n.keys {
			m[k] = n.elems[i].natural()
		}
		return m
	}
	return n.toSchemaValue()
}

// number converts a JSON number to int64 when its exact value is an
// integer that fits, else to float64 (±Inf beyond float64's range): an
// integer out of int64's range is never rounded into it.
func number(num json.Number) any {
	if i, integral, fits := exactInt(string(num)); integral && fits {
		return i
	}
	f, err := strconv.ParseFloat(string(num), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return math.Inf(1)
	}
	return f
}

// exactInt reads a number of the JSON grammar exactly: integral reports
// whether its value is a whole number ("1.0", "1e3" and "-0" are), and fits
// whether that number is within int64's range, then i is it.
func exactInt(num string) (i int64, integral, fits bool) {
	if i, ok := digitsInt(num); ok {
		return i, true, true
	}
	neg := strings.HasPrefix(num, "-")
	num = strings.TrimPrefix(num, "-")
	mant, exp := num, 0
	if k := strings.IndexAny(num, "eE"); k >= 0 {
		mant = num[:k]
		e, err := strconv.Atoi(num[k+1:])
		if err != nil { // an exponent beyond int's range
			if strings.HasPrefix(num[k+1:], "-") {
				return 0, strings.Trim(mant, "0.") == "", strings.Trim(mant, "0.") == ""
			}
			return 0, true, strings.Trim(mant, "0.") == ""
		}
		exp = e
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	digits := strings.TrimLeft(intPart+frac, "0")
	exp -= len(frac)
	for strings.HasSuffix(digits, "0") {
		digits, exp = digits[:len(digits)-1], exp+1
	}
	switch {
	case digits == "":
		return 0, true, true
	case exp < 0:
		return 0, false, false
	case len(digits)+exp > 19:
		return 0, true, false
	}
	s := digits + strings.Repeat("0", exp)
	if neg {
		s = "-" + s
	}
	i, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, true, false
	}
	return i, true, true
}

// digitsInt reads num when it is a plain decimal integer (an optional
// minus, then digits) of at most 18 digits, the common case, quickly.
func digitsInt(num string) (int64, bool) {
	neg := len(num) > 0 && num[0] == '-'
	if neg {
		num = num[1:]
	}
	if len(num) == 0 || len(num) > 18 {
		return 0, false
	}
	var i int64
	for k := 0; k < len(num); k++ {
		c := num[k]
		if c < '0' || c > '9' {
			return 0, false
		}
		i = i*10 + int64(c-'0')
	}
	if neg {
		i = -i
	}
	return i, true
}

// document is a decoded JSON file: its tree and what maps pointers back to
// line:col.
type document struct {
	file  string
	src   []byte
	base  string // pointer prefix of every node
	lines []int  // byte offset of each line start
	root  *node
	byPtr map[string]*node // every node by pointer (see nodeAt)
}

// nodeAt returns the node at pointer ptr. A document fastDecode read
// indexes its nodes on first use (most are never asked).
func (doc *document) nodeAt(ptr string) (*node, bool) {
	if doc.byPtr == nil {
		doc.byPtr = map[string]*node{}
		var index func(n *node)
		index = func(n *node) {
			doc.byPtr[n.ptr] = n
			for _, e := range n.elems {
				index(e)
			}
		}
		index(doc.root)
	}
	n, ok := doc.byPtr[ptr]
	return n, ok
}

// maxDepth bounds nesting so that hostile input cannot exhaust the stack.
const maxDepth = 256

type decoder struct {
	doc *document
	dec *json.Decoder
	dup ErrorList
}

// decodeDocument reads one JSON value with positions. Duplicate object keys
// are reported (the first occurrence wins) and decoding goes on; a syntax
// error stops it and is returned as the only error.
//
// base prefixes every pointer: a live patch of flag f is decoded with base
// "/flags/f", so that its nodes carry the pointers of the spec they patch.
func decodeDocument(file string, src []byte, base string) (*document, ErrorList) {
	return decodeDocumentWith(file, src, base, true)
}

// decodeDocumentWith is decodeDocument, trying fastDecode first when fast.
func decodeDocumentWith(file string, src []byte, base string, fast bool) (*document, ErrorList) {
	doc := &document{file: file, src: src, base: base}
	doc.lines = make([]int, 1, 1+bytes.Count(src, []byte("\n")))
	for off := 0; ; {
		i := bytes.IndexByte(src[off:], '\n')
		if i < 0 {
			break
		}
		off += i + 1
		doc.lines = append(doc.lines, off)
	}
	if bytes.HasPrefix(src, utf8BOM) {
		// A UTF-8 byte order mark (some Windows editors write one) is not
		// JSON: skip it as if it were white space, keeping byte offsets.
		src = append([]byte("   "), src[len(utf8BOM):]...)
		doc.src = src
	}
	if off, msg := badText(src); off >= 0 {
		line, col := doc.position(off)
		return nil, ErrorList{{File: file, Line: line, Col: col, Msg: msg}}
	}
	if fast && fastDecode(doc, base) {
		return doc, nil
	}
	doc.byPtr = map[string]*node{}
	d := &decoder{doc: doc, dec: json.NewDecoder(bytes.NewReader(src))}
	d.dec.UseNumber()
	root, err := d.value(base, -1, 0)
	if err == nil {
		off := int(d.dec.InputOffset())
		for off < len(src) && (src[off] == ' ' || src[off] == '\t' || src[off] == '\r' || src[off] == '\n') {
			off++
		}
		if off < len(src) {
			err = &posError{off, "syntax error: unexpected data after the top-level value"}
		}
	}
	if err != nil {
		var pe *posError
		if !errors.As(err, &pe) {
			pe = &posError{len(src), err.Error()}
		}
		line, col := doc.position(pe.off)
		return nil, ErrorList{{File: file, Line: line, Col: col, Msg: pe.msg}}
	}
	doc.root = root
	return doc, d.dup
}

var utf8BOM = []byte("\uFEFF")

// badText returns the offset of the first byte of src that is not UTF-8
// text, or of the first \u escape of a lone UTF-16 surrogate, with what
// is wrong; -1 when there is none. JSON text is UTF-8 (RFC 8259), and
// encoding/json would turn either silently into U+FFFD.
func badText(src []byte) (int, string) {
	if !utf8.Valid(src) {
		for off := 0; off < len(src); {
			r, size := utf8.DecodeRune(src[off:])
			if r == utf8.RuneError && size <= 1 {
				return off, fmt.Sprintf("invalid UTF-8 (byte 0x%02x): the spec and patches are UTF-8 text", src[off])
			}
			off += size
		}
	}
	// A backslash starts an escape when an even number of backslashes
	// precedes it (outside strings one is a syntax error anyway).
	for off := 0; ; {
		i := bytes.IndexByte(src[off:], '\\')
		if i < 0 {
			return -1, ""
		}
		off += i
		run := 1
		for off+run < len(src) && src[off+run] == '\\' {
			run++
		}
		if run%2 == 0 { // escaped backslashes
			off += run
			continue
		}
		off += run - 1 // the backslash that starts an escape
		if off+1 >= len(src) || src[off+1] != 'u' {
			off++
			continue
		}
		r1, ok := hex4(src, off+2)
		switch {
		case !ok || !utf16.IsSurrogate(r1):
		case r1 < 0xDC00: // a high surrogate: a low one must follow
			if r2, ok := hex4(src, off+8); ok && off+7 < len(src) && src[off+6] == '\\' && src[off+7] == 'u' && r2 >= 0xDC00 && r2 <= 0xDFFF {
				off += 6
				break
			}
			fallthrough
		default:
			return off, fmt.Sprintf("invalid escape %s: a lone UTF-16 surrogate is not a character", src[off:off+6])
		}
		off += 2
	}
}

// hex4 reads the 4 hex digits at src[off:], as in a \u escape.
func hex4(src []byte, off int) (rune, bool) {
	if off+4 > len(src) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(src[off:off+4]), 16, 32)
	return rune(n), err == nil
}

type posError struct {
	off int
	msg string
}

func (e *posError) Error() string { return e.msg }

// skip returns the offset of the next token at or after off, past
// whitespace and the ',' and ':' separators json.Decoder.Token consumes.
func (d *decoder) skip(off int) int {
	src := d.doc.src
	for off < len(src) {
		switch src[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
		default:
			return off
		}
	}
	return off
}

func (d *decoder) token() (json.Token, int, error) {
	off := d.skip(int(d.dec.InputOffset()))
	tok, err := d.dec.Token()
	if err != nil {
		// The Decoder's SyntaxError offsets are relative to the value it was
		// reading; json.Unmarshal's are absolute, so ask it where.
		var v any
		var se *json.SyntaxError
		switch uerr := json.Unmarshal(d.doc.src, &v); {
		case errors.As(uerr, &se) && se.Offset > 0:
			return nil, 0, &posError{int(se.Offset) - 1, "syntax error: " + strings.TrimPrefix(se.Error(), "json: ")}
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			return nil, 0, &posError{len(d.doc.src), "syntax error: unexpected end of JSON input"}
		}
		return nil, 0, &posError{off, "syntax error: " + strings.TrimPrefix(err.Error(), "json: ")}
	}
	return tok, off, nil
}

func (d *decoder) value(ptr string, keyOff, depth int) (*node, error) {
	tok, off, err := d.token()
	if err != nil {
		return nil, err
	}
	if depth > maxDepth {
		return nil, &posError{off, fmt.Sprintf("nesting deeper than %d levels", maxDepth)}
	}
	n := &node{off: off, keyOff: keyOff, ptr: ptr}
	d.doc.byPtr[ptr] = n
	switch t := tok.(type) {
	case nil:
		n.kind = kNull
	case bool:
		n.kind, n.b = kBool, t
	case json.Number:
		n.kind, n.num = kNumber, t
	case string:
		n.kind, n.str = kString, t
	case json.Delim:
		switch t {
		case '[':
			n.kind = kArray
			for d.dec.More() {
				e, err := d.value(ptr+"/"+strconv.Itoa(len(n.elems)), -1, depth+1)
				if err != nil {
					return nil, err
				}
				n.elems = append(n.elems, e)
			}
		case '{':
			n.kind = kObject
			seen := map[string]bool{}
			for d.dec.More() {
				ktok, koff, err := d.token()
				if err != nil {
					return nil, err
				}
				key, _ := ktok.(string)
				cptr := ptr + "/" + escapeToken(key)
				if seen[key] {
					// Decode the duplicate under a throw-away pointer so the
					// first occurrence keeps the real one.
					line, col := d.doc.position(koff)
					d.dup = append(d.dup, &Error{File: d.doc.file, Line: line, Col: col, Pointer: cptr,
						Msg: fmt.Sprintf("duplicate key %q", key)})
					if _, err := d.value("\x00dup"+cptr+"@"+strconv.Itoa(koff), koff, depth+1); err != nil {
						return nil, err
					}
					continue
				}
				seen[key] = true
				e, err := d.value(cptr, koff, depth+1)
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, key)
				n.elems = append(n.elems, e)
			}
		}
		if _, _, err := d.token(); err != nil { // the closing ] or }
			return nil, err
		}
	}
	n.end = int(d.dec.InputOffset())
	return n, nil
}

// escapeToken escapes one JSON pointer reference token (RFC 6901).
func escapeToken(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// position converts a byte offset to a 1-based line and byte column.
func (doc *document) position(off int) (line, col int) {
	i := sort.Search(len(doc.lines), func(i int) bool { return doc.lines[i] > off }) - 1
	if i < 0 {
		i = 0
	}
	return i + 1, off - doc.lines[i] + 1
}

// locate fills in e's file and position from its pointer: the value's (or,
// for atKey errors, the key's) position, else that of the nearest enclosing
// value the document has.
func (doc *document) locate(e *Error) *Error {
	e.File = doc.file
	if e.Line > 0 {
		return e
	}
	ptr := e.Pointer
	for {
		if n, ok := doc.nodeAt(ptr); ok {
			off := n.off
			if e.atKey && ptr == e.Pointer && n.keyOff >= 0 {
				off = n.keyOff
			}
			e.Line, e.Col = doc.position(off)
			return e
		}
		i := strings.LastIndexByte(ptr, '/')
		if i < 0 {
			e.Line, e.Col = 1, 1
			return e
		}
		ptr = ptr[:i]
	}
}
