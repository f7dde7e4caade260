// Flaggen turns a feature-flag spec (flags.json) into a typed Go package and
// checks specs.
//
// Usage:
//
//	flaggen COMMAND [options]
//	flaggen help [COMMAND]
//
// Every command documents its options with -h. Exit status: 0 success,
// 1 failure (an invalid spec, a stale file under -check, an I/O error),
// 2 a usage error. Errors are printed on standard error, prefixed
// "flaggen: ", except spec errors, printed one per line as
//
//	FILE:LINE:COL: /json/pointer: message
//
// # generate
//
//	flaggen generate -spec FILE -out DIR [-pkg NAME] [-now DATE] [-check]
//
// Generate validates the spec FILE and writes DIR/flags_gen.go: a Context
// struct with one typed field per declared attribute (a zero field is an
// absent attribute), one method per flag on Flags (bool, string, int64,
// float64, or the flag's Variant type for enum flags, whose variants become
// constants), one handle per flag for runtime.ToggleAs and Flags.Explain, a
// factory per strategy (the seed's dependency-injection SearchService
// example, without an if at the call site), and the validated spec,
// embedded. Method doc comments carry the flag's description, owner, kind
// and expiry; the method of a flag that has expired is marked Deprecated.
//
// An invalid spec is reported in full and nothing is written. Files are
// written atomically (temporary file, then rename) and only when their
// content changes. Options:
//
//	-spec FILE  the spec to read (required); the generated code records
//	            its base name
//	-out DIR    the output directory (required), created if missing
//	-pkg NAME   the package name; default: the package DIR already holds,
//	            else DIR's base name, lower-cased, without the characters
//	            a package name cannot have
//	-now DATE   the date expiry is judged against (2006-01-02 or RFC 3339);
//	            default: today
//	-check      write nothing; exit 1 and print a short diff when a file is
//	            missing or differs (a CI freshness check)
//
// Under go generate, relative paths are relative to the directory of the
// file holding the directive, for instance in package flags:
//
//	//go:generate go run github.com/flaggen/flaggen/cmd/flaggen generate -spec flags.json -out .
//
// # validate
//
//	flaggen validate -spec FILE
//
// Validate checks the spec FILE against the schema and the semantic rules and
// prints every error; it prints nothing and exits 0 when the spec is valid.
//
//	-spec FILE  the spec to check (required)
//
// # lint
//
//	flaggen lint -spec FILE [-warn] [-now DATE] [-stale DURATION] [PACKAGES]
//
// Lint checks the spec FILE against the Go PACKAGES that use it (default
// ./..., test files included) and prints one finding per line, FILE:LINE:
// message: expired flags, flags no package references, bool flags on for
// everyone in a spec unchanged for -stale, and flag names passed to
// runtime.ToggleNameAs that the spec does not declare. It exits 1 when it
// finds anything.
//
//	-spec FILE        the spec (required)
//	-warn             print the findings but exit 0
//	-now DATE         the date expiry and age are judged against; default: now
//	-stale DURATION   how long a spec must be unchanged before a flag on for
//	                  everyone is reported as ready to remove
package main
