package remove

import (
	"fmt"
	"strings"
)

// Diff returns the plan as a unified diff, with names relative to p.Dir.
func (p *Plan) Diff() string {
	var b strings.Builder
	for _, f := range p.Files {
		name := rel(p.Dir, f.Name)
		b.WriteString(unified("a/"+name, "b/"+name, string(f.Old), string(f.New)))
	}
	return b.String()
}

// context is how many unchanged lines a hunk shows around a change.
const context = 3

// unified returns the unified diff of old and new ("" when they are
// equal), by a longest common subsequence of their lines.
func unified(oldName, newName, old, new string) string {
	a, b := splitLines(old), splitLines(new)
	// Common prefix and suffix first: most edits are small.
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	if pre == len(a) && pre == len(b) {
		return ""
	}
	ops := make([]byte, 0, len(a)+len(b)) // ' ', '-' or '+' per output line
	for range pre {
		ops = append(ops, ' ')
	}
	ops = append(ops, lcsOps(a[pre:len(a)-suf], b[pre:len(b)-suf])...)
	for range suf {
		ops = append(ops, ' ')
	}
	// Walk ops, grouping changes within 2*context lines into hunks.
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", oldName, newName)
	type line struct {
		op   byte
		text string
		ai   int // lines of a and b before this one
		bi   int
	}
	lines := make([]line, len(ops))
	ai, bi := 0, 0
	for i, op := range ops {
		switch op {
		case ' ':
			lines[i] = line{op, a[ai], ai, bi}
			ai++
			bi++
		case '-':
			lines[i] = line{op, a[ai], ai, bi}
			ai++
		case '+':
			lines[i] = line{op, b[bi], ai, bi}
			bi++
		}
	}
	for i := 0; i < len(lines); {
		if lines[i].op == ' ' {
			i++
			continue
		}
		start := max(0, i-context)
		end := i
		for j := i; j < len(lines); j++ {
			if lines[j].op != ' ' {
				end = j + 1
			} else if j-end >= 2*context {
				break
			}
		}
		stop := min(len(lines), end+context)
		na, nb := 0, 0
		for _, l := range lines[start:stop] {
			if l.op != '+' {
				na++
			}
			if l.op != '-' {
				nb++
			}
		}
		fmt.Fprintf(&out, "@@ -%s +%s @@\n", hunkRange(lines[start].ai, na), hunkRange(lines[start].bi, nb))
		for _, l := range lines[start:stop] {
			out.WriteByte(l.op)
			out.WriteString(l.text)
			if !strings.HasSuffix(l.text, "\n") {
				out.WriteString("\n\\ No newline at end of file\n")
			}
		}
		i = stop
	}
	return out.String()
}

// hunkRange formats a hunk's start and length as unified diffs do.
func hunkRange(start, n int) string {
	if n == 0 {
		return fmt.Sprintf("%d,0", start)
	}
	if n == 1 {
		return fmt.Sprint(start + 1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}

// splitLines splits s after each newline.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// lcsOps returns the edit script from a to b along a longest common
// subsequence: ' ' keeps a line, '-' deletes one of a, '+' inserts one of b.
func lcsOps(a, b []string) []byte {
	n, m := len(a), len(b)
	// l[i][j] is the LCS length of a[i:] and b[j:].
	l := make([][]int32, n+1)
	for i := range l {
		l[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				l[i][j] = l[i+1][j+1] + 1
			} else {
				l[i][j] = max(l[i+1][j], l[i][j+1])
			}
		}
	}
	var ops []byte
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			ops = append(ops, ' ')
			i++
			j++
		case i < n && (j == m || l[i+1][j] >= l[i][j+1]):
			ops = append(ops, '-')
			i++
		default:
			ops = append(ops, '+')
			j++
		}
	}
	return ops
}
