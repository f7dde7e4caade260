package spec

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/flaggen/flaggen/schema"
)

// TestIntOutOfRange: an integer beyond int64 is refused, below as above
// the range, wherever the spec or a patch has an int (variant values,
// thresholds, users, rule values, enum values), with its position; the
// limits themselves are accepted.
func TestIntOutOfRange(t *testing.T) {
	for _, big := range []string{"-9223372036854775809", "9223372036854775808", "-1e19", "1e19", "-92233720368547758090e-1"} {
		src := `{"context": {"user_id": {"type": "int", "key": true}, "n": {"type": "int", "enum": [1, ` + big + `]}},
"flags": {"v": {"type": "int", "default": "a", "variants": {"a": {"value": ` + big + `, "weight": 100}},
  "users": [` + big + `], "error_threshold": ` + big + `,
  "rules": [{"attribute": "n", "operator": "lt", "values": [` + big + `]}]}}}`
		_, err := Parse("f.json", []byte(src))
		for _, want := range []string{
			"/context/n/enum/1: " + big + " is out of range for a 64-bit integer",
			"/flags/v/variants/a/value: " + big + " is out of range",
			"/flags/v/users/0: " + big + " is out of range",
			"/flags/v/error_threshold: " + big + " is out of range",
			"/flags/v/rules/0/values/0: " + big + " is out of range",
		} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error %v\nlacks %q", big, err, want)
			}
		}
		if err != nil && strings.Contains(err.Error(), "must be an integer") {
			t.Errorf("%s: reported twice:\n%v", big, err)
		}
		_, err = DecodePatch(demoSpec(t), "new_ui", []byte(`{"users": [1, `+big+`]}`))
		if err == nil || !strings.Contains(err.Error(), "patch:1:15: /users/1: "+big+" is out of range") {
			t.Errorf("%s: patch error %v", big, err)
		}
	}
	for _, n := range []string{"-9223372036854775808", "9223372036854775807", "-92233720368547758080e-1", "1.0", "-0", "1e3"} {
		if _, err := DecodePatch(demoSpec(t), "new_ui", []byte(`{"users": [`+n+`]}`)); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
}

// TestExactInt: exactInt reads the exact value of a JSON number.
func TestExactInt(t *testing.T) {
	for _, c := range []struct {
		num              string
		i                int64
		integral, fitsIn bool
	}{
		{"0", 0, true, true}, {"-0", 0, true, true}, {"0.000e-5", 0, true, true}, {"12", 12, true, true},
		{"1.5", 0, false, false}, {"1.50e1", 15, true, true}, {"1500e-2", 15, true, true}, {"1e-1", 0, false, false},
		{"-9223372036854775808", -1 << 63, true, true}, {"-9223372036854775809", 0, true, false},
		{"9223372036854775807", 1<<63 - 1, true, true}, {"9223372036854775808", 0, true, false},
		{"1.00000000000000000001", 0, false, false}, {"1e99999999999999999999", 0, true, false},
		{"1e-99999999999999999999", 0, false, false}, {"0e99999999999999999999", 0, true, true}, {"100000000000000000000e-2", 1e18, true, true},
	} {
		i, integral, fits := exactInt(c.num)
		if i != c.i || integral != c.integral || fits != c.fitsIn {
			t.Errorf("exactInt(%s) = %d, %v, %v; want %d, %v, %v", c.num, i, integral, fits, c.i, c.integral, c.fitsIn)
		}
	}
}

// TestInvalidTextRefused: bytes that are not UTF-8, and escapes of lone
// UTF-16 surrogates, are refused at their position in a spec and in a
// patch (encoding/json would make them U+FFFD), by both decoders.
func TestInvalidTextRefused(t *testing.T) {
	s := demoSpec(t)
	for _, c := range []struct{ text, at, msg string }{
		{"{\"regions\": [\"U\xffS\"]}", "patch:1:16", "invalid UTF-8 (byte 0xff)"},
		{"{\"regions\":\n [\"\xc3\"]}", "patch:2:4", "invalid UTF-8 (byte 0xc3)"},
		{`{"regions": ["\ud800"]}`, "patch:1:15", `invalid escape \ud800: a lone UTF-16 surrogate`},
		{`{"regions": ["\\\udfff"]}`, "patch:1:17", `invalid escape \udfff`},
		{`{"tripped": "\ud83dx"}`, "patch:1:14", `invalid escape \ud83d`},
	} {
		_, err := DecodePatch(s, "new_ui", []byte(c.text))
		if err == nil || !strings.Contains(err.Error(), c.at+": "+c.msg) {
			t.Errorf("%q: error %v, want %s: %s", c.text, err, c.at, c.msg)
		}
		for _, fast := range []bool{true, false} {
			if doc, errs := decodeDocumentWith("patch", []byte(c.text), "", fast); doc != nil || len(errs) != 1 {
				t.Errorf("%q (fast %v): decoded to %v, %v", c.text, fast, doc, errs)
			}
		}
		if !strings.HasPrefix(c.text, `{"regions": [`) {
			continue
		}
		spec := strings.Replace(string(readRepoFile(t, "testdata/demo/flags.json")), `"US", "RO"`, `"US", `+c.text[len(`{"regions": [`):strings.LastIndex(c.text, "]")], 1)
		if _, err := Parse("flags.json", []byte(spec)); err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%q in a spec: error %v", c.text, err)
		}
	}
	for _, ok := range []string{`{"regions": ["\ud83d\ude00", "\\ud800", "é", "\u00e8"]}`} {
		if _, err := DecodePatch(s, "new_ui", []byte(ok)); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
}

