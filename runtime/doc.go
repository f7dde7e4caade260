// Package runtime evaluates generated feature flags from an immutable, atomically swapped snapshot
// kept in step with live state in a Store, and provides monitors and test overrides.
package runtime
