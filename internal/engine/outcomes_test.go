package engine

import (
	"math/rand/v2"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/flaggen/flaggen/internal/spec"
)

// TestOutcomes checks that every decision of the demo spec's flags, over
// random contexts, with and without a pin, is one of the value and variant
// pairs Outcomes lists for its flag.
func TestOutcomes(t *testing.T) {
	src, err := os.ReadFile("../../testdata/demo/flags.json")
	if err != nil {
		t.Fatal(err)
	}
	m, err := spec.Parse("flags.json", src)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	type pair struct {
		v       Value
		variant string
	}
	rng := rand.New(rand.NewPCG(7, 8))
	vals := []Value{{}, Int(1), Int(4242), Int(123), String("US"), String("premium"), String("ios"), String("2.4.0"), Bool(true), Float(75.5), Float(10)}
	for _, pins := range []map[int]*Pin{nil, {0: {Val: Bool(false)}, 3: {Val: String("green")}}} {
		s, err := Build(Input{Base: m, ByName: byName(m), Live: m, Env: "production", Now: now, Pins: pins})
		if err != nil {
			t.Fatal(err)
		}
		for i := range s.Len() {
			var outs []pair
			s.Outcomes(i, func(v Value, variant string) { outs = append(outs, pair{v, variant}) })
			for range 500 {
				a := make([]Value, len(m.Context))
				for k := range a {
					a[k] = vals[rng.IntN(len(vals))]
				}
				d := s.Decide(i, a)
				if !slices.Contains(outs, pair{d.Value, d.Variant}) {
					t.Fatalf("flag %d: Decide gave %#v variant %q, not among Outcomes %v", i, d.Value, d.Variant, outs)
				}
			}
		}
	}
}
