package runtime

import (
	"math"
	"math/rand/v2"
)

// problem is a combination problem: n parameters (the chosen flags), each
// with size[i] states numbered 0…size[i]-1, and the bad pairs: pairs of
// states of two parameters that no run may hold together (the dependency
// constraints). A row assigns one state to every parameter; it is
// feasible when it holds no bad pair.
type problem struct {
	size    []int
	ps      *pairs
	badAt   []bool     // by pair index: bad either way
	first   []int      // first[i]: the number of states of parameters before i
	badWith [][][2]int // by first[i]+a: the states (j, b) bad with state a of i
	anyBad  bool
}

// newProblem returns the problem of parameters with the given numbers of
// states and the bad relation, with bad tabulated.
func newProblem(size []int, bad func(i, a, j, b int) bool) *problem {
	p := &problem{size: size}
	p.ps = newPairs(p)
	p.badAt = make([]bool, p.ps.n)
	p.first = make([]int, len(size))
	states := 0
	for i, s := range size {
		p.first[i] = states
		states += s
	}
	p.badWith = make([][][2]int, states)
	for i := range size {
		for j := i + 1; j < len(size); j++ {
			for a := range size[i] {
				for b := range size[j] {
					if bad(i, a, j, b) || bad(j, b, i, a) {
						p.badAt[p.ps.index(i, a, j, b)] = true
						p.badWith[p.first[i]+a] = append(p.badWith[p.first[i]+a], [2]int{j, b})
						p.badWith[p.first[j]+b] = append(p.badWith[p.first[j]+b], [2]int{i, a})
						p.anyBad = true
					}
				}
			}
		}
	}
	return p
}

// consistent reports whether state a of parameter i may join row, whose
// entries are states or -1 (unassigned).
func (p *problem) consistent(row []int, i, a int) bool {
	for _, jb := range p.badWith[p.first[i]+a] {
		if jb[0] < len(row) && row[jb[0]] == jb[1] {
			return false
		}
	}
	return true
}

// complete assigns every unassigned (-1) entry of row so that the row is
// feasible, trying states in order with backtracking and forward checking,
// and reports whether it could; row is left as it was when it cannot.
// The assigned entries must be pairwise consistent.
func (p *problem) complete(row []int) bool {
	i := -1
	for k, a := range row {
		if a < 0 {
			i = k
			break
		}
	}
	if i < 0 {
		return true
	}
	for a := range p.size[i] {
		if !p.consistent(row, i, a) {
			continue
		}
		row[i] = a
		if p.forwardOK(row) && p.complete(row) {
			return true
		}
		row[i] = -1
	}
	return false
}

