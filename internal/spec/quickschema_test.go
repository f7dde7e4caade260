package spec

import (
	"testing"

	"github.com/flaggen/flaggen/schema"
)

// quickFlagSeeds are flags at the edges of what quickSchema decides: each
// keyword of the flag schema, met and missed.
var quickFlagSeeds = []string{
	`{}`, `{"active": true}`, `{"active": 1}`, `{"type": "bool"}`, `{"type": "boolean"}`, `{"type": 1}`,
	`{"type": "int"}`, `{"type": "int", "default": "a"}`, `{"type": "int", "variants": {"a": 100}}`,
	`{"type": "int", "default": "a", "variants": {"a": {"value": 1, "weight": 100}}}`,
	`{"type": "string", "default": "a", "variants": {}}`, `{"type": "enum", "default": 3, "variants": {"a": 100}}`,
	`{"default": "a", "variants": {"a": {"weight": 100.0, "value": "x"}}}`, `{"variants": {"a": {"value": 1}}}`,
	`{"variants": {"a": {"weight": 50, "extra": 1}}}`, `{"variants": {"a": "x"}}`, `{"variants": {"a": 100.5}}`,
	`{"variants": {"a": -0.0}}`, `{"variants": {"a": 1e2}}`, `{"variants": {"a": [1]}}`, `{"variants": {"a": null}}`,
	`{"percentage_rollout": 100}`, `{"percentage_rollout": 100.0}`, `{"percentage_rollout": 100.000000000000000001}`,
	`{"percentage_rollout": -0.5}`, `{"percentage_rollout": -0}`, `{"percentage_rollout": 99.99}`, `{"percentage_rollout": 1E1}`,
	`{"percentage_rollout": 12345678901234567890}`, `{"percentage_rollout": "50"}`,
	`{"performance_baseline": 1.0}`, `{"performance_baseline": -1.0}`, `{"performance_baseline": 1e-3}`,
	`{"error_threshold": 1.0}`, `{"error_threshold": 1.5}`, `{"error_threshold": -1}`, `{"error_threshold": -0.0}`,
	`{"error_threshold": 1e0}`, `{"error_threshold": 9223372036854775807}`, `{"error_threshold": 99999999999999999999}`,
	`{"users": [1, "1", -0, 0]}`, `{"users": [1, 1.0]}`, `{"users": [1.5]}`, `{"users": ["a", "a"]}`, `{"users": [true]}`,
	`{"regions": [""]}`, `{"regions": ["é"]}`, `{"regions": "US"}`, `{"depends_on": ["a", "a"]}`, `{"environments": []}`,
	`{"activation_date": "2022-12-25T00:00:00"}`, `{"activation_date": 2022}`, `{"expires": null}`,
	`{"metadata": {"description": "d", "owner": "o", "extra": [1, {}]}}`, `{"metadata": {"owner": 1}}`, `{"metadata": []}`,
	`{"rules": []}`, `{"rules": [{"attribute": "a", "operator": "in", "values": [1, "x", true, 1.5]}]}`,
	`{"rules": [{"attribute": "", "operator": "in", "values": [1]}]}`, `{"rules": [{"attribute": "a", "operator": "is", "values": [1]}]}`,
	`{"rules": [{"attribute": "a", "operator": "in", "values": []}]}`, `{"rules": [{"attribute": "a", "operator": "in"}]}`,
	`{"rules": [{"attribute": "a", "operator": "in", "values": [null]}]}`, `{"rules": [{"attribute": "a", "operator": "in", "values": [[1]]}]}`,
	`{"strategy": {"name": "Search", "on": "New", "off": "Old_1"}}`, `{"strategy": {"name": "search"}}`,
	`{"strategy": {"name": "S", "on": "1x"}}`, `{"strategy": {"on": "New"}}`, `{"strategy": {"name": "S", "variants": {"a": "A", "b": "b_"}}}`,
	`{"strategy": {"name": "S\n"}}`, `{"strategy": {"name": "S", "variants": {"a": 1}}}`,
	`{"kind": "release"}`, `{"kind": "Release"}`, `{"client": false}`, `{"owner": "x", "salt": ""}`, `{"tripped": "x"}`,
	`{"nope": 1}`, `{"actve": true}`, `[]`, `null`, `"flag"`, `1`,
}

