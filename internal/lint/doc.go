// Package lint finds stale and mistaken feature-flag use in Go code and its
// spec: expired flags, flags no code uses, flags on for everyone long enough
// to remove, and lookups of flag names the spec does not declare.
package lint
