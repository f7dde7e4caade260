package runtime

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// randomProblem is a random set of n flags with 2…4 states each, shaped
// like chosen flags: state 0 of a flag is off (bool, 2 states) or the
// default variant; a flag may depend (depends_on) on earlier bool flags
// when deps is set, and then cannot be in a state other than 0 while one
// of them, directly or not, is in state 0.
func randomProblem(r *rand.Rand, n int, deps bool) (*problem, string) {
	size := make([]int, n)
	anc := make([]map[int]bool, n)
	var desc []string
	for i := range n {
		size[i] = 2 + r.IntN(3)
		anc[i] = map[int]bool{}
		if !deps {
			continue
		}
		for j := range i {
			if size[j] == 2 && r.IntN(4) == 0 {
				anc[i][j] = true
				for k := range anc[j] {
					anc[i][k] = true
				}
				desc = append(desc, fmt.Sprintf("%d→%d", i, j))
			}
		}
	}
	p := newProblem(size, func(i, a, j, b int) bool {
		return a != 0 && b == 0 && size[j] == 2 && anc[i][j]
	})
	return p, fmt.Sprintf("sizes %v, depends_on %s", size, strings.Join(desc, " "))
}

// bruteFeasible returns, by pair index, the pairs of states that some
// feasible row holds, found without the planner by enumerating every row,
// or false when there are more than 1<<14 rows.
func bruteFeasible(p *problem) ([]bool, bool) {
	total := 1
	for _, s := range p.size {
		total *= s
		if total > 1<<14 {
			return nil, false
		}
	}
	out := make([]bool, p.ps.n)
	rows, _ := p.exhaustive()
	for _, row := range rows {
		for i := range row {
			for j := i + 1; j < len(row); j++ {
				out[p.ps.index(i, row[i], j, row[j])] = true
			}
		}
	}
	return out, true
}

// TestPairwiseCoverage is the property test of Pairwise's planner: for
// random flag sets (2…12 flags, 2…4 states each, with and without
// dependencies), every row is feasible, every feasible pair of states is
// covered, the plan is deterministic, there are at most pairwiseBound rows
// (proved without dependencies, checked here with them too), and each row
// holds a pair no other row holds.
func TestPairwiseCoverage(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 1))
	worst := map[bool]float64{}
	for trial := range 132 {
		n := 2 + trial%11
		deps := trial%2 == 1
		p, desc := randomProblem(r, n, deps)
		rows, feasible, _ := p.pairwise()
		again, _, _ := p.pairwise()
		if !slices.EqualFunc(rows, again, slices.Equal) {
			t.Fatalf("%s: two plans differ", desc)
		}
		covered := map[[4]int]bool{}
		for _, row := range rows {
			if !p.feasible(row) {
				t.Fatalf("%s: row %v is impossible", desc, row)
			}
			for i := range row {
				for j := i + 1; j < n; j++ {
					covered[[4]int{i, row[i], j, row[j]}] = true
				}
			}
		}
		// Every pair is either covered or impossible.
		want, exact := bruteFeasible(p)
		for i := range n {
			for j := i + 1; j < n; j++ {
				for a := range p.size[i] {
					for b := range p.size[j] {
						k := [4]int{i, a, j, b}
						if covered[k] {
							continue
						}
						if exact && want[p.ps.index(i, a, j, b)] {
							t.Fatalf("%s: pair %v is possible and not covered by %v", desc, k, rows)
						}
						row := slices.Repeat([]int{-1}, n)
						row[i], row[j] = a, b
						if !exact && p.consistent(row, i, a) && p.complete(row) {
							t.Fatalf("%s: pair %v is possible (%v) and not covered", desc, k, row)
						}
					}
				}
			}
		}
		if n := count(want); exact && n != feasible {
			t.Fatalf("%s: planner counts %d possible pairs, enumeration %d", desc, feasible, n)
		}
		if len(covered) != feasible {
			t.Fatalf("%s: %d pairs covered, %d possible", desc, len(covered), feasible)
		}
		// The density bound is proved without dependencies; with them,
		// this checks that it held for these sets too.
		bound := pairwiseBound(p.size...)
		if len(rows) > bound {
			t.Errorf("%s: %d rows, more than the bound %d", desc, len(rows), bound)
		}
		if len(rows) > feasible {
			t.Errorf("%s: %d rows for %d possible pairs", desc, len(rows), feasible)
		}
		holders := make([]int, p.ps.n)
		for _, row := range rows {
			forPairs(p.ps, row, func(x int) { holders[x]++ })
		}
		for _, row := range rows {
			own := 0
			forPairs(p.ps, row, func(x int) {
				if holders[x] == 1 {
					own++
				}
			})
			if own == 0 {
				t.Errorf("%s: row %v holds no pair of its own", desc, row)
			}
		}
		worst[deps] = max(worst[deps], float64(len(rows))/float64(bound))
	}
	t.Logf("most rows against the density bound: %.2f of it without dependencies, %.2f with", worst[false], worst[true])
}

