package engine

import (
	"crypto/sha256"
	"encoding/binary"
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// pythonVectors were computed here with the seed's rollout.py:
//
//	int(hashlib.sha256(f"{user_id}{salt}".encode()).hexdigest(), 16) % 100
var pythonVectors = []struct {
	id   Value
	salt string
	want int
}{
	{id: Int(123), salt: "new_ui", want: 99},
	{id: Int(456), salt: "new_ui", want: 86},
	{id: Int(789), salt: "new_ui", want: 54},
	{id: Int(1), salt: "new_ui", want: 11},
	{id: Int(0), salt: "new_ui", want: 3},
	{id: Int(-5), salt: "new_ui", want: 27},
	{id: Int(123), salt: "advanced_search", want: 53},
	{id: Int(42), salt: "advanced_search", want: 46},
	{id: Int(9223372036854775807), salt: "new_ui", want: 9},
	{id: Int(-9223372036854775808), salt: "x", want: 40},
	{id: String("alice"), salt: "checkout_button", want: 12},
	{id: String("user-42"), salt: "new_ui", want: 67},
	{id: String(""), salt: "s", want: 81},
	{id: String("ü"), salt: "new_ui", want: 6},
	{id: Int(7), salt: "", want: 49},
	{id: Int(1000000), salt: "FeatureSalt", want: 7},
	{id: Float(1.5), salt: "f", want: 44},
	{id: Float(1e16), salt: "f", want: 63},
	{id: Float(123456789.123), salt: "f", want: 45},
	{id: Float(0.1), salt: "f", want: 56},
	{id: Float(2.5e-7), salt: "f", want: 96},
	{id: Float(12345678901234567.0), salt: "f", want: 47},
	{id: Float(100.0), salt: "f", want: 77},
	{id: Bool(true), salt: "f", want: 72},
	{id: Bool(false), salt: "f", want: 59},
}

func TestBucketPythonVectors(t *testing.T) {
	for _, v := range pythonVectors {
		sw := newSaltWords(v.salt)
		got, ok := bucketValue(&v.id, &sw)
		if !ok || got != v.want {
			t.Errorf("bucket(%s, %q) = %d, %v; Python says %d", v.id.GoString(), v.salt, got, ok, v.want)
		}
	}
	x := newSaltWords("x")
	if _, ok := bucketValue(&Value{}, &x); ok {
		t.Error("bucket of an absent key reported ok")
	}
}

// bigBucket is the seed's formula with a big integer.
func bigBucket(s string) int {
	h := sha256.Sum256([]byte(s))
	n := new(big.Int).SetBytes(h[:])
	return int(n.Mod(n, big.NewInt(100)).Int64())
}

func TestBucketMatchesBigInt(t *testing.T) {
	const n = 100_000
	salts := []string{"new_ui", "advanced_search", ""}
	words := make([]saltWords, len(salts))
	for k, salt := range salts {
		words[k] = newSaltWords(salt)
	}
	for i := int64(-n / 10); i < n; i++ {
		k := int(i&3) % len(salts)
		salt := salts[k]
		want := bigBucket(strconv.FormatInt(i, 10) + salt)
		if got := bucketInt(i, salt); got != want {
			t.Fatalf("bucketInt(%d, %q) = %d, big.Int says %d", i, salt, got, want)
		}
		if got := bucketIntWords(i, &words[k]); got != want {
			t.Fatalf("bucketIntWords(%d, %q) = %d, big.Int says %d", i, salt, got, want)
		}
	}
	for i := 0; i < n/10; i++ {
		id := "user-" + strconv.Itoa(i*7919)
		if got, want := bucket(id, "checkout_button"), bigBucket(id+"checkout_button"); got != want {
			t.Fatalf("bucket(%q) = %d, big.Int says %d", id, got, want)
		}
	}
	// Extremes and digit-count boundaries of the decimal formatting, and a
	// salt long enough to push str(id)+salt past the stack buffer.
	edges := []int64{math.MinInt64, math.MinInt64 + 1, math.MaxInt64, -1, 0, 9, 10, 99, 100, 999_999_999_999_999_999, 1_000_000_000_000_000_000}
	longSalt := strings.Repeat("s", 50)
	for _, id := range edges {
		for _, salt := range []string{"new_ui", longSalt, strings.Repeat("x", 35), strings.Repeat("y", 36), strings.Repeat("z", 60)} {
			want := bigBucket(strconv.FormatInt(id, 10) + salt)
			if got := bucketInt(id, salt); got != want {
				t.Fatalf("bucketInt(%d, %q) = %d, big.Int says %d", id, salt, got, want)
			}
			sw := newSaltWords(salt)
			if got := bucketIntWords(id, &sw); got != want {
				t.Fatalf("bucketIntWords(%d, %q) = %d, big.Int says %d", id, salt, got, want)
			}
		}
	}
	// Every decimal length: the word-at-a-time formatting splits ids at 8
	// and 16 digits; ids around each power of ten, and pseudo-random ids of
	// every magnitude, with salts that end at every offset in a word.
	rng := rand.New(rand.NewPCG(1, 2))
	for p := int64(1); ; p *= 10 {
		ids := []int64{p - 1, p, p + 1, p + rng.Int64N(p), -p, -p + 1}
		for _, id := range ids {
			for _, salt := range []string{"", "a", "new_ui", "advanced_search", strings.Repeat("q", 30)} {
				want := bigBucket(strconv.FormatInt(id, 10) + salt)
				sw := newSaltWords(salt)
				if got := bucketIntWords(id, &sw); got != want {
					t.Fatalf("bucketIntWords(%d, %q) = %d, big.Int says %d", id, salt, got, want)
				}
			}
		}
		if p > math.MaxInt64/10 {
			break
		}
	}
	// Inputs longer than the stack buffer take the slow path.
	long := string(make([]byte, 300))
	if got, want := bucket(long, "salt"), bigBucket(long+"salt"); got != want {
		t.Fatalf("long bucket = %d, want %d", got, want)
	}
}

// TestDecimalWord checks the word-at-a-time decimal formatting against
// strconv at every length and digit.
func TestDecimalWord(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	xs := []uint64{0, 1, 9, 10, 99_999_999}
	for p := uint64(1); p < 1e8; p *= 10 {
		xs = append(xs, p-1, p, p+1, p+rng.Uint64N(p))
	}
	for range 100_000 {
		xs = append(xs, rng.Uint64N(1e8))
	}
	for _, x := range xs {
		w, n := decimalWord(x)
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], w)
		if got, want := string(b[:n]), strconv.FormatUint(x, 10); got != want || w>>(8*n%64) != 0 && n < 8 {
			t.Fatalf("decimalWord(%d) = %q (word %#x, %d bytes), want %q", x, got, w, n, want)
		}
	}
}

