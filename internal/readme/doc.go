// Package readme tests the repository's README.md: every shell command in
// it is run, every file of its tutorial is compiled and tested, and every
// output it shows is compared with what the command prints; and what the
// README promises around them: .ci/run installs what make test needs, and
// go.mod asks for the lowest Go version its dependencies allow.
package readme
