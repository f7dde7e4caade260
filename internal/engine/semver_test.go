package engine

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/flaggen/flaggen/internal/spec"
)

// TestCompareSemver checks compareSemver against spec.ParseSemver and
// spec.Semver.Compare, on chosen strings and random ones made of the
// bytes that matter.
func TestCompareSemver(t *testing.T) {
	ws := []string{"0.0.0", "1.2.3", "2.3.0", "2.3.0-rc.1", "2.4.0-alpha", "10.0.0", "1.2.3+b"}
	vals := []string{"", ".", "..", "1.2", "1.2.3", "1.2.3.", "1.2.3.4", "2.3.0", "2.4.0", "2.3.0-rc.1", "2.3.0-rc.2",
		"2.3.0+build", "v2.3.0", "02.3.0", "2.03.0", "2.3.00", "0.0.0", "1..3", ".1.2", "1.2.", "a.b.c",
		"9999999999999999999.0.0", "10000000000000000000.0.0", "18446744073709551615.1.1", "18446744073709551616.1.1",
		"1.2.3-", "1.2.3-01", " 1.2.3", "1.2.3 ", "10.0.0", "9.9.9"}
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "0123456789..-+ar"
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteByte(alphabet[rng.IntN(len(alphabet))])
		}
		vals = append(vals, b.String())
	}
	for _, wsrc := range ws {
		w, ok := spec.ParseSemver(wsrc)
		if !ok {
			t.Fatalf("rule value %q", wsrc)
		}
		for _, s := range vals {
			want, wantOK := 0, false
			if sv, ok := spec.ParseSemver(s); ok {
				want, wantOK = sv.Compare(w), true
			}
			got, gotOK := compareSemver(s, &w)
			if got != want || gotOK != wantOK {
				t.Errorf("compareSemver(%q, %q) = %d, %v; want %d, %v", s, wsrc, got, gotOK, want, wantOK)
			}
		}
	}
}
