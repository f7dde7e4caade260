package cli

import (
	"bytes"
	"fmt"
	"strings"
)

// maxDiffLines bounds the changed lines diff prints; maxEdits bounds the
// work of the line diff (beyond it, one hunk spans all changes).
const (
	maxDiffLines = 40
	maxEdits     = 2000
	diffContext  = 3
)

// edit is one line of an edit script: ' ' kept, '-' deleted from old, '+'
// inserted from new.
type edit struct {
	op   byte
	line string
}

// diff returns a short unified diff of old and new (hunks with three lines
// of context, at most maxDiffLines changed lines shown), to tell a reader
// what changed at a glance.
func diff(oldName, newName string, old, new []byte) string {
	a, b := lines(old), lines(new)
	script := editScript(a, b)
	var w strings.Builder
	fmt.Fprintf(&w, "--- %s\n+++ %s\n", oldName, newName)
	shown, total := 0, 0
	for _, e := range script {
		if e.op != ' ' {
			total++
		}
	}
	// Walk the script, emitting hunks around changes.
	ai, bi := 0, 0 // line numbers (0-based) at script position i
	pos := make([][2]int, len(script)+1)
	for i, e := range script {
		pos[i] = [2]int{ai, bi}
		switch e.op {
		case ' ':
			ai++
			bi++
		case '-':
			ai++
		case '+':
			bi++
		}
	}
	pos[len(script)] = [2]int{ai, bi}
	for i := 0; i < len(script) && shown < maxDiffLines; {
		if script[i].op == ' ' {
			i++
			continue
		}
		start := max(i-diffContext, 0)
		end := i // extend while changes are within 2*context of each other
		for j := i; j < len(script); j++ {
			if script[j].op != ' ' {
				end = j + 1
			} else if j-end >= 2*diffContext {
				break
			}
		}
		end = min(end+diffContext, len(script))
		var acount, bcount int
		for _, e := range script[start:end] {
			if e.op != '+' {
				acount++
			}
			if e.op != '-' {
				bcount++
			}
		}
		fmt.Fprintf(&w, "@@ -%d,%d +%d,%d @@\n", pos[start][0]+1, acount, pos[start][1]+1, bcount)
		for _, e := range script[start:end] {
			if e.op != ' ' {
				if shown == maxDiffLines {
					break
				}
				shown++
			}
			w.WriteString(string(e.op) + e.line + "\n")
		}
		i = end
	}
	if shown < total {
		fmt.Fprintf(&w, "… (%d more changed lines)\n", total-shown)
	}
	return w.String()
}

func lines(b []byte) []string {
	if len(b) == 0 {
		return nil
	}
	return strings.Split(string(bytes.TrimSuffix(b, []byte("\n"))), "\n")
}

// editScript returns a shortest edit script from a to b (Myers' O(ND)
// algorithm) after trimming the common prefix and suffix. When more than
// maxEdits edits are needed it gives up on minimality: everything between
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
	maxD := min(n+m, maxEdits)
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
