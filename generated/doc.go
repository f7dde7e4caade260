// Package generated holds, in its subdirectories, the code generated from the
// repository's own specs; its test fails when any go:generate'd flaggen
// output in the module is stale.
package generated