func TestBucketDistribution(t *testing.T) {
	var counts [100]int
	for i := int64(0); i < 100_000; i++ {
		counts[bucketInt(i, "new_ui")]++
	}
	for b, c := range counts {
		if c < 850 || c > 1150 {
			t.Errorf("bucket %d has %d of 100000 ids, want about 1000", b, c)
		}
	}
}

func TestBucketNoAlloc(t *testing.T) {
	id := String("user-12345")
	asw, nsw := newSaltWords("advanced_search"), newSaltWords("new_ui")
	if n := testing.AllocsPerRun(1000, func() {
		bucketInt(1234567, "new_ui")
		bucketIntWords(1234567, &nsw)
		bucketValue(&id, &asw)
	}); n != 0 {
		t.Fatalf("bucketing allocates %v times per run", n)
	}
}

func TestPyFloatRepr(t *testing.T) {
	for f, want := range map[float64]string{1.5: "1.5", 1e16: "1e+16", 1e-5: "1e-05", 100: "100.0", 0.1: "0.1",
		123456789.123: "123456789.123", 12345678901234567: "1.2345678901234568e+16", 0: "0.0", -2.5: "-2.5", 1e15: "1000000000000000.0"} {
		if got := string(pyFloatRepr(nil, f)); got != want {
			t.Errorf("pyFloatRepr(%v) = %q, want %q", f, got, want)
		}
	}
}