// FuzzFlagsValidatedAlone: validating a spec's flags with quickSchema
// where it decides, and the rest with the validator, finds exactly the
// errors the validator finds over the whole document; and quickSchema's
// verdict on each flag (valid, invalid or unknown) never contradicts the
// validator's on that flag alone.
func FuzzFlagsValidatedAlone(f *testing.F) {
	addSeeds(f)
	for _, flag := range quickFlagSeeds {
		f.Add([]byte(`{"flags": {"a": ` + flag + `, "b": {"active": true}}}`))
	}
	if flagQuickSchema() == nil {
		f.Fatal("the flag schema uses a keyword quickSchema does not know: flags are validated slowly")
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, errs := decodeDocument("f.json", data, "")
		if doc == nil || len(errs) > 0 {
			return
		}
		got, want := ErrorList(doc.validate(schema.Spec())), ErrorList(doc.validateWith(schema.Spec(), nil))
		for _, e := range append(got, want...) {
			doc.locate(e)
		}
		if got.sortDedup().Error() != want.sortDedup().Error() {
			t.Fatalf("%s: errors\n%v\nwant\n%v", data, got, want)
		}
		flags := doc.root.get("flags")
		if flags == nil || flags.kind != kObject {
			return
		}
		for i, fl := range flags.elems {
			alone, errs := decodeDocument("f.json", []byte(`{"flags": {"x": `+string(data[fl.off:fl.end])+`}}`), "")
			if alone == nil || len(errs) > 0 {
				t.Fatalf("flag %q alone: %v", flags.keys[i], errs)
			}
			ok := len(alone.validateWith(schema.Spec(), nil)) == 0
			if v := flagQuickSchema().check(fl); v == valid && !ok || v == invalid && ok {
				t.Fatalf("flag %s: quickSchema says %d, the validator %v", data[fl.off:fl.end], v, ok)
			}
		}
	})
}

// TestQuickSchemaDecides: quickSchema decides the flags of the seed and
// demo specs, so that they skip the validator.
func TestQuickSchemaDecides(t *testing.T) {
	for _, file := range []string{"testdata/seed/flags.json", "testdata/demo/flags.json"} {
		doc, errs := decodeDocument(file, readRepoFile(t, file), "")
		if doc == nil || len(errs) > 0 {
			t.Fatal(errs)
		}
		flags := doc.root.get("flags")
		stubs := doc.quickStubs()
		for i, fl := range flags.elems {
			if !stubs[fl] {
				t.Errorf("%s: flag %s is left to the validator", file, flags.keys[i])
			}
		}
	}
}

// TestCompareInt: compareInt compares decimals with integers exactly.
func TestCompareInt(t *testing.T) {
	for _, c := range []struct {
		num  string
		b    int64
		want int
		ok   bool
	}{
		{"0", 0, 0, true}, {"-0", 0, 0, true}, {"-0.0", 0, 0, true}, {"0.5", 0, 1, true}, {"-0.5", 0, -1, true},
		{"100", 100, 0, true}, {"100.0", 100, 0, true}, {"100.000000000000000000001", 100, 1, true},
		{"99.999", 100, -1, true}, {"-3", -2, -1, true}, {"-2.5", -2, -1, true}, {"-1.5", -2, 1, true},
		{"-2.0", -2, 0, true}, {"7", -2, 1, true}, {"1e2", 100, 0, false}, {"1.5E1", 15, 0, false},
		{"1234567890123456789", 0, 0, false},
	} {
		got, ok := compareInt(c.num, c.b)
		if got != c.want || ok != c.ok {
			t.Errorf("compareInt(%s, %d) = %d, %v; want %d, %v", c.num, c.b, got, ok, c.want, c.ok)
		}
	}
}
