package sha256block

import (
	"crypto/sha256"
	"encoding/binary"
	"math/bits"
)

// MaxOneBlock is the longest input that SHA-256 pads into a single 64-byte
// block: the input, the 0x80 marker byte and the 8-byte bit length.
const MaxOneBlock = 64 - 1 - 8

// Sum returns the SHA-256 digest of data, equal to crypto/sha256.Sum256(data).
// Inputs of at most MaxOneBlock bytes are hashed with one SHA-NI compression
// when Accelerated reports true; anything else goes to crypto/sha256.
// Sum does not allocate and does not modify data.
func Sum(data []byte) [32]byte {
	if len(data) > MaxOneBlock || !useSHANI {
		return sha256.Sum256(data)
	}
	// The block is built as little-endian 64-bit words (so its bytes are in
	// message order) with one 8-byte store per word, which the assembly
	// reads back with 8-byte loads: mixing narrow stores with 16-byte loads
	// defeats store-to-load forwarding and costs more than the compression.
	n := len(data)
	var block [8]uint64
	i := 0
	for ; i+8 <= n; i += 8 {
		block[i/8] = binary.LittleEndian.Uint64(data[i:])
	}
	r := n - i // 0..7 bytes left, placed in the low bytes of word i/8
	var w uint64
	if n >= 8 {
		w = binary.LittleEndian.Uint64(data[n-8:]) >> (8 * (8 - r))
	} else {
		for j := n - 1; j >= 0; j-- {
			w = w<<8 | uint64(data[j])
		}
	}
	block[i/8] = w
	return SumWords(&block, n)
}

// SumWords returns the SHA-256 digest of the n-byte message held in block
// as little-endian 64-bit words (message byte j is byte j%8 of word j/8),
// with every byte from n on zero; n must be at most MaxOneBlock. It adds the
// padding in place. Callers that assemble their message in registers (the
// runtime's rollout bucketing) avoid a byte buffer and the store-forwarding
// stalls of reading it back in words.
func SumWords(block *[8]uint64, n int) [32]byte {
	if !useSHANI {
		return sumWordsGeneric(block, n)
	}
	// FIPS 180-4, 5.1.1: message, 0x80, zeros, 64-bit big-endian bit length.
	block[n/8] |= 0x80 << (8 * (n % 8))
	block[7] = bits.ReverseBytes64(uint64(n) * 8)
	var out [32]byte
	sumBlock(&out, block)
	return out
}

// SumPadded sets out to the SHA-256 digest of the one-block message that
// block holds already padded (FIPS 180-4, 5.1.1: the message as in
// SumWords, the byte 0x80, zeros, and in word 7 the message's length in
// bits, big-endian, i.e. bits.ReverseBytes64(8*n)). Callers that know where
// the message ends (the runtime's bucketing) pad it as they lay it out.
func SumPadded(out *[32]byte, block *[8]uint64) {
	if !useSHANI {
		n := bits.ReverseBytes64(block[7]) / 8
		*out = sumWordsGeneric(block, int(min(n, MaxOneBlock)))
		return
	}
	sumBlock(out, block)
}

// Accelerated reports whether Sum uses the SHA-NI one-block path for short
// inputs on this machine.
func Accelerated() bool { return useSHANI }

// sumWordsGeneric is SumWords without SHA-NI.
func sumWordsGeneric(block *[8]uint64, n int) [32]byte {
	var msg [64]byte
	for i, w := range block {
		binary.LittleEndian.PutUint64(msg[8*i:], w)
	}
	return sha256.Sum256(msg[:n])
}
