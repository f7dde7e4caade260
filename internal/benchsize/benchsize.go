// Package benchsize scales a benchmark's input down under -short, so that a
// smoke run of every benchmark (internal/readme runs make bench's command
// once with -benchtime=1x -short) checks that each one works without paying
// for the sizes its figures are measured at.
package benchsize

import "testing"

// Short is the size a benchmark uses under -short, at most.
const Short = 100

// N returns n, or min(n, Short) under -short.
func N(n int) int {
	if testing.Short() {
		return min(n, Short)
	}
	return n
}
