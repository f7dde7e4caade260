package spec

import (
	"reflect"
	"strings"
	"testing"
)

// TestPatchCache: a PatchCache decodes a patch text it saw before from its
// remembered tree, with the same result as a fresh decode, never
// remembers a text that failed, and keeps within its bounds.
func TestPatchCache(t *testing.T) {
	s := demoSpec(t)
	var c PatchCache
	text := []byte(`{"active": false, "users": [1, 2]}`)
	bad := []byte(`{"active": false, "percentage_rollout": 500}`)
	for range 3 {
		got, errs := c.DecodePatches(s, map[string][]byte{"new_ui": text, "advanced_search": bad})
		want, werrs := DecodePatches(s, map[string][]byte{"new_ui": text, "advanced_search": bad})
		if !reflect.DeepEqual(got, want) || len(errs) != 1 || errs["advanced_search"].Error() != werrs["advanced_search"].Error() {
			t.Fatalf("cached decode = %v %v, fresh %v %v", got, errs, want, werrs)
		}
	}
	if c.root(text) == nil || c.root(bad) != nil {
		t.Fatalf("cache holds the valid text: %v, the refused one: %v", c.root(text) != nil, c.root(bad) != nil)
	}
	for i := range maxCachedRoots + 10 {
		c.DecodePatches(s, map[string][]byte{"new_ui": []byte(`{"percentage_rollout": ` + strings.Repeat("1", 1+i%3) + `, "users": [` + string(rune('0'+i%10)) + `]}`)})
		c.rememberRoot([]byte{byte(i), byte(i >> 8)}, &node{})
	}
	if len(c.roots) > maxCachedRoots || len(c.members) > maxCachedMembers {
		t.Fatalf("cache holds %d trees and %d members", len(c.roots), len(c.members))
	}
}
