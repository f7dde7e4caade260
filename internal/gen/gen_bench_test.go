package gen

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/flaggen/flaggen/internal/spec"
)

// bigSpec builds a spec of n flags mixing every flag type, strategies and
// expiry, with a source of realistic size.
func bigSpec(n int) *spec.Spec {
	s := handSpec()
	s.Flags = nil
	flags := map[string]any{}
	for i := range n {
		name := fmt.Sprintf("flag_%04d", i)
		goName := fmt.Sprintf("Flag%04d", i)
		f := &spec.Flag{Name: name, GoName: goName, Index: i, Type: spec.Bool, Active: true, Salt: name,
			Description: "Synthetic flag number " + fmt.Sprint(i) + " for the benchmark, with a description long enough to wrap.",
			Owner:       "Team " + fmt.Sprint(i%7), Kind: "release"}
		if i%10 == 0 {
			exp := time.Date(2024+i%3, 1, 1, 0, 0, 0, 0, time.UTC)
			f.Expires = &exp
		}
		switch i % 4 {
		case 1:
			f.Type = spec.Enum
			f.DefaultVariant = "a"
			for _, v := range []string{"a", "b", "c"} {
				f.Variants = append(f.Variants, &spec.Variant{Name: v, GoName: goName + v, Value: v, Weight: 100.0 / 3})
			}
		case 2:
			f.Type = spec.Int
			f.DefaultVariant = "few"
			f.Variants = []*spec.Variant{{Name: "few", Value: int64(10), Weight: 50}, {Name: "many", Value: int64(50), Weight: 50}}
		}
		if i%5 == 0 && f.Type == spec.Bool {
			f.Strategy = &spec.Strategy{Name: goName + "Strategy", Impls: map[string]string{"on": "On", "off": "Off"}, Order: []string{"on", "off"}}
		}
		s.Flags = append(s.Flags, f)
		flags[name] = map[string]any{"active": true, "regions": []string{"US", "RO"}, "percentage_rollout": 50,
			"environments": []string{"dev", "production"}, "metadata": map[string]any{"description": f.Description, "owner": f.Owner}}
	}
	src, err := json.MarshalIndent(map[string]any{"flags": flags}, "", "    ")
	if err != nil {
		panic(err)
	}
	s.Source = src
	return s
}

// BenchmarkGenerate1000 measures generating a 1,000-flag spec (goal: ≤ 1 s/op).
func BenchmarkGenerate1000(b *testing.B) {
	s := bigSpec(1000)
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

func TestBigSpecWellFormed(t *testing.T) {
	checkWellFormed(t, generate(t, bigSpec(60), Options{Package: "big", Now: jan2025}), "big")
}
