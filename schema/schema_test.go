package schema

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func repoFile(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", rel)) // tests run in their package's directory
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decode(t *testing.T, b []byte) any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestCompiles(t *testing.T) {
	if Spec() == nil || Patch() == nil || SegmentPatch() == nil {
		t.Fatal("nil schema")
	}
	var doc map[string]any
	if err := json.Unmarshal(Source, &doc); err != nil {
		t.Fatal(err)
	}
	if doc["$id"] != ID {
		t.Errorf("$id = %v, want %s", doc["$id"], ID)
	}
}

func TestExamplesValidate(t *testing.T) {
	for _, f := range []string{"testdata/seed/flags.json", "testdata/demo/flags.json"} {
		if err := Spec().Validate(decode(t, repoFile(t, f))); err != nil {
			t.Errorf("%s: %#v", f, err)
		}
	}
}

// The seed article's features_config.json, verbatim, placed under "flags".
const seedConfig = `{
    "new_ui": {
        "active": true,
        "regions": ["US", "RO"],
        "percentage_rollout": 90,
        "users": [123, 456, 789],
        "account_types": ["premium", "enterprise"],
        "beta_program": true,
        "activation_date": "2022-12-25T00:00:00",
        "error_threshold": 100,
        "environments": ["dev", "staging", "production"],
        "performance_baseline": 1.0,
        "metadata": {
            "description": "New and improved UI with advanced features.",
            "owner": "UI Team"
        }
    },
    "advanced_search": {
        "active": true,
        "depends_on": ["new_ui"],
        "regions": ["US"],
        "percentage_rollout": 85,
        "environments": ["dev", "staging", "production"],
        "performance_baseline": 1.0,
        "metadata": {
            "description": "Advanced search feature relying on new_ui components.",
            "owner": "Search Team"
        }
    }
}`

func TestSeedConfigValidates(t *testing.T) {
	if err := Spec().Validate(decode(t, []byte(`{"flags": `+seedConfig+`}`))); err != nil {
		t.Fatalf("%#v", err)
	}
}

func TestRejects(t *testing.T) {
	for _, src := range []string{
		`{}`,
		`{"flags": {}, "extra": 1}`,
		`{"flags": {"a": {"regons": ["US"]}}}`,
		`{"flags": {"a": {"percentage_rollout": 101}}}`,
		`{"flags": {"a": {"percentage_rollout": -1}}}`,
		`{"flags": {"a": {"users": [true]}}}`,
		`{"flags": {"a": {"type": "string"}}}`,
		`{"flags": {"a": {"kind": "other"}}}`,
		`{"flags": {"a": {"rules": [{"attribute": "x", "operator": "like", "values": ["a"]}]}}}`,
		`{"flags": {"a": {"strategy": {"name": "lower", "on": "A", "off": "B"}}}}`,
		`{"flags": {"a": {"type": "int", "default": "x", "variants": {"x": {"value": 1, "weight": 101}}}}}`,
		`{"flags": {}, "context": {"a": {"type": "date"}}}`,
		`{"flags": {}, "releases": {"r": {}}}`,
	} {
		if err := Spec().Validate(decode(t, []byte(src))); err == nil {
			t.Errorf("%s: validated, want an error", src)
		}
	}
}

func TestPatch(t *testing.T) {
	for src, ok := range map[string]bool{
		`{}`:                           true,
		`{"active": false}`:            true,
		`{"percentage_rollout": null}`: true,
		`{"tripped": "errors > 100"}`:  true,
		`{"percentage_rollout": 150}`:  false,
		`{"variants": {"a": 100}}`:     false,
		`{"regons": ["US"]}`:           false,
		`{"users": [1.5]}`:             false,
	} {
		err := Patch().Validate(decode(t, []byte(src)))
		if (err == nil) != ok {
			t.Errorf("%s: err = %v, want ok=%v", src, err, ok)
		}
	}
}

func TestSegmentPatch(t *testing.T) {
	for src, ok := range map[string]bool{
		`{}`:                              true,
		`{"include": [1, "a"]}`:           true,
		`{"exclude": null}`:               true,
		`{"segments": ["x"]}`:             true,
		`{"include": [1, 1]}`:             false,
		`{"users": [1]}`:                  false,
		`{"regions": "US"}`:               false,
		`{"active": false}`:               false,
		`{"rules": [{"attribute": "a"}]}`: false,
	} {
		err := SegmentPatch().Validate(decode(t, []byte(src)))
		if (err == nil) != ok {
			t.Errorf("%s: err = %v, want ok=%v", src, err, ok)
		}
	}
}

func TestSegments(t *testing.T) {
	ok := `{"flags": {"f": {"segments": ["eu"]}}, "segments": {"eu": {"description": "EU", "regions": ["RO"], "include": [1], "exclude": [2], "segments": ["x"], "rules": [{"attribute": "a", "operator": "eq", "values": [1]}]}, "x": {}}}`
	if err := Spec().Validate(decode(t, []byte(ok))); err != nil {
		t.Errorf("%s: %v", ok, err)
	}
	for _, src := range []string{
		`{"flags": {}, "segments": {"eu": {"users": [1]}}}`,
		`{"flags": {}, "segments": {"eu": {"include": [true]}}}`,
		`{"flags": {}, "segments": {"eu": {"segments": "x"}}}`,
		`{"flags": {"f": {"segments": [1]}}}`,
	} {
		if err := Spec().Validate(decode(t, []byte(src))); err == nil {
			t.Errorf("%s: validated, want an error", src)
		}
	}
}
