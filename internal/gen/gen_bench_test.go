package gen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/flaggen/flaggen/internal/benchsize"
	"github.com/flaggen/flaggen/internal/spec"
)

// bigSpecJSON returns a valid spec of n flags mixing bool flags (some with
// strategies, dependencies, rules), enum and int variant flags, expiry, and
// descriptions long enough to wrap.
func bigSpecJSON(n int) []byte {
	flags := map[string]any{}
	for i := range n {
		name := fmt.Sprintf("flag_%04d", i)
		f := map[string]any{
			"active": true, "regions": []string{"US", "RO"}, "environments": []string{"dev", "production"},
			"kind":     "release",
			"metadata": map[string]any{"description": fmt.Sprintf("Synthetic flag number %d for the benchmark, with a description long enough to wrap.", i), "owner": fmt.Sprintf("Team %d", i%7)},
		}
		if i%10 == 0 {
			f["expires"] = fmt.Sprintf("%d-01-01", 2024+i%3)
		}
		switch i % 4 {
		case 1:
			f["type"], f["default"] = "enum", "a"
			f["variants"] = map[string]any{"a": 40, "b": 30, "c": 30}
			delete(f, "regions")
		case 2:
			f["type"], f["default"] = "int", "few"
			f["variants"] = map[string]any{"few": map[string]any{"value": 10, "weight": 50}, "many": map[string]any{"value": 50, "weight": 50}}
			delete(f, "regions")
		case 3:
			f["percentage_rollout"] = 50
			f["depends_on"] = []string{fmt.Sprintf("flag_%04d", i-3)}
			f["rules"] = []any{map[string]any{"attribute": "region", "operator": "in", "values": []string{"US"}}}
		default:
			if i%5 == 0 {
				f["strategy"] = map[string]any{"name": fmt.Sprintf("Flag%04dStrategy", i), "on": "On", "off": "Off"}
			}
		}
		flags[name] = f
	}
	src, err := json.MarshalIndent(map[string]any{"flags": flags}, "", "    ")
	if err != nil {
		panic(err)
	}
	return src
}

func bigSpec(tb testing.TB, n int) *spec.Spec {
	tb.Helper()
	s, err := spec.Parse("flags.json", bigSpecJSON(n))
	if err != nil {
		tb.Fatalf("spec.Parse: %v", err)
	}
	if len(s.Flags) != n {
		tb.Fatalf("parsed %d flags, want %d", len(s.Flags), n)
	}
	return s
}

// BenchmarkGenerate1000 measures Generate on a parsed 1,000-flag spec
// (goal: ≤ 1 s/op on a 2-core machine).
func BenchmarkGenerate1000(b *testing.B) {
	s := bigSpec(b, 1000)
	opts := Options{Package: "big", Now: jan2025}
	var size int
	for b.Loop() {
		files, err := Generate(s, opts)
		if err != nil {
			b.Fatal(err)
		}
		size = len(files[FileName])
	}
	b.ReportMetric(float64(size), "bytes/file")
}

// BenchmarkParseGenerate1000 is what flaggen generate spends on a 1,000-flag
// spec: parse and validate, then generate.
func BenchmarkParseGenerate1000(b *testing.B) {
	src := bigSpecJSON(1000)
	opts := Options{Package: "big", Now: jan2025}
	for b.Loop() {
		s, err := spec.Parse("flags.json", src)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Generate(s, opts); err != nil {
			b.Fatal(err)
		}
	}
}

func TestBigSpecWellFormed(t *testing.T) {
	checkWellFormed(t, generate(t, bigSpec(t, 60), Options{Package: "big", Now: jan2025}), "big")
}

// newUISpecJSON returns a spec of n flags, each shaped like the seed's
// new_ui (testdata/seed/flags.json) under its own name.
func newUISpecJSON(n int) []byte {
	var b bytes.Buffer
	b.WriteString("{\"flags\": {\n")
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `  "new_ui_%06d": {"active": true, "regions": ["US", "RO"], "percentage_rollout": 90, "users": [123, 456, 789],
    "account_types": ["premium", "enterprise"], "beta_program": true, "activation_date": "2022-12-25T00:00:00",
    "error_threshold": 100, "environments": ["dev", "staging", "production"], "performance_baseline": 1.0,
    "metadata": {"description": "New and improved UI with advanced features.", "owner": "UI Team"}}`, i)
	}
	b.WriteString("\n}}\n")
	return b.Bytes()
}

// BenchmarkParseGenerateMax is flaggen generate's work on a spec of
// MaxFlags (65,532) flags shaped like the seed's new_ui: parse and
// validate, then generate (goal, set for 100,000 flags before MaxFlags:
// ≤ 10 s/op on a 2-core machine).
func BenchmarkParseGenerateMax(b *testing.B) {
	src := newUISpecJSON(benchsize.N(MaxFlags))
	opts := Options{Package: "big", Now: jan2025}
	var size int
	for b.Loop() {
		s, err := spec.Parse("flags.json", src)
		if err != nil {
			b.Fatal(err)
		}
		files, err := Generate(s, opts)
		if err != nil {
			b.Fatal(err)
		}
		size = len(files[FileName])
	}
	b.ReportMetric(float64(len(src)), "spec-bytes")
	b.ReportMetric(float64(size), "bytes/file")
}

// BenchmarkGenerateMax is Generate alone on the spec of
// BenchmarkParseGenerateMax, parsed once.
func BenchmarkGenerateMax(b *testing.B) {
	s, err := spec.Parse("flags.json", newUISpecJSON(benchsize.N(MaxFlags)))
	if err != nil {
		b.Fatal(err)
	}
	opts := Options{Package: "big", Now: jan2025}
	for b.Loop() {
		if _, err := Generate(s, opts); err != nil {
			b.Fatal(err)
		}
	}
}
