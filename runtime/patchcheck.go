package runtime

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/flaggen/flaggen/internal/spec"
	"github.com/flaggen/flaggen/runtime/store"
)

// CheckPatches implements store.PatchChecker: it returns an error naming the first flag (in name order)
// whose patch is not a live patch of s: an unknown flag, a field that is
// not patchable, a value of the wrong type or out of range (the checks
// internal/spec.DecodePatches makes; depends_on cycles across flags are
// checked when the runtime applies a state). A nil or JSON null patch,
// which deletes the flag's entry, passes.
func (s *Spec) CheckPatches(patches map[string]json.RawMessage) error {
	raw := make(map[string][]byte, len(patches))
	for name, p := range patches {
		if !store.IsNull(p) {
			raw[name] = p
		}
	}
	_, errs := spec.DecodePatches(s.m, raw)
	for _, name := range slices.Sorted(maps.Keys(errs)) {
		return fmt.Errorf("flag %q: %w", name, errs[name])
	}
	return nil
}
