package spec

import (
	"reflect"
	"strings"
	"testing"

	"github.com/flaggen/flaggen/schema"
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
	if len(c.roots) > maxCachedRoots || c.nmembers > maxCachedMembers {
		t.Fatalf("cache holds %d trees and %d members", len(c.roots), c.nmembers)
	}
}

// FuzzPatchMembers: a PatchCache, however warm, accepts member by member
// (with quickSchema or the validator) exactly the patch documents the
// patch schema accepts as a whole.
func FuzzPatchMembers(f *testing.F) {
	for _, p := range []string{`{}`, `{"active": false}`, `{"active": "no"}`, `{"percentage_rollout": null, "users": [1]}`,
		`{"users": [1, 1]}`, `{"users": [1.5]}`, `{"percentage_rollout": 101}`, `{"percentage_rollout": 5, "users": [3]}`,
		`{"rules": [{"attribute": "device", "operator": "in", "values": ["ios"]}]}`, `{"rules": [{"attribute": "device"}]}`,
		`{"depends_on": ["a", "a"]}`, `{"tripped": "x", "activation_date": "2030-01-01T00:00:00+02:00"}`,
		`{"activation_date": "soon"}`, `{"type": "bool"}`, `{"salt": "x"}`, `[]`, `null`, `{"active": true, "active": 1}`,
		`{"environments": []}`, `{"default": 3}`, `{"performance_threshold": 1.5}`,
		`{"users": [1, "1", -0, 0]}`, `{"users": [9223372036854775808, 1]}`, `{"users": [1.0, 1]}`, `{"users": [[1]]}`,
		`{"regions": [""]}`, `{"regions": ["é", "e"]}`, `{"regions": ["a", "a"]}`, `{"percentage_rollout": -1}`,
		`{"percentage_rollout": 100}`, `{"percentage_rollout": 1e2}`, `{"error_threshold": -0}`, `{"error_threshold": true}`,
		`{"users": [true]}`, `{"users": null, "regions": null}`, `{"active": null}`, `{"tripped": ""}`} {
		f.Add([]byte(p))
	}
	var c PatchCache
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, errs := decodeDocument(patchFile, data, "/flags/x")
		if doc == nil || len(errs) > 0 {
			return
		}
		want := len(doc.validate(schema.Patch())) == 0
		if got := c.validateMembers(doc); got != want && (got || doc.root.kind == kObject) {
			t.Fatalf("%s: member by member %v, the schema %v", data, got, want)
		}
	})
}

// TestEmptyPatchIsTheFlag: an empty patch decodes to the spec's own flag
// (not a copy), which is what applying it would give.
func TestEmptyPatchIsTheFlag(t *testing.T) {
	for _, file := range []string{"testdata/demo/flags.json", "testdata/seed/flags.json"} {
		s, err := Parse("flags.json", readRepoFile(t, file))
		if err != nil {
			t.Fatal(err)
		}
		raw := map[string][]byte{}
		for _, f := range s.Flags {
			raw[f.Name] = []byte(` { } `)
			if got := (&builder{}).patchFlag(s, f, &node{kind: kObject}); !reflect.DeepEqual(got, f) {
				t.Errorf("%s: flag %s with an empty patch applied differs from the spec's", file, f.Name)
			}
		}
		patches, errs := DecodePatches(s, raw)
		for _, f := range s.Flags {
			p, err := DecodePatch(s, f.Name, []byte(`{}`))
			if errs != nil || err != nil || patches[f.Name].checked != f || p.checked != f {
				t.Fatalf("%s: flag %s: empty patch decoded to a copy (%v, %v)", file, f.Name, errs, err)
			}
		}
		if live, err := s.Apply(patches); err != nil || !reflect.DeepEqual(live.Flags, s.Flags) {
			t.Fatalf("%s: applying empty patches: %v", file, err)
		}
	}
}
