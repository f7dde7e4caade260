//go:build !amd64 || purego

package sha256block

// useSHANI is false: only amd64 has the SHA-NI one-block path, so Sum always
// uses crypto/sha256 here.
const useSHANI = false

// sumBlock is never called when useSHANI is false; it exists so that Sum
// compiles on every architecture.
func sumBlock(out *[32]byte, block *[8]uint64) {
	panic("sha256block: sumBlock called without SHA-NI support")
}
