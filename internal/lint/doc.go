// Package lint finds stale and mistaken feature-flag use in Go code and its
// spec: expired flags, flags no code uses, flags on for everyone long enough
// to remove, flags the apps have not evaluated for long, and lookups of flag
// names the spec does not declare.
package lint
