package spec

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// Error is one problem in a spec or a patch: where (file, 1-based line and
// byte column, JSON pointer) and what.
type Error struct {
	File    string
	Line    int // 0 when the position is unknown (e.g. Apply errors)
	Col     int
	Pointer string // RFC 6901 JSON pointer of the offending value; "" for the whole document
	Msg     string

	atKey bool // position the error at the member's key rather than its value
}

// Error formats e as "FILE:LINE:COL: /json/pointer: message", leaving out the
// parts that are unknown.
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
	}
	if e.Line > 0 {
		if b.Len() > 0 {
			b.WriteByte(':')
		}
		b.WriteString(strconv.Itoa(e.Line))
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.Col))
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	if e.Pointer != "" {
		b.WriteString(e.Pointer)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ErrorList is every problem found in one run, sorted by position.
type ErrorList []*Error

// Error returns the errors one per line.
func (l ErrorList) Error() string {
	lines := make([]string, len(l))
	for i, e := range l {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// sortDedup sorts l by file, line, column, pointer and message, and drops
// exact duplicates. It copies each pointer, which may share the memory of
// a whole decoded tree's pointers (elemPointers), so that a kept error
// does not keep that.
func (l ErrorList) sortDedup() ErrorList {
	for _, e := range l {
		e.Pointer = strings.Clone(e.Pointer)
	}
	slices.SortStableFunc(l, func(a, b *Error) int {
		return cmp.Or(
			cmp.Compare(a.File, b.File),
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Col, b.Col),
			cmp.Compare(a.Pointer, b.Pointer),
			cmp.Compare(a.Msg, b.Msg),
		)
	})
	return slices.CompactFunc(l, func(a, b *Error) bool {
		return a.File == b.File && a.Line == b.Line && a.Col == b.Col && a.Pointer == b.Pointer && a.Msg == b.Msg
	})
}
