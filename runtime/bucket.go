package runtime

import (
	"crypto/sha256"
	"encoding/binary"
	"math"
	"strconv"
)

// bucketBufSize bounds the stack buffer holding str(user_id)+salt; longer
// inputs (very long ids or salts) take a slower, allocating path.
const bucketBufSize = 192

// bucket returns int(SHA-256(key+salt)) mod 100, the seed's rollout bucket,
// for a key already in its str() form.
func bucket(key, salt string) int {
	var buf [bucketBufSize]byte
	if len(key)+len(salt) > len(buf) {
		return bucketSum(sha256.Sum256([]byte(key + salt)))
	}
	n := copy(buf[:], key)
	n += copy(buf[n:], salt)
	return bucketSum(sha256.Sum256(buf[:n]))
}

// bucketInt is bucket(str(id), salt) without formatting allocations.
func bucketInt(id int64, salt string) int {
	var buf [bucketBufSize]byte
	b := strconv.AppendInt(buf[:0], id, 10)
	if len(b)+len(salt) > len(buf) {
		return bucketSum(sha256.Sum256(append(b, salt...)))
	}
	n := len(b) + copy(buf[len(b):], salt)
	return bucketSum(sha256.Sum256(buf[:n]))
}

// bucketSum reduces a 256-bit big-endian number modulo 100 by folding it
// 64 bits at a time: 2^64 ≡ 16 (mod 100).
func bucketSum(h [32]byte) int {
	var r uint64
	for i := 0; i < 32; i += 8 {
		r = (r*16 + binary.BigEndian.Uint64(h[i:])%100) % 100
	}
	return int(r)
}

// bucketValue computes the bucket of an attribute value: str() of an int is
// its decimal form, a string is itself, a bool is "True"/"False" and a float
// is Python's repr. ok is false when the value is absent.
func bucketValue(v Value, salt string) (b int, ok bool) {
	switch v.kind {
	case kindInt:
		return bucketInt(int64(v.n), salt), true
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
