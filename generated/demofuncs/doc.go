package demofuncs

// The package doc comment is in flags_gen.go, generated from the demo spec
// (testdata/demo/flags.json) as generated/demo is, but with -accessors=funcs:
// each flag's accessor is a function (demofuncs.NewUI(f, ctx, c)) and its
// handle has a "Flag" suffix (demofuncs.NewUIFlag).

//go:generate go run github.com/flaggen/flaggen/cmd/flaggen generate -spec ../../testdata/demo/flags.json -out . -accessors=funcs
