package benchsize

import (
	"testing"
)

func TestN(t *testing.T) {
	for _, n := range []int{1, Short, Short + 1, 65_532} {
		want := n
		if testing.Short() {
			want = min(n, Short)
		}
		if got := N(n); got != want {
			t.Errorf("N(%d) = %d, want %d (short: %v)", n, got, want, testing.Short())
		}
	}
}
