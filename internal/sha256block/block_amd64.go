//go:build amd64 && !purego

package sha256block

// useSHANI reports whether the CPU has the instructions sumBlock uses: SHA
// (SHA256RNDS2, SHA256MSG1, SHA256MSG2), SSSE3 (PSHUFB, PALIGNR) and SSE4.1
// (PBLENDW, PINSRQ). golang.org/x/sys/cpu has no x86 SHA field, so all three
// are read from CPUID directly (SSE state is always enabled on amd64).
var useSHANI = hasSHANI()

func hasSHANI() bool {
	maxLeaf, _, _, _ := cpuid(0, 0)
	if maxLeaf < 7 {
		return false
	}
	_, _, ecx1, _ := cpuid(1, 0)
	_, ebx7, _, _ := cpuid(7, 0)
	ssse3 := ecx1&(1<<9) != 0
	sse41 := ecx1&(1<<19) != 0
	sha := ebx7&(1<<29) != 0
	return ssse3 && sse41 && sha
}

// sumBlock sets out to the SHA-256 digest of one already padded 64-byte
// block, compressed from the standard initial hash value. The block is given
// as little-endian words, so its bytes are in message order. It requires
// useSHANI.
//
//go:noescape
func sumBlock(out *[32]byte, block *[8]uint64)

// cpuid executes the CPUID instruction with EAX=eaxArg and ECX=ecxArg.
func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)
