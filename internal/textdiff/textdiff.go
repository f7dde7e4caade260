// Package textdiff writes unified diffs of two texts, line by line, for the commands that show a change (generate -check, remove -dry-run).
package textdiff

import (
	"fmt"
	"strings"
)

// Context is how many unchanged lines a hunk shows around a change;
// MaxEdits bounds the work of the line diff: beyond it, everything between
// the common prefix and suffix is shown deleted, then inserted.
const (
	Context  = 3
	MaxEdits = 2000
)

// edit is one line of an edit script: ' ' kept, '-' deleted from old, '+'
// inserted from new. A line keeps its "\n" (the last may lack it).
type edit struct {
	op   byte
	line string
}

// Unified returns the unified diff of old and new, "" when they are equal:
// hunks with Context lines of context, a line without a final newline
// marked as diff(1) marks it. maxChanged > 0 bounds the changed lines
// shown, and a last line says how many more there are.
func Unified(oldName, newName string, old, new []byte, maxChanged int) string {
	a, b := Lines(string(old)), Lines(string(new))
	script := editScript(a, b)
	total := 0
	for _, e := range script {
		if e.op != ' ' {
			total++
		}
	}
	if total == 0 {
		return ""
	}
	var w strings.Builder
	fmt.Fprintf(&w, "--- %s\n+++ %s\n", oldName, newName)
	// pos[i] is the number of lines of a and of b before script[i].
	pos := make([][2]int, len(script)+1)
	ai, bi := 0, 0
	for i, e := range script {
		pos[i] = [2]int{ai, bi}
		if e.op != '+' {
			ai++
		}
		if e.op != '-' {
			bi++
		}
	}
	pos[len(script)] = [2]int{ai, bi}
	shown := 0
	for i := 0; i < len(script) && (maxChanged <= 0 || shown < maxChanged); {
		if script[i].op == ' ' {
			i++
			continue
		}
		start := max(i-Context, 0)
		end := i // extend while changes are within 2*Context of each other
		for j := i; j < len(script); j++ {
			if script[j].op != ' ' {
				end = j + 1
			} else if j-end >= 2*Context {
				break
			}
		}
		end = min(end+Context, len(script))
		var na, nb int
		for _, e := range script[start:end] {
			if e.op != '+' {
				na++
			}
			if e.op != '-' {
				nb++
			}
		}
		fmt.Fprintf(&w, "@@ -%s +%s @@\n", hunkRange(pos[start][0], na), hunkRange(pos[start][1], nb))
		for _, e := range script[start:end] {
			if e.op != ' ' {
				if maxChanged > 0 && shown == maxChanged {
					break
				}
				shown++
			}
			w.WriteByte(e.op)
			w.WriteString(e.line)
			if !strings.HasSuffix(e.line, "\n") {
				w.WriteString("\n\\ No newline at end of file\n")
			}
		}
		i = end
	}
	if shown < total {
		fmt.Fprintf(&w, "… (%d more changed lines)\n", total-shown)
	}
	return w.String()
}

// hunkRange formats a hunk's start (lines before it) and length as
// unified diffs do.
func hunkRange(start, n int) string {
	switch n {
	case 0:
		return fmt.Sprintf("%d,0", start)
	case 1:
		return fmt.Sprint(start + 1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}

// Lines splits s after each newline; the last line may lack one.
func Lines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// editScript returns a shortest edit script from a to b (Myers' O(ND)
// algorithm) after trimming the common prefix and suffix. When more than
// MaxEdits edits are needed it gives up on minimality: everything between
// the common prefix and suffix is deleted, then inserted.
func editScript(a, b []string) []edit {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var script []edit
	for _, l := range a[:pre] {
		script = append(script, edit{' ', l})
	}
	ma, mb := a[pre:len(a)-suf], b[pre:len(b)-suf]
	if mid, ok := myers(ma, mb); ok {
		script = append(script, mid...)
	} else {
		for _, l := range ma {
			script = append(script, edit{'-', l})
		}
		for _, l := range mb {
			script = append(script, edit{'+', l})
		}
	}
	for _, l := range a[len(a)-suf:] {
		script = append(script, edit{' ', l})
	}
	return script
}

func myers(a, b []string) ([]edit, bool) {
	n, m := len(a), len(b)
	maxD := min(n+m, MaxEdits)
	off := maxD + 1
	v := make([]int, 2*maxD+3)
	var trace [][]int
	for d := 0; d <= maxD; d++ {
		trace = append(trace, append([]int(nil), v...))
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || k != d && v[off+k-1] < v[off+k+1] {
				x = v[off+k+1] // down: insertion
			} else {
				x = v[off+k-1] + 1 // right: deletion
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[off+k] = x
			if x >= n && y >= m {
				return backtrack(a, b, trace, d, off), true
			}
		}
	}
	return nil, false
}

func backtrack(a, b []string, trace [][]int, d, off int) []edit {
	var rev []edit
	x, y := len(a), len(b)
	for ; d > 0; d-- {
		v := trace[d] // v before step d = after step d-1
		k := x - y
		var prevK int
		if k == -d || k != d && v[off+k-1] < v[off+k+1] {
			prevK = k + 1
		} else {
			prevK = k - 1
		}
		prevX := v[off+prevK]
		prevY := prevX - prevK
		for x > prevX && y > prevY {
			x--
			y--
			rev = append(rev, edit{' ', a[x]})
		}
		if x == prevX {
			y--
			rev = append(rev, edit{'+', b[y]})
		} else {
			x--
			rev = append(rev, edit{'-', a[x]})
		}
	}
	for x > 0 && y > 0 {
		x--
		y--
		rev = append(rev, edit{' ', a[x]})
	}
	script := make([]edit, len(rev))
	for i, e := range rev {
		script[len(rev)-1-i] = e
	}
	return script
}
