package flaghttp

import (
	"crypto/sha256"
	"testing"
)

// TestEqualSums checks equalSums against ==, for equal sums and sums that
// differ in any one bit.
func TestEqualSums(t *testing.T) {
	a := sha256.Sum256([]byte("key"))
	b := a
	if !equalSums(&a, &b) {
		t.Fatal("equal sums compare unequal")
	}
	for i := range 8 * sha256.Size {
		b := a
		b[i/8] ^= 1 << (i % 8)
		if equalSums(&a, &b) {
			t.Fatalf("sums differing in bit %d compare equal", i)
		}
	}
}