// forwardOK reports whether every unassigned parameter of row keeps a
// state consistent with the assigned ones.
func (p *problem) forwardOK(row []int) bool {
	for k, a := range row {
		if a >= 0 {
			continue
		}
		ok := false
		for b := range p.size[k] {
			if p.consistent(row, k, b) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// feasible reports whether row, fully assigned, holds no bad pair.
func (p *problem) feasible(row []int) bool {
	for i, a := range row {
		if !p.consistent(row[:i], i, a) {
			return false
		}
	}
	return true
}

// exhaustive returns every feasible row and every infeasible one, the
// first parameter varying slowest and each parameter's states in order.
func (p *problem) exhaustive() (rows, skipped [][]int) {
	n := len(p.size)
	row := make([]int, n)
	for {
		if p.feasible(row) {
			rows = append(rows, append([]int(nil), row...))
		} else {
			skipped = append(skipped, append([]int(nil), row...))
		}
		k := n - 1
		for ; k >= 0; k-- {
			row[k]++
			if row[k] < p.size[k] {
				break
			}
			row[k] = 0
		}
		if k < 0 {
			return rows, skipped
		}
	}
}

// pairs indexes the pairs of states of two different parameters.
type pairs struct {
	p    *problem
	base [][]int // base[i][j], i < j: index of pair (i,0,j,0)
	n    int
}

func newPairs(p *problem) *pairs {
	ps := &pairs{p: p, base: make([][]int, len(p.size))}
	for i := range p.size {
		ps.base[i] = make([]int, len(p.size))
		for j := i + 1; j < len(p.size); j++ {
			ps.base[i][j] = ps.n
			ps.n += p.size[i] * p.size[j]
		}
	}
	return ps
}

// index returns the index of pair (i,a),(j,b), i != j.
func (ps *pairs) index(i, a, j, b int) int {
	if i > j {
		i, a, j, b = j, b, i, a
	}
	return ps.base[i][j] + a*ps.p.size[j] + b
}

// pairwise returns rows, each feasible, in which every feasible pair of
// states of two parameters (one that some feasible row holds) appears at
// least once, the number of feasible pairs, and the number of pairs. It
// is deterministic.
//
// When every parameter has two states and no pair is bad, the rows are
// binaryArray's, the fewest possible. Otherwise each row is built one
// parameter at a time, giving each the state that maximises the expected
// number of uncovered pairs the row covers when the parameters still
// unassigned take uniformly random states, among the states that keep the
// row completable to a feasible one: the deterministic density method of
// Colbourn, Cohen and Turban ("A deterministic density algorithm for
// pairwise interaction coverage", 2004). By the method of conditional
// expectations, whatever the order of the parameters and however ties are
// broken, a row then covers at least U/m of the U pairs still uncovered, m
// being the product of the two largest state counts, when no pair is bad;
// so with P pairs in all there are at most ⌊m·ln P⌋+1 rows
// (pairwiseBound). Of the rows built in load order (parameters in the most
// uncovered pairs first) and in pairwiseCandidates orders shuffled by a
// fixed-seed generator, the one covering most is kept. A row that would
// cover no new pair (possible only with bad pairs) is built again from the
// first uncovered pair, so each row covers at least one. Last, rows whose
// pairs the others all hold are dropped (dropRedundant): each row left
// holds a pair no other does, so there are never more rows than feasible
// pairs.
func (p *problem) pairwise() (rows [][]int, feasible, all int) {
	n := len(p.size)
	ps := p.ps
	uncovered := make([]bool, ps.n)
	left := 0
	row := make([]int, n)
	for i := range n {
		for j := i + 1; j < n; j++ {
			for a := range p.size[i] {
				for b := range p.size[j] {
					if p.badAt[ps.index(i, a, j, b)] {
						continue
					}
					for k := range row {
						row[k] = -1
					}
					row[i], row[j] = a, b
					if p.forwardOK(row) && p.complete(row) {
						uncovered[ps.index(i, a, j, b)] = true
						left++
					}
				}
			}
		}
	}
	feasible = left
	if rows := binaryArray(p.size); rows != nil && left == ps.n {
		return rows, feasible, ps.n
	}
	for left > 0 {
		// Candidates: parameters by load, then in shuffled orders with
		// ties broken at random (a fixed seed per row: deterministic).
		r := p.densityRow(ps, uncovered, nil, nil)
		best := covers(ps, uncovered, r)
		rng := rand.New(rand.NewPCG(uint64(len(rows)), 15))
		for range pairwiseCandidates {
			if c := p.densityRow(ps, uncovered, nil, rng); covers(ps, uncovered, c) > best {
				r, best = c, covers(ps, uncovered, c)
			}
		}
		if best == 0 {
			r = p.densityRow(ps, uncovered, firstUncovered(ps, uncovered), nil)
		}
		left -= cover(ps, uncovered, r)
		rows = append(rows, r)
	}
	return dropRedundant(ps, rows), feasible, ps.n
}

// dropRedundant removes, first to last, each row whose pairs the other
// rows left all hold.
func dropRedundant(ps *pairs, rows [][]int) [][]int {
	count := make([]int, ps.n)
	for _, r := range rows {
		forPairs(ps, r, func(x int) { count[x]++ })
	}
	out := rows[:0]
	for _, r := range rows {
		needed := false
		forPairs(ps, r, func(x int) { needed = needed || count[x] == 1 })
		if needed {
			out = append(out, r)
		} else {
			forPairs(ps, r, func(x int) { count[x]-- })
		}
	}
	return out
}

// forPairs calls f with the index of each pair that row holds.
func forPairs(ps *pairs, row []int, f func(x int)) {
	for i := range row {
		for j := i + 1; j < len(row); j++ {
			f(ps.index(i, row[i], j, row[j]))
		}
	}
}

// binaryArray returns the fewest rows that cover every pair of states of
// parameters that all have two states, nil when some parameter has more:
// with N rows, the columns are distinct sets of ⌈N/2⌉ of rows 1…N-1 (in
// lexicographic order), so any two columns differ both ways, intersect
// (two such sets must), and are both 0 in row 0. N is the least with
// C(N-1, ⌈N/2⌉) ≥ the number of parameters, which is optimal (Kleitman
// and Spencer, "Families of k-independent sets", 1973): 6 rows for 10.
func binaryArray(size []int) [][]int {
	for _, s := range size {
		if s != 2 {
			return nil
		}
	}
	k := len(size)
	n := 2
	for binomial(n-1, (n+1)/2) < k {
		n++
	}
	w := (n + 1) / 2
	rows := make([][]int, n)
	for r := range rows {
		rows[r] = make([]int, k)
	}
	set := make([]int, w) // the current w-subset of 1…n-1, increasing
	for i := range set {
		set[i] = i + 1
	}
	for c := range k {
		for _, r := range set {
			rows[r][c] = 1
		}
		// Next subset in lexicographic order.
		i := w - 1
		for i >= 0 && set[i] == n-w+i {
			i--
		}
		if i < 0 {
			break // only when c == k-1: C(n-1, w) ≥ k
		}
		set[i]++
		for j := i + 1; j < w; j++ {
			set[j] = set[j-1] + 1
		}
	}
	return rows
}

// binomial returns C(n, k).
func binomial(n, k int) int {
	if k < 0 || k > n {
		return 0
	}
	c := 1
	for i := range k {
		c = c * (n - i) / (i + 1)
	}
	return c
}

// firstUncovered returns the seed row of the first uncovered pair: its two
// states assigned, every other entry -1.
func firstUncovered(ps *pairs, uncovered []bool) []int {
	n := len(ps.p.size)
	for i := range n {
		for j := i + 1; j < n; j++ {
			for a := range ps.p.size[i] {
				for b := range ps.p.size[j] {
					if uncovered[ps.index(i, a, j, b)] {
						seed := make([]int, n)
						for k := range seed {
							seed[k] = -1
						}
						seed[i], seed[j] = a, b
						return seed
					}
				}
			}
		}
	}
	return nil
}

// pairwiseCandidates is how many rows in shuffled orders pairwise builds
// besides the one in load order, keeping the one that covers most.
const pairwiseCandidates = 12

// densityRow builds one feasible row from seed (nil: nothing assigned), as
// pairwise describes: with rng nil, the parameters in the most uncovered
// pairs first and ties to the lowest state; else in an order shuffled by
// rng, ties broken by rng.
func (p *problem) densityRow(ps *pairs, uncovered []bool, seed []int, rng *rand.Rand) []int {
	n := len(p.size)
	row := seed
	if row == nil {
		row = make([]int, n)
		for k := range row {
			row[k] = -1
		}
	}
	// Parameters in the most uncovered pairs first.
	load := make([]int, n)
	for i := range n {
		for j := i + 1; j < n; j++ {
			for a := range p.size[i] {
				for b := range p.size[j] {
					if uncovered[ps.index(i, a, j, b)] {
						load[i]++
						load[j]++
					}
				}
			}
		}
	}
	order := make([]int, 0, n)
	for k := range n {
		if row[k] < 0 {
			order = append(order, k)
		}
	}
	// A stable insertion sort by load, descending: n is small.
	for x := 1; x < len(order); x++ {
		for y := x; y > 0 && load[order[y]] > load[order[y-1]]; y-- {
			order[y], order[y-1] = order[y-1], order[y]
		}
	}
	if rng != nil {
		rng.Shuffle(len(order), func(x, y int) { order[x], order[y] = order[y], order[x] })
	}
	try := make([]int, n)
	for _, k := range order {
		best, bestScore, ties := -1, math.Inf(-1), 0
		for a := range p.size[k] {
			if !p.consistent(row, k, a) {
				continue
			}
			copy(try, row)
			try[k] = a
			if p.anyBad && (!p.forwardOK(try) || !p.complete(try)) {
				continue
			}
			score := 0.0
			for j := range n {
				switch {
				case j == k:
				case row[j] >= 0:
					if uncovered[ps.index(k, a, j, row[j])] {
						score++
					}
				default:
					c := 0
					for b := range p.size[j] {
						if uncovered[ps.index(k, a, j, b)] {
							c++
						}
					}
					score += float64(c) / float64(p.size[j])
				}
			}
			switch {
			case score > bestScore:
				best, bestScore, ties = a, score, 1
			case score == bestScore && rng != nil:
				// Reservoir sampling: each tied state equally likely.
				ties++
				if rng.IntN(ties) == 0 {
					best = a
				}
			}
		}
		// The row was completable before k was assigned, so some state
		// keeps it completable.
		row[k] = best
	}
	return row
}

// covers counts the uncovered pairs that row holds.
func covers(ps *pairs, uncovered []bool, row []int) int {
	c := 0
	for i := range row {
		for j := i + 1; j < len(row); j++ {
			if uncovered[ps.index(i, row[i], j, row[j])] {
				c++
			}
		}
	}
	return c
}

// cover marks the pairs that row holds covered and returns how many were
// not.
func cover(ps *pairs, uncovered []bool, row []int) int {
	c := 0
	for i := range row {
		for j := i + 1; j < len(row); j++ {
			if x := ps.index(i, row[i], j, row[j]); uncovered[x] {
				uncovered[x] = false
				c++
			}
		}
	}
	return c
}

// pairwiseBound returns the most runs Pairwise makes for flags with the
// given numbers of states when no dependency constrains them: ⌊m·ln P⌋+1,
// where P is the number of pairs of states of two different flags and m
// the product of the two largest state counts (see Pairwise). It is 0 for
// fewer than two flags.
func pairwiseBound(states ...int) int {
	if len(states) < 2 {
		return 0
	}
	p, m1, m2 := 0, 0, 0
	for i, a := range states {
		for _, b := range states[i+1:] {
			p += a * b
		}
		switch {
		case a > m1:
			m1, m2 = a, m1
		case a > m2:
			m2 = a
		}
	}
	return int(float64(m1*m2)*math.Log(float64(p))) + 1
}
