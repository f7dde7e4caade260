// Package remove plans and applies the removal of a finished flag from its
// spec and from the Go code that uses it (flaggen remove).
package remove