// TestPairwiseTenBoolFlags measures the runs Pairwise makes for 10 bool
// flags through the public API (against 1,024 combinations).
func TestPairwiseTenBoolFlags(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"flags": {`)
	for i := range 10 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"f%d": {"active": true}`, i)
	}
	b.WriteString("}}")
	s, err := LoadSpec("flags.json", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	var hs []Handle
	for i := range 10 {
		hs = append(hs, newFlag[bool](s, s.byName[fmt.Sprint("f", i)], fmt.Sprint("f", i)))
	}
	c := newClient(t, s)
	runs := 0
	Pairwise(t, func(*testing.T) *Client { return c }, func(t *testing.T, c *Client) {
		runs++
		name := t.Name()[strings.LastIndex(t.Name(), "/")+1:]
		for i, h := range hs {
			want := strings.Split(name, ",")[i] == h.Name()+"=on"
			if got := c.Evaluate(context.Background(), h.Name(), nil); got != want {
				t.Errorf("%s = %v in run %s", h.Name(), got, name)
			}
		}
	}, hs...)
	if bound := pairwiseBound(2, 2, 2, 2, 2, 2, 2, 2, 2, 2); runs > bound || bound != 21 {
		t.Errorf("%d runs, bound %d; want at most 21", runs, bound)
	}
	t.Logf("10 bool flags: %d pairwise runs, against 1024 combinations", runs)
}

// TestBinaryArray: the rows for two-state parameters only cover every
// pair, for 2 to 64 parameters, in the fewest rows possible.
func TestBinaryArray(t *testing.T) {
	for k := 2; k <= 64; k++ {
		rows := binaryArray(slices.Repeat([]int{2}, k))
		n := len(rows)
		if binomial(n-2, (n)/2) >= k && n > 4 {
			t.Errorf("%d parameters: %d rows, but %d suffice", k, n, n-1)
		}
		for i := range k {
			for j := i + 1; j < k; j++ {
				seen := map[[2]int]bool{}
				for _, r := range rows {
					seen[[2]int{r[i], r[j]}] = true
				}
				if len(seen) != 4 {
					t.Fatalf("%d parameters: columns %d and %d hold only %v", k, i, j, seen)
				}
			}
		}
	}
	if got := len(binaryArray(slices.Repeat([]int{2}, 10))); got != 6 {
		t.Errorf("10 bool flags: %d rows, want 6", got)
	}
}

func count(b []bool) int {
	n := 0
	for _, x := range b {
		if x {
			n++
		}
	}
	return n
}

// BenchmarkPairwisePlan measures planning the runs of Pairwise.
func BenchmarkPairwisePlan(b *testing.B) {
	for _, bc := range []struct {
		name string
		n    int
		deps bool
	}{{"12flags", 12, false}, {"12flags-depends_on", 12, true}, {"30flags-depends_on", 30, true}} {
		p, _ := randomProblem(rand.New(rand.NewPCG(1, 2)), bc.n, bc.deps)
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				p.pairwise()
			}
		})
	}
}
