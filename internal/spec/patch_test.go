package spec

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/flaggen/flaggen/schema"
)

func demoSpec(t testing.TB) *Spec {
	t.Helper()
	s, err := Parse("flags.json", readRepoFile(t, "testdata/demo/flags.json"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDecodePatch(t *testing.T) {
	s := demoSpec(t)
	p, err := DecodePatch(s, "new_ui", []byte(`{
		"active": false,
		"activation_date": "2030-01-01",
		"percentage_rollout": 12.5,
		"users": [1, 2],
		"regions": null,
		"rules": [{"attribute": "signup_date", "operator": "after", "values": ["2024-01-01"]}],
		"tripped": "error_threshold 100 exceeded"
	}`))
	if err != nil {
		t.Fatal(err)
	}
	want := &Patch{
		Active:            ptr(false),
		ActivationDate:    ptr(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)),
		PercentageRollout: ptr(12.5),
		Users:             IntIDs(1, 2),
		Rules: []*Rule{{Attribute: "signup_date", Operator: "after", Pointer: "/flags/new_ui/rules/0",
			Values: []any{time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}}},
		Tripped: ptr("error_threshold 100 exceeded"),
		Null:    []string{"regions"},
	}
	if p.checked == nil || p.against != s {
		t.Errorf("DecodePatch did not keep the flag it checked over s")
	}
	p.checked, p.against = nil, nil
	if !reflect.DeepEqual(p, want) {
		t.Errorf("DecodePatch =\n %+v\nwant\n %+v", p, want)
	}
	// A variant flag's default is patchable, to a variant name.
	if _, err := DecodePatch(s, "checkout_button", []byte(`{"default": "green"}`)); err != nil {
		t.Error(err)
	}
}

func TestDecodePatchErrors(t *testing.T) {
	s := demoSpec(t)
	for _, tc := range []struct {
		flag, src string
		want      []string
	}{
		{"new_ui", `{"percentage_rollout": 101}`, []string{"patch:1:24: /percentage_rollout: must be between 0 and 100"}},
		{"new_ui", `{"regons": ["US"]}`, []string{`patch:1:2: /regons: unknown field "regons" (did you mean "regions"?)`}},
		{"new_ui", `{"type": "string", "salt": "x"}`, []string{
			`patch:1:2: /type: field "type" cannot be patched: it comes only from the spec`,
			`patch:1:20: /salt: field "salt" cannot be patched: it comes only from the spec`}},
		{"new_ui", `{"depends_on": ["advanced_search"]}`, []string{"patch:1:17: /depends_on/0: dependency cycle new_ui → advanced_search → new_ui"}},
		{"new_ui", `{"depends_on": ["checkout_button"]}`, []string{`patch:1:17: /depends_on/0: "checkout_button" is a string flag: only bool flags can be depended on`}},
		{"new_ui", `{"environments": ["qa"]}`, []string{`patch:1:19: /environments/0: environment "qa" is not declared (declared: dev, staging, production)`}},
		{"new_ui", `{"rules": [{"attribute": "device", "operator": "eq", "values": ["tablet"]}]}`, []string{
			`patch:1:65: /rules/0/values/0: "tablet" is not a value of attribute "device" (one of ios, android, web)`}},
		{"checkout_button", `{"percentage_rollout": 50}`, []string{
			"patch:1:24: /percentage_rollout: percentage_rollout is for bool flags: a string flag splits users with its variant weights"}},
		{"checkout_button", `{"default": "red"}`, []string{`patch:1:13: /default: default "red" is not a variant (one of blue, green)`}},
		{"checkout_button", `{"default": null}`, []string{`patch:1:1: a string flag needs a "default" variant`}},
		{"new_ui", `{"default": "x"}`, []string{`patch:1:13: /default: a bool flag has no default (it is false when it does not apply): set "type" for a variant flag`}},
		{"new_ui", `{"tripped": 5}`, []string{"patch:1:13: /tripped: must be a string, got number"}},
		{"new_ui", `[]`, []string{"patch:1:1: must be an object, got array"}},
		{"new_ui", `{"active": true`, []string{"patch:1:15: syntax error: unexpected end of JSON input"}},
		{"new_iu", `{}`, []string{`patch: unknown flag "new_iu" (did you mean "new_ui"?)`}},
	} {
		p, err := DecodePatch(s, tc.flag, []byte(tc.src))
		if p != nil || err == nil {
			t.Errorf("DecodePatch(%s, %s) = %v, %v; want an error", tc.flag, tc.src, p, err)
			continue
		}
		var list ErrorList
		if !errors.As(err, &list) {
			t.Errorf("error %T is not an ErrorList", err)
		}
		if got := strings.Split(err.Error(), "\n"); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("DecodePatch(%s, %s):\n%s\nwant:\n%s", tc.flag, tc.src, strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
		}
	}
}

func TestApply(t *testing.T) {
	s := demoSpec(t)
	before := s.Flag("new_ui")
	beforeCopy := *before
	kill, err := DecodePatch(s, "new_ui", []byte(`{"active": false, "regions": null, "tripped": "errors"}`))
	if err != nil {
		t.Fatal(err)
	}
	ns, err := s.Apply(map[string]*Patch{"new_ui": kill, "legacy_export": nil})
	if err != nil {
		t.Fatal(err)
	}
	f := ns.Flag("new_ui")
	if f.Active || f.Regions != nil || f.Tripped != "errors" || f.PercentageRollout == nil || *f.PercentageRollout != 90 {
		t.Errorf("patched flag: %+v", f)
	}
	if f.Index != before.Index || f.Name != "new_ui" || len(ns.Flags) != len(s.Flags) {
		t.Errorf("patched spec lost its shape")
	}
	if !reflect.DeepEqual(*s.Flag("new_ui"), beforeCopy) || s.Flag("new_ui") != before {
		t.Error("Apply modified the receiver")
	}
	if ns.Flag("advanced_search") != s.Flag("advanced_search") {
		t.Error("unpatched flags should be shared")
	}
	// An empty patch set is the spec.
	if ns, err := s.Apply(nil); err != nil || !reflect.DeepEqual(ns, s) {
		t.Errorf("Apply(nil) = %v", err)
	}
	// A patch field that was null in the patch removes the field.
	p := &Patch{Null: []string{"percentage_rollout", "environments"}}
	if ns, err := s.Apply(map[string]*Patch{"new_ui": p}); err != nil || ns.Flag("new_ui").PercentageRollout != nil || ns.Flag("new_ui").Environments != nil {
		t.Errorf("null fields not removed: %v", err)
	}
	// Default resolves to the new variant's value.
	if ns, err := s.Apply(map[string]*Patch{"max_results": {Default: ptr("many")}}); err != nil || ns.Flag("max_results").Default != int64(50) {
		t.Errorf("default patch: %v", err)
	}
}

func TestApplyRefuses(t *testing.T) {
	s := demoSpec(t)
	p1, err := DecodePatch(s, "maintenance_mode", []byte(`{"depends_on": ["native_share"]}`))
	if err != nil {
		t.Fatal(err)
	}
	p2, err := DecodePatch(s, "native_share", []byte(`{"depends_on": ["maintenance_mode"]}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		patches map[string]*Patch
		want    string
	}{
		{"cycle across two patches", map[string]*Patch{"maintenance_mode": p1, "native_share": p2},
			"/flags/maintenance_mode/depends_on/0: dependency cycle maintenance_mode → native_share → maintenance_mode"},
		{"hand-built out of range", map[string]*Patch{"new_ui": {PercentageRollout: ptr(150.0)}},
			"/flags/new_ui/percentage_rollout: must be between 0 and 100"},
		{"hand-built bad user type", map[string]*Patch{"new_ui": {Users: StringIDs("bob")}},
			`/flags/new_ui/users/0: must be an integer, got string (key attribute "user_id" is int)`},
		// Apply checks only cycles across flags; a hand-built patch still
		// gets its flag's own semantic checks.
		{"hand-built unknown dependency", map[string]*Patch{"new_ui": {DependsOn: []string{"no_such_flag"}}},
			`/flags/new_ui/depends_on/0: unknown flag "no_such_flag"`},
		{"hand-built rule on an undeclared attribute", map[string]*Patch{"new_ui": {Rules: []*Rule{{Attribute: "planet", Operator: "eq", Values: []any{"mars"}}}}},
			`/flags/new_ui/rules/0/attribute: unknown attribute "planet": declare it in context`},
		{"unknown flag", map[string]*Patch{"nope": {}},
			`/flags/nope: unknown flag "nope"`},
		{"unknown null field", map[string]*Patch{"new_ui": {Null: []string{"variants"}}},
			""}, // not a patch field: MarshalJSON only writes patch fields
	} {
		t.Run(tc.name, func(t *testing.T) {
			ns, err := s.Apply(tc.patches)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if ns != nil || err == nil || err.Error() != tc.want {
				t.Errorf("Apply = %v\nwant %s", err, tc.want)
			}
		})
	}
}

// TestDecodePatches: a whole live state decodes flag by flag (a bad patch
// is reported under its flag and left out, the others kept); checks across
// flags, such as a depends_on cycle the patches create together, are
// Apply's.
func TestDecodePatches(t *testing.T) {
	s, err := Parse("flags.json", []byte(`{"flags": {
		"a": {"active": true},
		"b": {"active": true},
		"c": {"active": true}
	}}`))
	if err != nil {
		t.Fatal(err)
	}
	patches, errs := DecodePatches(s, map[string][]byte{
		"a": []byte(`{"depends_on": ["b"]}`),
		"b": []byte(`{"depends_on": ["a"]}`),
		"c": []byte(`{"percentage_rollout": 150}`),
	})
	if len(patches) != 2 || patches["a"] == nil || patches["b"] == nil {
		t.Fatalf("patches = %v, want a and b", patches)
	}
	if err := errs["c"]; err == nil || !strings.Contains(err.Error(), "/percentage_rollout: must be between 0 and 100") || len(errs) != 1 {
		t.Fatalf("errs = %v, want c's rollout refused", errs)
	}
	if _, err := s.Apply(patches); err == nil || !strings.Contains(err.Error(), "dependency cycle a → b → a") {
		t.Fatalf("Apply of a cycle = %v", err)
	}
	// A patch checked over s is re-validated when applied over another spec.
	one, _ := DecodePatches(s, map[string][]byte{"a": []byte(`{"active": false}`)})
	other, err := s.Apply(nil)
	if err != nil {
		t.Fatal(err)
	}
	live, err := other.Apply(one)
	if err != nil || live.Flag("a").Active {
		t.Fatalf("Apply over another spec = %v, a active %v", err, live != nil && live.Flag("a").Active)
	}
}

// TestDecodePatchesSharedText: one patch text valid for one flag and not
// for another decodes for the first and is refused, with its position, for
// the second, whatever the order (DecodePatches reuses decoded texts).
func TestDecodePatchesSharedText(t *testing.T) {
	s, err := Parse("flags.json", []byte(`{"context": {"user_id": {"type": "int", "key": true}}, "flags": {
		"a": {"active": true},
		"b": {"active": true},
		"v": {"type": "string", "variants": {"x": {"value": "x", "weight": 100}}, "default": "x"}
	}}`))
	if err != nil {
		t.Fatal(err)
	}
	text := []byte(`{"percentage_rollout": 5}`)
	for range 20 {
		patches, errs := DecodePatches(s, map[string][]byte{"a": text, "b": text, "v": text})
		if patches["a"] == nil || patches["b"] == nil || *patches["a"].PercentageRollout != 5 || len(errs) != 1 {
			t.Fatalf("patches %v, errs %v", patches, errs)
		}
		if err := errs["v"]; err == nil || !strings.HasPrefix(err.Error(), "patch:1:24: /percentage_rollout: percentage_rollout is for bool flags") {
			t.Fatalf("v: %v", err)
		}
	}
}

// TestPatchSchemaPerMember guards DecodePatches' member cache: the patch
// schema must constrain each member on its own (no keyword relating
// properties), so that a patch whose members each passed in some patch
// passes as a whole.
func TestPatchSchemaPerMember(t *testing.T) {
	var doc struct {
		Defs map[string]map[string]json.RawMessage `json:"$defs"`
	}
	if err := json.Unmarshal(schema.Source, &doc); err != nil {
		t.Fatal(err)
	}
	for kw := range doc.Defs["patch"] {
		switch kw {
		case "description", "type", "properties", "additionalProperties":
		default:
			t.Errorf("$defs/patch uses %q: check that it relates no properties, or drop DecodePatches' member cache", kw)
		}
	}
}
