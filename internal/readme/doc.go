// Package readme tests the repository's README.md: every shell command in
// it is run, every file of its tutorial is compiled and tested, and every
// output it shows is compared with what the command prints.
package readme
