package flaghttp

import (
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
	"testing"
)

// TestSpecialBytes checks that specialBytes finds the first special byte
// of a word as the special table does, over words mixing special, plain
// and non-ASCII bytes.
func TestSpecialBytes(t *testing.T) {
	pick := []byte{0, 0x1f, 0x20, '"', '\\', 'a', 0x7f, 0x80, 0x9f, 0xa2, 0xdc, 0xff, '!', '#', '[', ']'}
	r := rand.New(rand.NewPCG(1, 2))
	var w [8]byte
	for range 200000 {
		for j := range w {
			if r.IntN(2) == 0 {
				w[j] = pick[r.IntN(len(pick))]
			} else {
				w[j] = byte(r.Uint32())
			}
		}
		want := 8
		for j, c := range w {
			if special[c] {
				want = j
				break
			}
		}
		got := 8
		if m := specialBytes(binary.LittleEndian.Uint64(w[:])); m != 0 {
			got = bits.TrailingZeros64(m) >> 3
		}
		if got != want {
			t.Fatalf("% x: first special byte at %d, want %d", w, got, want)
		}
	}
}
