package spec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// IDs is an allow-list of key attribute values (Flag.Users): integers or
// strings, in the order written. It is held compactly, for lists of a
// million entries: integers in one []int64, strings in one buffer with an
// end offset each, plus a sorted index when they are not written in order,
// so an entry costs its size and at most 8 bytes more, and no pointer.
// An IDs is not modified once built.
type IDs struct {
	strs   bool     // string ids, else integers
	ints   []int64  // the integers, in order
	buf    string   // the strings, concatenated
	ends   []uint32 // string i is buf[ends[i-1]:ends[i]]
	order  []uint32 // string entries by ascending value; nil when written so
	sorted []int64  // the integers in ascending order; nil when written so
}

// IntIDs returns an allow-list of integers.
func IntIDs(ids ...int64) *IDs {
	l := &IDs{ints: slices.Clip(slices.Clone(ids))}
	l.index()
	return l
}

// StringIDs returns an allow-list of strings.
func StringIDs(ids ...string) *IDs {
	size := 0
	for _, s := range ids {
		size += len(s)
	}
	var buf strings.Builder
	buf.Grow(size)
	l := &IDs{strs: true, ends: make([]uint32, len(ids))}
	for i, s := range ids {
		buf.WriteString(s)
		l.ends[i] = uint32(buf.Len())
	}
	l.buf = buf.String()
	l.index()
	return l
}

// index sorts the entries, when not already ascending.
func (l *IDs) index() {
	if !l.strs {
		if !slices.IsSorted(l.ints) {
			l.sorted = slices.Clone(l.ints)
			slices.Sort(l.sorted)
		}
		return
	}
	n := l.Len()
	less := func(i, j int) int { return strings.Compare(l.String(i), l.String(j)) }
	sorted := true
	for i := 1; i < n && sorted; i++ {
		sorted = less(i-1, i) <= 0
	}
	if sorted {
		return
	}
	l.order = make([]uint32, n)
	for i := range l.order {
		l.order[i] = uint32(i)
	}
	slices.SortFunc(l.order, func(a, b uint32) int { return less(int(a), int(b)) })
}

// Len returns the number of entries.
func (l *IDs) Len() int {
	if l.strs {
		return len(l.ends)
	}
	return len(l.ints)
}

// Strings reports whether the ids are strings (else integers).
func (l *IDs) Strings() bool { return l.strs }

// Int returns integer entry i.
func (l *IDs) Int(i int) int64 { return l.ints[i] }

// String returns string entry i.
func (l *IDs) String(i int) string {
	start := uint32(0)
	if i > 0 {
		start = l.ends[i-1]
	}
	return l.buf[start:l.ends[i]]
}

// At returns entry i as an int64 or a string.
func (l *IDs) At(i int) any {
	if l.strs {
		return l.String(i)
	}
	return l.ints[i]
}

// sortedAt returns the position of the i-th smallest entry.
func (l *IDs) sortedAt(i int) int {
	if l.order == nil {
		return i
	}
	return int(l.order[i])
}

// HasInt reports whether the integer id is listed, in O(log n) and
// without allocating.
func (l *IDs) HasInt(id int64) bool {
	if l == nil || l.strs {
		return false
	}
	s := l.sorted
	if s == nil {
		s = l.ints
	}
	_, ok := slices.BinarySearch(s, id)
	return ok
}

// HasString reports whether the string id is listed, in O(log n) and
// without allocating.
func (l *IDs) HasString(id string) bool {
	if l == nil || !l.strs {
		return false
	}
	lo, hi := 0, len(l.ends)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if l.String(l.sortedAt(m)) < id {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo < len(l.ends) && l.String(l.sortedAt(lo)) == id
}

// MarshalJSON writes the ids as a JSON array, in order.
func (l *IDs) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('[')
	for i := range l.Len() {
		if i > 0 {
			b.WriteByte(',')
		}
		if !l.strs {
			b.WriteString(strconv.FormatInt(l.ints[i], 10))
			continue
		}
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(l.String(i)); err != nil {
			return nil, err
		}
		b.Truncate(b.Len() - 1) // Encode's newline
	}
	b.WriteByte(']')
	return b.Bytes(), nil
}

// GoString shows the ids for tests and debugging.
func (l *IDs) GoString() string {
	parts := make([]string, l.Len())
	for i := range parts {
		parts[i] = fmt.Sprintf("%#v", l.At(i))
	}
	return "spec.IDs{" + strings.Join(parts, ", ") + "}"
}
