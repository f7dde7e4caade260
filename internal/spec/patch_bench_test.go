package spec

import (
	"fmt"
	"strings"
	"testing"
)

// benchSpec returns a spec of n bool flags with the seed's targeting, and
// a live state holding one patch per flag (mostly "{}", as registration
// leaves them; every tenth a rollout).
func benchSpec(b *testing.B, n int) (*Spec, map[string][]byte) {
	var sb strings.Builder
	sb.WriteString(`{"flags": {`)
	raw := make(map[string][]byte, n)
	for i := range n {
		if i > 0 {
			sb.WriteString(",")
		}
		name := fmt.Sprintf("flag_%05d", i)
		fmt.Fprintf(&sb, `%q: {"active": true, "regions": ["US", "RO"], "percentage_rollout": 50, "users": [1, 2, 3]}`, name)
		raw[name] = []byte(`{}`)
		if i%10 == 0 {
			raw[name] = []byte(`{"percentage_rollout": 75}`)
		}
	}
	sb.WriteString(`}}`)
	s, err := Parse("flags.json", []byte(sb.String()))
	if err != nil {
		b.Fatal(err)
	}
	return s, raw
}

// BenchmarkLiveState10000 decodes and applies a whole live state of 10,000
// flags: what every instance does at start-up and on a full resync.
func BenchmarkLiveState10000(b *testing.B) {
	s, raw := benchSpec(b, 10000)
	benchLiveState(b, s, raw)
}

// BenchmarkLiveState10000Distinct is BenchmarkLiveState10000 with every
// flag's patch text its own (a users list of its own), so that no text is
// decoded once for many flags.
func BenchmarkLiveState10000Distinct(b *testing.B) {
	s, raw := benchSpec(b, 10000)
	i := 0
	for name := range raw {
		raw[name] = fmt.Appendf(nil, `{"active":%t,"percentage_rollout":%d,"users":[%d]}`, i%7 != 0, (i+1)%100, i)
		i++
	}
	benchLiveState(b, s, raw)
}

// benchLiveState decodes and applies the live state raw over s.
func benchLiveState(b *testing.B, s *Spec, raw map[string][]byte) {
	b.ReportAllocs()
	for b.Loop() {
		patches, errs := DecodePatches(s, raw)
		if errs != nil {
			b.Fatal(errs)
		}
		if _, err := s.Apply(patches); err != nil {
			b.Fatal(err)
		}
	}
}
