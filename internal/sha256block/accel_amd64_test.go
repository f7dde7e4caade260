//go:build amd64 && !purego

package sha256block

import (
	"crypto/sha256"
	"encoding/binary"
	"os"
	"runtime"
	"strings"
	"testing"
)

// TestAccelerated checks the CPUID detection against the kernel's view of
// the CPU: on a Linux machine whose /proc/cpuinfo lists sha_ni, ssse3 and
// sse4_1, the fast path must be taken, and without them it must not be.
func TestAccelerated(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs /proc/cpuinfo")
	}
	info, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		t.Skipf("reading CPU flags: %v", err)
	}
	flags := map[string]bool{}
	for line := range strings.Lines(string(info)) {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "flags" {
			for _, f := range strings.Fields(v) {
				flags[f] = true
			}
			break
		}
	}
	want := flags["sha_ni"] && flags["ssse3"] && flags["sse4_1"]
	if got := Accelerated(); got != want {
		t.Fatalf("Accelerated() = %v, but /proc/cpuinfo flags sha_ni=%v ssse3=%v sse4_1=%v",
			got, flags["sha_ni"], flags["ssse3"], flags["sse4_1"])
	}
	if !want {
		t.Log("this CPU has no SHA-NI: only the crypto/sha256 fallback is tested")
	}
}

// TestSumBlock calls the assembly directly on every one-block length, so a
// broken compression fails here even if the dispatch in Sum were wrong.
func TestSumBlock(t *testing.T) {
	if !useSHANI {
		t.Skip("no SHA-NI on this CPU")
	}
	for n := 0; n <= MaxOneBlock; n++ {
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(i*7 + n)
		}
		var buf [64]byte
		copy(buf[:], data)
		buf[n] = 0x80
		binary.BigEndian.PutUint64(buf[56:], uint64(n)*8)
		var block [8]uint64
		for i := range block {
			block[i] = binary.LittleEndian.Uint64(buf[8*i:])
		}
		var out [32]byte
		sumBlock(&out, &block)
		if want := sha256.Sum256(data); out != want {
			t.Fatalf("sumBlock(len %d) = %x, want %x", n, out, want)
		}
	}
}

// BenchmarkSumBlock measures the bare compression, the floor under Sum.
func BenchmarkSumBlock(b *testing.B) {
	if !useSHANI {
		b.Skip("no SHA-NI on this CPU")
	}
	var block [8]uint64
	block[0] = 0x80
	var out [32]byte
	for b.Loop() {
		sumBlock(&out, &block)
	}
	sink = out
}
