package engine

import (
	"testing"

	"github.com/flaggen/flaggen/internal/spec"
)

// FuzzCompareSemver checks compareSemver against spec.ParseSemver and
// spec.Semver.Compare on any pair of strings.
func FuzzCompareSemver(f *testing.F) {
	f.Add("1.2.3", "1.2.3-rc.1")
	f.Add("9999999999999999999.0.0", "0.0.0")
	f.Fuzz(func(t *testing.T, s, ws string) {
		w, ok := spec.ParseSemver(ws)
		if !ok {
			return
		}
		want, wantOK := 0, false
		if sv, ok := spec.ParseSemver(s); ok {
			want, wantOK = sv.Compare(w), true
		}
		got, gotOK := compareSemver(s, &w)
		if got != want || gotOK != wantOK {
			t.Errorf("compareSemver(%q, %q) = %d, %v; want %d, %v", s, ws, got, gotOK, want, wantOK)
		}
	})
}
