package engine

import (
	"testing"

	"github.com/flaggen/flaggen/internal/spec"
)

// The evaluation benchmarks of the issue (NewUI, OnOff, Variant, Strategy
// and their floors) run over the generated accessors in
// generated/bench_test.go, so their ratios come from one run. This one
// isolates the bucketing step.

var sinkB bool

// BenchmarkBucket: the bucketing step alone (format id, hash, fold).
func BenchmarkBucket(b *testing.B) {
	id := int64(1000)
	b.ReportAllocs()
	for b.Loop() {
		id++
		sinkB = bucketInt(id, "new_ui") < 90
	}
}

// BenchmarkBucketWords: the bucketing of an integer key as evaluations run
// it (digits and salt laid into the hash block as words).
func BenchmarkBucketWords(b *testing.B) {
	id := int64(100000)
	sw := newSaltWords("new_ui")
	b.ReportAllocs()
	for b.Loop() {
		id += 7919
		sinkB = bucketIntWords(id, &sw) < 90
	}
}

// BenchmarkSegment: a flag whose targeting is a segment (its checks and a
// rollout), beside the same flag with the checks written out in it.
func BenchmarkSegment(b *testing.B) {
	m, err := spec.Parse("b.json", []byte(`{"context": {"user_id": {"type": "int", "key": true}, "region": {"type": "string"}},
  "segments": {"eu": {"regions": ["RO", "DE"], "include": [1, 2, 3], "exclude": [4]}},
  "flags": {"seg": {"active": true, "segments": ["eu"], "percentage_rollout": 50},
            "inline": {"active": true, "regions": ["RO", "DE"], "percentage_rollout": 50}}}`))
	if err != nil {
		b.Fatal(err)
	}
	s, err := Build(Input{Base: m, ByName: byName(m), Live: m})
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range []string{"seg", "inline"} {
		b.Run(name, func(b *testing.B) {
			i := m.Flag(name).Index
			a := []Value{Int(1000), String("DE")}
			b.ReportAllocs()
			for b.Loop() {
				sinkB = s.Bool(i, a)
			}
		})
	}
}

// BenchmarkSegmentDiamond: a flag whose segment nests a diamond of 26
// levels of shared segments (see TestSegmentsDiamond), every one evaluated.
func BenchmarkSegmentDiamond(b *testing.B) {
	m, err := spec.Parse("b.json", []byte(diamondSpec(26)))
	if err != nil {
		b.Fatal(err)
	}
	s, err := Build(Input{Base: m, ByName: byName(m), Live: m})
	if err != nil {
		b.Fatal(err)
	}
	i := m.Flag("f").Index
	a := []Value{Int(9), String("DE"), {}, {}, {}}
	b.ReportAllocs()
	for b.Loop() {
		sinkB = s.Bool(i, a)
	}
}
