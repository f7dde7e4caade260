package engine

import (
	"crypto/sha256"
	"encoding/binary"
	"math"
	"math/bits"
	"strconv"

	"github.com/flaggen/flaggen/internal/sha256block"
)

// bucketBufSize bounds the stack buffer holding str(user_id)+salt: one
// SHA-256 block's worth of message. Longer inputs (very long ids or salts)
// take a slower, allocating path.
const bucketBufSize = 64

// bucket returns int(SHA-256(key+salt)) mod 100, the rollout bucket,
// for a key already in its str() form.
func bucket(key, salt string) int {
	var buf [bucketBufSize]byte
	if len(key)+len(salt) > len(buf) {
		h := sha256.Sum256([]byte(key + salt))
		return bucketSum(&h)
	}
	n := copy(buf[:], key)
	n += copy(buf[n:], salt)
	h := sha256block.Sum(buf[:n])
	return bucketSum(&h)
}

// bucketInt is bucket(str(id), salt) without formatting allocations.
func bucketInt(id int64, salt string) int {
	var buf [bucketBufSize]byte
	n := putDecimal(&buf, id)
	if n+len(salt) > len(buf) {
		h := sha256.Sum256(append(buf[:n:n], salt...))
		return bucketSum(&h)
	}
	n += copy(buf[n:], salt)
	h := sha256block.Sum(buf[:n])
	return bucketSum(&h)
}

// digitPairs holds "00".."99", for formatting two digits at a time.
const digitPairs = "00010203040506070809101112131415161718192021222324252627282930313233343536373839" +
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879" +
	"8081828384858687888990919293949596979899"

// putDecimal writes the decimal form of id (Python's str of an int) at the
// start of buf and returns its length (at most 20 bytes).
func putDecimal(buf *[bucketBufSize]byte, id int64) int {
	var tmp [20]byte
	i := digits(&tmp, id)
	n := 0
	if id < 0 {
		buf[0] = '-'
		n = 1
	}
	return n + copy(buf[n:], tmp[i:])
}

// digits writes the decimal digits of |id| at the end of tmp, two at a time,
// and returns where they start.
func digits(tmp *[20]byte, id int64) int {
	u := uint64(id)
	if id < 0 {
		u = -u
	}
	i := len(tmp)
	for u >= 100 {
		q := u / 100
		d := (u - q*100) * 2
		i -= 2
		tmp[i], tmp[i+1] = digitPairs[d], digitPairs[d+1]
		u = q
	}
	if u >= 10 {
		i -= 2
		tmp[i], tmp[i+1] = digitPairs[u*2], digitPairs[u*2+1]
	} else {
		i--
		tmp[i] = byte('0' + u)
	}
	return i
}

// bucketSum reduces a 256-bit big-endian number modulo 100. With the four
// 64-bit words w0..w3 (most significant first) and 2^64 ≡ 16, 2^128 ≡ 56,
// 2^192 ≡ 96 (mod 100), the four reductions are independent, so they run in
// parallel instead of as one dependent chain.
func bucketSum(h *[32]byte) int {
	w0 := binary.BigEndian.Uint64(h[0:]) % 100
	w1 := binary.BigEndian.Uint64(h[8:]) % 100
	w2 := binary.BigEndian.Uint64(h[16:]) % 100
	w3 := binary.BigEndian.Uint64(h[24:]) % 100
	return int((w0*96 + w1*56 + w2*16 + w3) % 100)
}

// bucketValue computes the bucket of an attribute value: str() of an int is
// its decimal form, a string is itself, a bool is "True"/"False" and a float
// is Python's repr. ok is false when the value is absent.
func bucketValue(v *Value, sw *saltWords) (b int, ok bool) {
	if v.kind == kindInt {
		return bucketIntWords(int64(v.n), sw), true
	}
	return bucketOther(v, sw)
}

