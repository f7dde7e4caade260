package flags

// The package doc comment is in flags_gen.go, generated from flags.json:
// the feature-toggle article's features_config.json plus the SearchService strategy
// on advanced_search.

//go:generate go run github.com/flaggen/flaggen/cmd/flaggen generate -spec flags.json -out .
