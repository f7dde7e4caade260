package sha256block

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math/bits"
	"math/rand/v2"
	"strings"
	"testing"
)

func check(t *testing.T, what string, data []byte) {
	t.Helper()
	if got, want := Sum(data), sha256.Sum256(data); got != want {
		t.Fatalf("Sum(%s, len %d) = %x, crypto/sha256 says %x", what, len(data), got, want)
	}
}

func TestSumRandom(t *testing.T) {
	r := rand.New(rand.NewChaCha8([32]byte{'s', 'h', 'a'}))
	for n := 0; n <= 200; n++ {
		for i := 0; i < 8; i++ {
			data := make([]byte, n)
			for j := range data {
				data[j] = byte(r.Uint32())
			}
			check(t, "random", data)
		}
	}
}

func TestSumPatterns(t *testing.T) {
	for n := 0; n <= 200; n++ {
		check(t, "zeros", make([]byte, n))
		check(t, "0xff", bytes.Repeat([]byte{0xff}, n))
		check(t, "0x80", bytes.Repeat([]byte{0x80}, n))
	}
	check(t, "nil", nil)
}

// FIPS 180-4 / NIST examples, so a wrong answer is caught even if both
// sides of the comparison above were somehow wrong the same way.
func TestSumKnownAnswers(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
	} {
		got := Sum([]byte(tc.in))
		if h := hex.EncodeToString(got[:]); h != tc.want {
			t.Errorf("Sum(%q) = %s, want %s", tc.in, h, tc.want)
		}
	}
}

func TestSumDoesNotModifyInput(t *testing.T) {
	buf := bytes.Repeat([]byte{0xa5}, 64)
	for n := 0; n <= MaxOneBlock+1; n++ {
		Sum(buf[:n])
		if !bytes.Equal(buf, bytes.Repeat([]byte{0xa5}, 64)) {
			t.Fatalf("Sum(buf[:%d]) modified buf: %x", n, buf)
		}
	}
}

func TestSumAllocs(t *testing.T) {
	for _, n := range []int{0, 12, MaxOneBlock, MaxOneBlock + 1, 200} {
		data := []byte(strings.Repeat("x", n))
		if a := testing.AllocsPerRun(100, func() { Sum(data) }); a != 0 {
			t.Errorf("Sum of %d bytes: %v allocs per run, want 0", n, a)
		}
	}
}

func FuzzSum(f *testing.F) {
	f.Add([]byte(""))
	f.Add([]byte("123456new_ui"))
	f.Add(bytes.Repeat([]byte{0xff}, MaxOneBlock))
	f.Add(bytes.Repeat([]byte{0}, MaxOneBlock+1))
	f.Fuzz(func(t *testing.T, data []byte) {
		check(t, "fuzz", data)
	})
}

var sink [32]byte

func BenchmarkSum(b *testing.B) {
	data := []byte("123456new_ui")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		sink = Sum(data)
	}
}

func BenchmarkStdlib(b *testing.B) {
	data := []byte("123456new_ui")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		sink = sha256.Sum256(data)
	}
}

// TestSumWords: a message given as little-endian words, padded by
// SumWords or by the caller (SumPadded), hashes like crypto/sha256, for
// every length the one-block path takes.
func TestSumWords(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for n := 0; n <= MaxOneBlock; n++ {
		for range 8 {
			msg := make([]byte, n)
			for i := range msg {
				msg[i] = byte(rng.Uint32())
			}
			var padded [64]byte
			copy(padded[:], msg)
			var block [8]uint64
			for i := range block {
				block[i] = binary.LittleEndian.Uint64(padded[8*i:])
			}
			want := sha256.Sum256(msg)
			// The same block padded by the caller, as the runtime does.
			padded[n] = 0x80
			var pblock [8]uint64
			for i := range pblock {
				pblock[i] = binary.LittleEndian.Uint64(padded[8*i:])
			}
			pblock[7] = bits.ReverseBytes64(uint64(n) * 8)
			var got [32]byte
			if SumPadded(&got, &pblock); got != want {
				t.Fatalf("SumPadded of %d bytes %x = %x, want %x", n, msg, got, want)
			}
			if got := SumWords(&block, n); got != want {
				t.Fatalf("SumWords of %d bytes %x = %x, want %x", n, msg, got, want)
			}
		}
	}
}
