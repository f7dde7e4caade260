package demo

// The package doc comment is in flags_gen.go, generated from the demo spec
// (testdata/demo/flags.json), which uses every spec feature: variants, enums,
// rules, strategies, a release, an expired flag.

//go:generate go run github.com/flaggen/flaggen/cmd/flaggen generate -spec ../../testdata/demo/flags.json -out .
