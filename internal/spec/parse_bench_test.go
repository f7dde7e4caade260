package spec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
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

// BenchmarkParse100k: Parse of a 100,000-flag spec, the first stage of
// flaggen generate (goal: ≤ 3 s/op on a loaded 2-core machine, so that
// parse and generate together stay within 10 s).
func BenchmarkParse100k(b *testing.B) {
	src := seedCopiesJSON(b, 100_000)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		s, err := Parse("flags.json", src)
		if err != nil {
			b.Fatal(err)
		}
		if len(s.Flags) != 100_000 {
			b.Fatalf("parsed %d flags", len(s.Flags))
		}
	}
}
