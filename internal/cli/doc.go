// Package cli implements the flaggen command line: a table of commands, one
// file each, run by Main.
package cli
