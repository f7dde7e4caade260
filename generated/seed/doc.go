package seed

// The package doc comment is in flags_gen.go, generated from the original
// article's features_config.json (testdata/seed/flags.json).

//go:generate go run github.com/flaggen/flaggen/cmd/flaggen generate -spec ../../testdata/seed/flags.json -out .