// intList returns a JSON array of the integers from 1 to n.
func intList(n int) string {
	var b strings.Builder
	b.WriteByte('[')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(i + 1))
	}
	b.WriteByte(']')
	return b.String()
}

// TestPatchLimits: a patch over MaxPatchBytes, or with a list over
// MaxPatchList entries, is refused with where and which limit, whether
// decoded or built by hand; a list at the limit is accepted.
func TestPatchLimits(t *testing.T) {
	s := demoSpec(t)
	if _, err := DecodePatch(s, "new_ui", []byte(`{"users": `+intList(MaxPatchList)+`}`)); err != nil {
		t.Fatalf("a list at the limit: %v", err)
	}
	over := intList(MaxPatchList + 1)
	for _, c := range []struct{ text, want string }{
		{`{"users": ` + over + `}`, "patch:1:11: /users: 100001 entries, over the limit of 100000 entries for a list in a live patch"},
		{`{"active": true, "rules": [{"attribute": "user_id", "operator": "in", "values": ` + over + `}]}`, "patch:1:81: /rules/0/values: 100001 entries, over the limit"},
		{`{"tripped": "` + strings.Repeat("x", MaxPatchBytes) + `"}`, "patch:1:1: the patch is 4194319 bytes, over the limit of 4194304 bytes (4 MiB) for one flag's live patch"},
	} {
		_, err := DecodePatch(s, "new_ui", []byte(c.text))
		if err == nil || err.Error() != c.want && !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("error %v, want %s", err, c.want)
		}
		_, errs := DecodePatches(s, map[string][]byte{"new_ui": []byte(c.text)})
		if errs["new_ui"] == nil || errs["new_ui"].Error() != err.Error() {
			t.Errorf("DecodePatches: %v, DecodePatch: %v", errs["new_ui"], err)
		}
	}
	users := make([]int64, MaxPatchList+1)
	for i := range users {
		users[i] = int64(i)
	}
	_, err := s.Apply(map[string]*Patch{"new_ui": {Users: IntIDs(users...)}})
	if err == nil || !strings.Contains(err.Error(), "/flags/new_ui/users: 100001 entries, over the limit") {
		t.Errorf("hand-built patch: %v", err)
	}
}

// TestSpecListLimit: a spec list may hold MaxSpecList entries, not more.
// Parse refuses a list one over the limit, naming where and which limit;
// the boundary itself (exactly MaxSpecList entries pass the check that
// Parse runs) is checked on a tree built directly, which costs a slice of
// a million pointers instead of decoding, validating and building a
// million-entry spec under the race detector.
func TestSpecListLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("a spec of a million entries")
	}
	_, err := Parse("f.json", []byte(`{"flags": {"a": {"active": true, "users": `+intList(MaxSpecList+1)+`}}}`))
	if want := "f.json:1:43: /flags/a/users: 1000001 entries, over the limit of 1000000 entries for a list in a spec"; fmt.Sprint(err) != want {
		t.Errorf("%d entries: %v, want %s", MaxSpecList+1, err, want)
	}
	leaf := &node{kind: kNumber, num: "1"}
	list := &node{kind: kArray, ptr: "/flags/a/users", elems: slices.Repeat([]*node{leaf}, MaxSpecList+1)}
	doc := &node{kind: kObject, keys: []string{"users"}, elems: []*node{list}}
	if errs := listsOver(doc, MaxSpecList, "a spec"); len(errs) != 1 || errs[0].Pointer != "/flags/a/users" {
		t.Errorf("%d entries: listsOver = %v, want one error at /flags/a/users", len(list.elems), errs)
	}
	list.elems = list.elems[:MaxSpecList]
	if errs := listsOver(doc, MaxSpecList, "a spec"); errs != nil {
		t.Errorf("%d entries: listsOver = %v, want none", len(list.elems), errs)
	}
}