// bucketOther is bucketValue for values other than integers.
func bucketOther(v *Value, sw *saltWords) (b int, ok bool) {
	salt := sw.s
	switch v.kind {
	case kindString:
		return bucket(v.s, salt), true
	case kindBool:
		if v.n != 0 {
			return bucket("True", salt), true
		}
		return bucket("False", salt), true
	case kindFloat:
		var buf [32]byte
		return bucket(string(pyFloatRepr(buf[:0], math.Float64frombits(v.n))), salt), true
	}
	return 0, false
}

// pyFloatRepr appends Python's repr of f (shortest round-trip digits,
// scientific notation when the exponent is < -4 or >= 16, ".0" on integral
// values).
func pyFloatRepr(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "nan"...)
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	}
	var digs [32]byte
	e := strconv.AppendFloat(digs[:0], f, 'e', -1, 64) // d.ddde±XX
	mant, exp := e, 0
	for i := range e {
		if e[i] == 'e' {
			mant = e[:i]
			exp, _ = strconv.Atoi(string(e[i+1:]))
			break
		}
	}
	neg := false
	if mant[0] == '-' {
		neg, mant = true, mant[1:]
	}
	var digits []byte
	for _, c := range mant {
		if c != '.' {
			digits = append(digits, c)
		}
	}
	if neg {
		dst = append(dst, '-')
	}
	if exp < -4 || exp >= 16 {
		dst = append(dst, digits[0])
		if len(digits) > 1 {
			dst = append(dst, '.')
			dst = append(dst, digits[1:]...)
		}
		dst = append(dst, 'e')
		if exp < 0 {
			dst = append(dst, '-')
			exp = -exp
		} else {
			dst = append(dst, '+')
		}
		if exp < 10 {
			dst = append(dst, '0')
		}
		return strconv.AppendInt(dst, int64(exp), 10)
	}
	if exp < 0 {
		dst = append(dst, "0."...)
		for i := 0; i < -exp-1; i++ {
			dst = append(dst, '0')
		}
		return append(dst, digits...)
	}
	if len(digits) <= exp+1 {
		dst = append(dst, digits...)
		for i := len(digits); i <= exp; i++ {
			dst = append(dst, '0')
		}
		return append(dst, ".0"...)
	}
	dst = append(dst, digits[:exp+1]...)
	dst = append(dst, '.')
	return append(dst, digits[exp+1:]...)
}

// saltWords is a bucketing salt split into little-endian 64-bit words, so
// that str(id)+salt can be laid into a SHA-256 block without a byte buffer.
// The words hold the salt followed by the padding's 0x80 byte, which always
// comes right after the salt.
type saltWords struct {
	s  string
	w  [8]uint64
	n  int  // words the salt and the 0x80 occupy
	ok bool // the salt fits one block's message with room for an id
}

func newSaltWords(salt string) saltWords {
	sw := saltWords{s: salt, n: (len(salt) + 8) / 8, ok: len(salt) <= sha256block.MaxOneBlock}
	if sw.ok {
		var b [64]byte
		copy(b[:], salt)
		b[len(salt)] = 0x80
		for i := range sw.w {
			sw.w[i] = binary.LittleEndian.Uint64(b[8*i:])
		}
	}
	return sw
}

// digitVals8 returns the 8 decimal digits of x < 10^8, leading zeros
// included, as byte values 0–9 in a little-endian word: the most
// significant digit in the lowest byte, i.e. in string order. It splits x
// in SIMD-within-a-register steps (4+4 digits, 2+2, 1+1), each a multiply
// by a reciprocal that is exact over its lane's range (x/100 as
// x*5243>>19 for x < 10^4, x/10 as x*103>>10 for x < 100).
func digitVals8(x uint64) uint64 {
	hi := x / 10000
	v := hi | (x-hi*10000)<<32
	q := (v * 5243 >> 19) & 0x0000007F0000007F
	v = q | (v-q*100)<<16
	q = (v * 103 >> 10) & 0x000F000F000F000F
	return q | (v-q*10)<<8
}

