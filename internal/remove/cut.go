package remove

import (
	"fmt"
	"slices"
)

// A cut removes Source[from:to] and puts text there.
type cut struct {
	from, to int
	text     string
}

// applyCuts applies non-overlapping cuts to src.
func applyCuts(src []byte, cuts []cut) ([]byte, error) {
	slices.SortFunc(cuts, func(a, b cut) int { return a.from - b.from })
	var b []byte
	last := 0
	for _, c := range cuts {
		if c.from < last {
			return nil, fmt.Errorf("internal error: overlapping edits at byte %d", c.from)
		}
		b = append(b, src[last:c.from]...)
		b = append(b, c.text...)
		last = c.to
	}
	return append(b, src[last:]...), nil
}