// TestPatchCacheForgetsLargeTexts: a PatchCache keeps no tree or member
// of a large patch, and its remembered text stays within its bounds.
func TestPatchCacheForgetsLargeTexts(t *testing.T) {
	s := demoSpec(t)
	var c PatchCache
	big := []byte(`{"users": ` + intList(10_000) + `}`)
	if _, errs := c.DecodePatches(s, map[string][]byte{"new_ui": big}); errs != nil {
		t.Fatal(errs)
	}
	if c.root(big) != nil || c.memberBytes > maxCachedText {
		t.Fatalf("the cache holds the large patch: tree %v, %d bytes of members", c.root(big) != nil, c.memberBytes)
	}
	for i := range 3000 {
		text := fmt.Appendf(nil, `{"users": [%d, %d, %d, %d, %d, %d, %d, %d, %d, %d, %d, %d]}`, i, i+1e6, i+2e6, i+3e6, i+4e6, i+5e6, i+6e6, i+7e6, i+8e6, i+9e6, i+10e6, i+11e6)
		if _, errs := c.DecodePatches(s, map[string][]byte{"new_ui": text}); errs != nil {
			t.Fatal(errs)
		}
		if c.rootBytes > maxCachedRootBytes || c.memberBytes > maxCachedMemberBytes {
			t.Fatalf("after %d patches the cache holds %d bytes of trees' text, %d of members", i, c.rootBytes, c.memberBytes)
		}
	}
}

// TestFlagListsValidatedAlone: validating a spec's long flag lists with
// quickSchema, and the rest with the validator, finds the errors the
// validator finds over the whole document.
func TestFlagListsValidatedAlone(t *testing.T) {
	long := func(f func(i int) string) string {
		parts := make([]string, 100)
		for i := range parts {
			parts[i] = f(i)
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	ints := long(func(i int) string { return strconv.Itoa(i) })
	names := long(func(i int) string { return strconv.Quote("r" + strconv.Itoa(i)) })
	for _, flag := range []string{
		`{"active": true, "users": ` + ints + `, "regions": ` + names + `}`,
		`{"active": true, "users": ` + names + `, "environments": ` + names + `}`,
		`{"users": ` + strings.Replace(ints, "[0,", "[1,", 1) + `}`,
		`{"users": ` + strings.Replace(ints, "[0,", "[1.5,", 1) + `}`,
		`{"users": ` + strings.Replace(ints, "[0,", "[true,", 1) + `, "regions": ` + strings.Replace(names, `"r0"`, `""`, 1) + `}`,
		`{"type": "string", "users": ` + ints + `, "depends_on": ` + strings.Replace(names, `"r0"`, `"r1"`, 1) + `}`,
		`{"users": ` + ints + `, "nope": 1, "active": "yes"}`,
	} {
		doc, errs := decodeDocument("f.json", []byte(`{"flags": {"a": `+flag+`}}`), "")
		if doc == nil || errs != nil {
			t.Fatal(errs)
		}
		if len(doc.quickStubs()) == 0 && !strings.Contains(flag, "1.5") && !strings.Contains(flag, "true") && !strings.Contains(flag, `[1,1,`) {
			t.Errorf("%.40s…: no list validated alone", flag)
		}
		got, want := ErrorList(doc.validate(schema.Spec())), ErrorList(doc.validateWith(schema.Spec(), nil))
		if got.sortDedup().Error() != want.sortDedup().Error() {
			t.Errorf("%.40s…: errors\n%v\nwant\n%v", flag, got, want)
		}
	}
}

// TestEmptyKeys: a schema error under an empty key is reported at that
// value (the validator leaves an empty key out of its locations), never
// at another value nor as a crash.
func TestEmptyKeys(t *testing.T) {
	for src, want := range map[string][]string{
		`{"flags": {"":{"strategy":{"0":""}}}}`: {
			`f.json:1:27: /flags//strategy: missing required field "name"`,
			`f.json:1:28: /flags//strategy/0: unknown field "0"`},
		`{"flags": {"": {"active": 1}, "active": {"active": true}}}`: {
			`f.json:1:27: /flags//active: must be a boolean, got number`},
		`{"flags": {"x": {"type": "int", "default": "", "variants": {"": {"value": 1, "weight": 100, "": 2}}}}}`: {
			`f.json:1:93: /flags/x/variants//: unknown field ""`},
		`{"context": {"": {"type": "nope"}}, "flags": {}}`: {
			`f.json:1:27: /context//type: must be one of int, string, bool, float`},
	} {
		_, err := Parse("f.json", []byte(src))
		for _, w := range want {
			if err == nil || !slices.Contains(strings.Split(err.Error(), "\n"), w) {
				t.Errorf("%s: errors\n%v\nwant among them %s", src, err, w)
			}
		}
	}
}
