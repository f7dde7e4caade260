// Package spec decodes and validates a flag spec into the one model shared by
// the generator and the runtime.
package spec
