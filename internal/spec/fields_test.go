package spec

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// schemaProps returns the property names the schema declares at frag.
func schemaProps(t *testing.T, frag string) []string {
	t.Helper()
	m := schemaAt(frag)
	props, ok := m["properties"].(map[string]any)
	if !ok {
		t.Fatalf("schema %s has no properties", frag)
	}
	var names []string
	for k := range props {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// TestSchemaMatchesDecoder holds the decoder's known fields and the schema's
// properties equal, object by object, in both directions.
func TestSchemaMatchesDecoder(t *testing.T) {
	for _, tc := range []struct {
		frag   string
		fields []string
	}{
		{"", topFields},
		{"/$defs/attribute", attributeFields},
		{"/$defs/flag", flagFields},
		{"/$defs/variant/then", variantFields},
		{"/$defs/rule", ruleFields},
		{"/$defs/strategy", strategyFields},
		{"/$defs/release", releaseFields},
		{"/$defs/segment", segmentFields},
		{"/$defs/segmentPatch", segmentFields},
		{"/$defs/patch", patchFields},
	} {
		if got, want := schemaProps(t, tc.frag), sorted(tc.fields); !slices.Equal(got, want) {
			t.Errorf("schema %q properties:\n  %v\ndecoder knows:\n  %v", tc.frag, got, want)
		}
	}
	// Every patchable field but "tripped" is a flag field with the same schema.
	for _, f := range patchFields {
		if f != "tripped" && !slices.Contains(flagFields, f) {
			t.Errorf("patch field %q is not a flag field", f)
		}
	}
	// Patch's JSON tags are the patch fields, in order.
	var tags []string
	pt := reflect.TypeFor[Patch]()
	for i := range pt.NumField() {
		if !pt.Field(i).IsExported() {
			continue
		}
		tag, _, _ := strings.Cut(pt.Field(i).Tag.Get("json"), ",")
		if tag != "-" {
			tags = append(tags, tag)
		}
	}
	if !slices.Equal(tags, patchFields) {
		t.Errorf("Patch JSON tags %v, want %v", tags, patchFields)
	}
}

// flagSamples holds a valid sample value of every flag field, for a spec
// whose context is the seed's and which has flags "x" (bool) and "v"
// (string, variants a and b).
var flagSamples = map[string]string{
	"type":                  `"bool"`,
	"active":                `true`,
	"activation_date":       `"2022-12-25T00:00:00"`,
	"environments":          `["dev"]`,
	"performance_baseline":  `1.5`,
	"performance_threshold": `10`,
	"error_threshold":       `100`,
	"depends_on":            `["x"]`,
	"users":                 `[123]`,
	"regions":               `["US"]`,
	"account_types":         `["premium"]`,
	"beta_program":          `true`,
	"percentage_rollout":    `90`,
	"metadata":              `{"description": "d", "owner": "o", "ticket": 7}`,
	"default":               `"a"`,
	"variants":              `{"a": 50, "b": 50}`,
	"rules":                 `[{"attribute": "region", "operator": "eq", "values": ["US"]}]`,
	"strategy":              `{"name": "S", "on": "New", "off": "Old"}`,
	"client":                `true`,
	"kind":                  `"ops"`,
	"owner":                 `"team"`,
	"expires":               `"2030-01-01"`,
	"salt":                  `"pepper"`,
	"segments":              `["s"]`,
}

// TestEveryFieldReachesTheModel decodes each flag field alone and checks
// that it changes the model: no field the schema accepts is dropped.
func TestEveryFieldReachesTheModel(t *testing.T) {
	if got, want := sorted(mapKeys(flagSamples)), sorted(flagFields); !slices.Equal(got, want) {
		t.Fatalf("samples cover %v, want %v", got, want)
	}
	base := func(extra string) *Flag {
		t.Helper()
		src := `{"segments": {"s": {}}, "flags": {"x": {}, "f": {` + extra + `}}}`
		s, err := Parse("t.json", []byte(src))
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		return s.Flag("f")
	}
	plain := base("")
	for _, field := range flagFields {
		extra := `"` + field + `": ` + flagSamples[field]
		switch field {
		case "type":
			extra = `"type": "string", "default": "a", "variants": {"a": 100}`
		case "default", "variants":
			extra = `"type": "string", "default": "a", "variants": {"a": 50, "b": 50}`
		}
		f := base(extra)
		if reflect.DeepEqual(f, plain) {
			t.Errorf("field %s: the decoded flag is the same as without it", field)
		}
	}
}

func mapKeys(m map[string]string) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

// TestPatchRoundTrip checks that every patch field survives MarshalJSON and
// DecodePatch.
func TestPatchRoundTrip(t *testing.T) {
	s := mustParse(t, patchSpec)
	for _, field := range patchFields {
		flag, val := patchSample(field)
		data := []byte(`{"` + field + `": ` + val + `}`)
		p, err := DecodePatch(s, flag, data)
		if err != nil {
			t.Errorf("%s: %v", data, err)
			continue
		}
		out, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(out), `{"`+field+`":`) {
			t.Errorf("%s: marshals as %s", data, out)
		}
		q, err := DecodePatch(s, flag, out)
		if err != nil {
			t.Errorf("%s: re-decoding %s: %v", data, out, err)
			continue
		}
		if !reflect.DeepEqual(p, q) {
			t.Errorf("%s: round trip changed the patch:\n %#v\n %#v", data, p, q)
		}
		// null removes the field.
		p, err = DecodePatch(s, flag, []byte(`{"`+field+`": null}`))
		if err != nil {
			if field == "default" {
				continue // a variant flag needs its default
			}
			t.Errorf("%s: null: %v", field, err)
			continue
		}
		if !slices.Equal(p.Null, []string{field}) {
			t.Errorf("%s: null: Null = %v", field, p.Null)
		}
		if out, _ := json.Marshal(p); string(out) != `{"`+field+`":null}` {
			t.Errorf("%s: null marshals as %s", field, out)
		}
		if out, _ := json.Marshal(*p); string(out) != `{"`+field+`":null}` {
			t.Errorf("%s: null marshals (by value) as %s", field, out)
		}
	}
}

// patchSample returns a flag of patchSpec that a patch may set field of,
// and a valid value of the field for it.
func patchSample(field string) (flag, val string) {
	switch field {
	case "default":
		return "v", flagSamples[field]
	case "tripped":
		return "f", `"errors > 100"`
	}
	return "f", flagSamples[field]
}

// patchSpec has a bool flag "f" to patch, a string flag "v" with variants
// a and b, and a flag "x" to depend on.
const patchSpec = `{"segments": {"s": {}}, "flags": {"x": {}, "v": {"type": "string", "default": "a", "variants": {"a": 50, "b": 50}}, "f": {}}}`

func mustParse(t testing.TB, src string) *Spec {
	t.Helper()
	s, err := Parse("t.json", []byte(src))
	if err != nil {
		t.Fatalf("%s:\n%v", src, err)
	}
	return s
}

// TestFlagTable checks that flagTable describes each field completely and
// that each patchable field's get and copy reach that field of Patch, and
// only it: a field left out of the table, or wired to another field's
// storage, fails here or in TestSchemaMatchesDecoder.
func TestFlagTable(t *testing.T) {
	seen := map[string]bool{}
	for _, fd := range flagTable {
		if seen[fd.name] {
			t.Errorf("field %q listed twice", fd.name)
		}
		seen[fd.name] = true
		if (fd.set == nil) != (fd.name == "type" || fd.name == "variants") {
			t.Errorf("field %q: set is nil: %v", fd.name, fd.set == nil)
		}
		if (fd.get == nil) != (fd.copy == nil) {
			t.Errorf("field %q: get and copy: one is nil", fd.name)
		}
		if fieldByName[fd.name] != fd {
			t.Errorf("field %q: not found by name", fd.name)
		}
	}
	s := mustParse(t, patchSpec)
	for _, name := range patchFields {
		flag, val := patchSample(name)
		p, err := DecodePatch(s, flag, []byte(`{"`+name+`": `+val+`}`))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, other := range patchFields {
			if got := patchField(other).get(*p); (got != nil) != (other == name) {
				t.Errorf("patch {%q: %s}: field %q reads %v", name, val, other, got)
			}
		}
	}
	if patchField("metadata") != nil || patchField("nope") != nil {
		t.Error("patchField returns a field a patch may not set")
	}
}

// TestFieldJSON holds Patch.FieldJSON to what MarshalJSON writes, field by
// field, for a set field, a removed one (null) and the unset rest.
func TestFieldJSON(t *testing.T) {
	s := mustParse(t, patchSpec)
	for _, name := range patchFields {
		flag, val := patchSample(name)
		for _, data := range []string{`{"` + name + `": ` + val + `}`, `{"` + name + `": null}`, `{}`} {
			p, err := DecodePatch(s, flag, []byte(data))
			if err != nil {
				if name == "default" {
					continue // a variant flag needs its default
				}
				t.Fatalf("%s: %v", data, err)
			}
			out, err := p.MarshalJSON() // json.Marshal would escape '>'
			if err != nil {
				t.Fatal(err)
			}
			var want map[string]json.RawMessage
			if err := json.Unmarshal(out, &want); err != nil {
				t.Fatal(err)
			}
			for _, field := range append(PatchFields(), "metadata") {
				got, ok, err := p.FieldJSON(field)
				w, wok := want[field]
				if err != nil || ok != wok || string(got) != string(w) {
					t.Errorf("%s: FieldJSON(%q) = %s, %v, %v; MarshalJSON has %s, %v", data, field, got, ok, err, w, wok)
				}
			}
		}
	}
	p, err := DecodePatch(s, "f", []byte(`{"regions": ["R&D"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got, _, _ := p.FieldJSON("regions"); string(got) != `["R&D"]` {
		t.Errorf(`FieldJSON("regions") = %s, want ["R&D"]`, got)
	}
}

// TestSourceFields checks that SourceFields gives each flag's fields as the
// source writes them, compacted, and nothing for fields it does not write.
func TestSourceFields(t *testing.T) {
	s := mustParse(t, `{"flags": {
		"a": {"active": true, "activation_date": "2022-12-25T00:00:00",
		      "regions": [ "US",  "R&D" ], "percentage_rollout": 50.0},
		"b": {}}}`)
	got, err := s.SourceFields()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]string{
		"a": {"active": `true`, "activation_date": `"2022-12-25T00:00:00"`, "regions": `["US","R&D"]`, "percentage_rollout": `50.0`},
		"b": {},
	}
	if len(got) != len(want) {
		t.Fatalf("SourceFields = %s, want %v", got, want)
	}
	for flag, fields := range want {
		if len(got[flag]) != len(fields) {
			t.Errorf("flag %s: %d fields %s, want %v", flag, len(got[flag]), got[flag], fields)
		}
		for k, v := range fields {
			if string(got[flag][k]) != v {
				t.Errorf("flag %s field %s = %s, want %s", flag, k, got[flag][k], v)
			}
		}
	}
}