// decimalWord returns str(x) for x < 10^8 as a little-endian word (string
// order) and its length, 1 to 8.
func decimalWord(x uint64) (w uint64, n int) {
	d := digitVals8(x)
	z := bits.TrailingZeros64(d|1<<56) >> 3 // leading zero digits are zero bytes (all but one for 0)
	return (d | 0x3030303030303030) >> (8 * z), 8 - z
}

// bucketIntWords is bucketInt(id, sw.s) with the hash block assembled in
// words: the decimal digits of id, then the salt shifted after them. Ids
// from 0 to 10^16-1 take the word-at-a-time path; others format digit by
// digit.
func bucketIntWords(id int64, sw *saltWords) int {
	u := uint64(id)
	if !sw.ok || u >= 1e16 { // u >= 1e16 also for id < 0
		return bucketIntDigits(id, sw)
	}
	var block [8]uint64
	var k int
	if u < 1e8 {
		d := digitVals8(u)
		z := bits.TrailingZeros64(d|1<<56) >> 3 // leading zero digits are zero bytes (all but one for 0)
		block[0], k = (d|0x3030303030303030)>>(8*z), 8-z
	} else {
		h, kh := decimalWord(u / 1e8)
		l := digitVals8(u%1e8) | 0x3030303030303030
		block[0], block[1], k = h|l<<(8*kh), l>>(64-8*kh), kh+8
	}
	if k+len(sw.s) > sha256block.MaxOneBlock {
		return bucketInt(id, sw.s)
	}
	return sw.bucket(&block, k)
}

// bucket lays the salt and padding into block after the k bytes of the
// key's str() form and returns the bucket of the block's message; k plus
// the salt's length must be at most sha256block.MaxOneBlock.
func (sw *saltWords) bucket(block *[8]uint64, k int) int {
	n := k + len(sw.s)
	// FIPS 180-4, 5.1.1: the message, 0x80 (in sw.w), zeros, then the
	// 64-bit big-endian bit length. Word q+w takes the high bytes of salt
	// word w-1 (shifting by 64 gives 0 in Go) and the low bytes of word w;
	// n <= 55 keeps the 0x80 out of word 7, which holds the length.
	q, r := k>>3, uint(8*(k&7))
	block[q&7] |= sw.w[0] << r // after the digits of word q
	for w := 1; w <= sw.n && q+w < 7; w++ {
		block[q+w] = sw.w[w&7]<<r | sw.w[(w-1)&7]>>(64-r)
	}
	block[7] = bits.ReverseBytes64(uint64(n) * 8)
	var sum [32]byte
	sha256block.SumPadded(&sum, block)
	return bucketSum(&sum)
}

// bucketIntDigits is bucketIntWords formatting id a digit at a time: for
// negative ids and ids of 17 digits or more.
func bucketIntDigits(id int64, sw *saltWords) int {
	var tmp [20]byte
	i := digits(&tmp, id)
	k := len(tmp) - i // bytes of str(id)
	if id < 0 {
		k++
	}
	if !sw.ok || k+len(sw.s) > sha256block.MaxOneBlock {
		return bucketInt(id, sw.s)
	}
	// The digits go through a register, one 8-byte store per full word.
	var block [8]uint64
	var acc uint64
	j := 0
	if id < 0 {
		acc, j = '-', 1
	}
	for ; i < len(tmp); i, j = i+1, j+1 {
		acc |= uint64(tmp[i]) << (8 * (j & 7))
		if j&7 == 7 {
			block[j>>3], acc = acc, 0
		}
	}
	block[j>>3] = acc
	return sw.bucket(&block, k)
}

// Bucket returns the rollout bucket, 0 to 99, of key value v with salt (a
// flag's salt, its name by default), as the cascade computes it; ok is false
// when v is absent.
func Bucket(v Value, salt string) (b int, ok bool) {
	sw := newSaltWords(salt)
	return bucketValue(&v, &sw)
}
