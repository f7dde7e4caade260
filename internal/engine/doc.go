// Package engine compiles a spec with live state and test pins into an immutable snapshot and evaluates flags on it (the cascade, targeting rules, rollout bucketing, explanations), with no goroutines of its own, no I/O and no clock but the one passed in.
package engine
