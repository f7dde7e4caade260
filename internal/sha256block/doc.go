// Package sha256block computes SHA-256 of inputs that fit one 64-byte block
// (at most 55 bytes) with a single SHA-NI compression, falling back to
// crypto/sha256 for longer inputs and on machines without SHA-NI.
package sha256block
