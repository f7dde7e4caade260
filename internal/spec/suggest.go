package spec

import (
	"sort"
	"strings"
)

// Suggest returns the candidate closest to s by edit distance, if close
// enough to be a likely typo, else "". It is the one "did you mean" rule of
// the spec errors and lint.
func Suggest(s string, candidates []string) string {
	best, bestD := "", max(1, len(s)/3)+1
	for _, c := range candidates {
		if d := EditDistance(s, c); d < bestD && d < len(s) && d < len(c) {
			best, bestD = c, d
		}
	}
	return best
}

// CloseNames lists the names in all that are close to name (edit distance
// ≤ 3, or one contains the other when name has 3 or more bytes), best
// first: the candidates to offer when a name is unknown.
func CloseNames(name string, all []string) []string {
	type cand struct {
		s string
		d int
	}
	var cs []cand
	for _, s := range all {
		d := EditDistance(name, s)
		if d <= 3 || (len(name) >= 3 && (strings.Contains(s, name) || strings.Contains(name, s))) {
			cs = append(cs, cand{s, d})
		}
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].d < cs[j].d })
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.s)
	}
	return out
}

// EditDistance is the Levenshtein distance between a and b, in bytes.
func EditDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
