package engine

import "testing"

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
