package spec

import "fmt"

// Size limits. A live patch is decoded by every instance on every change,
// so it is bounded: MaxPatchBytes of JSON, and at most MaxPatchList entries
// in any one list (users, regions, rules, a rule's values …). 100,000 is
// an allow-list of a beta cohort or a customer's staff; larger audiences
// are a rule over an attribute or a percentage_rollout. 4 MiB holds
// 100,000 UUID user ids. A spec file is reviewed and built into the
// program, so its lists may be longer: up to MaxSpecList entries. Patches
// and specs over a limit are refused like any bad value: at write time
// (the write fails, naming the flag, the field and the limit) and at read
// time (the flag's patch is refused: the flag serves its spec definition,
// with the patch's kill switch, as live.go says).
const (
	MaxPatchBytes = 4 << 20
	MaxPatchList  = 100_000
	MaxSpecList   = 1_000_000
)

// checkPatchSize refuses a patch text over MaxPatchBytes.
func checkPatchSize(data []byte) ErrorList {
	if len(data) <= MaxPatchBytes {
		return nil
	}
	return ErrorList{{File: patchFile, Line: 1, Col: 1, Msg: fmt.Sprintf("the patch is %d bytes, over the limit of %d bytes (%d MiB) for one flag's live patch", len(data), MaxPatchBytes, MaxPatchBytes>>20)}}
}

// listsOver returns an error for each list in the tree under n with more
// than limit entries; what names the document ("a live patch", "a spec").
func listsOver(n *node, limit int, what string) []*Error {
	var errs []*Error
	var walk func(n *node)
	walk = func(n *node) {
		if n.kind == kArray && len(n.elems) > limit {
			errs = append(errs, &Error{Pointer: n.ptr, Msg: fmt.Sprintf("%d entries, over the limit of %d entries for a list in %s", len(n.elems), limit, what)})
		}
		for _, e := range n.elems {
			if e.kind == kArray || e.kind == kObject {
				walk(e)
			}
		}
	}
	walk(n)
	return errs
}
