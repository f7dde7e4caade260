// Package gen turns a validated flag spec into the Go source of a typed flags
// package, in memory, with jennifer.
package gen
