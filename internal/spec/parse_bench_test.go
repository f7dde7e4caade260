package spec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/flaggen/flaggen/internal/benchsize"
)

// seedCopiesJSON returns a spec of n flags, each the seed's new_ui
// (testdata/seed/flags.json) as written there, under its own name.
func seedCopiesJSON(tb testing.TB, n int) []byte {
	var seed struct{ Flags map[string]json.RawMessage }
	if err := json.Unmarshal(readRepoFile(tb, "testdata/seed/flags.json"), &seed); err != nil {
		tb.Fatal(err)
	}
	newUI := seed.Flags["new_ui"]
	var b bytes.Buffer
	b.WriteString("{\"flags\": {\n")
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, "%q: %s", fmt.Sprintf("new_ui_%06d", i), newUI)
	}
	b.WriteString("\n}}\n")
	return b.Bytes()
}

// cpuTime returns the CPU time the process has used, user and system.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkParse100k: Parse of a 100,000-flag spec, the first stage of
// flaggen generate (goal: ≤ 3 s/op on a loaded 2-core machine, so that
// parse and generate together stay within 10 s). It also reports the CPU
// time per op (all threads: the garbage collector's too), which the load
// of other processes changes less than the wall time.
func BenchmarkParse100k(b *testing.B) { benchmarkParse(b, benchsize.N(100_000)) }

// BenchmarkParse10k is BenchmarkParse100k with a tenth of the flags: Parse
// is linear when it takes a tenth of the time.
func BenchmarkParse10k(b *testing.B) { benchmarkParse(b, benchsize.N(10_000)) }

func benchmarkParse(b *testing.B, flags int) {
	src := seedCopiesJSON(b, flags)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	start, n := cpuTime(b), 0
	for b.Loop() {
		n++
		s, err := Parse("flags.json", src)
		if err != nil {
			b.Fatal(err)
		}
		if len(s.Flags) != flags {
			b.Fatalf("parsed %d flags", len(s.Flags))
		}
	}
	b.ReportMetric((cpuTime(b)-start).Seconds()/float64(n), "cpu-s/op")
}
