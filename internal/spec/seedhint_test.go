package spec

import (
	"strings"
	"testing"
)

// TestBareSeedConfigHint: a seed features_config.json given as the whole
// spec (flags at the top level) is refused with a hint to wrap it.
func TestBareSeedConfigHint(t *testing.T) {
	_, err := Parse("features_config.json", []byte(`{
    "new_ui": {"active": true, "regions": ["US"]},
    "advanced_search": {"active": true, "depends_on": ["new_ui"]}
}`))
	want := []string{
		`features_config.json:1:1: missing required field "flags" (this looks like a seed features_config.json: wrap it as {"flags": …}, unchanged)`,
		`features_config.json:2:5: /new_ui: unknown field "new_ui" (a flag? flags go under "flags")`,
		`features_config.json:3:5: /advanced_search: unknown field "advanced_search" (a flag? flags go under "flags")`,
	}
	if err == nil || err.Error() != strings.Join(want, "\n") {
		t.Fatalf("Parse of a bare seed config:\n%v\nwant\n%s", err, strings.Join(want, "\n"))
	}
	// An unrelated unknown top-level field gets no such hint.
	_, err = Parse("x.json", []byte(`{"flags": {}, "colour": {"active": true}}`))
	if err == nil || strings.Contains(err.Error(), "a flag?") {
		t.Fatalf("hint given with a flags object present: %v", err)
	}
}
