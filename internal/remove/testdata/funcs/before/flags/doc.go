package flags

// The package doc comment is in flags_gen.go, generated from flags.json
// with -accessors=funcs.
