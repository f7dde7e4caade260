package runtime

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"unicode/utf8"
)

// FuzzParseAttribute checks ParseAttribute, which decodes the usual JSON
// values itself, against AttributeValue given what encoding/json decodes
// (numbers as json.Number): the same index, value and error for every
// attribute of the demo spec and any valid JSON value; invalid JSON is an
// error. (Strings that are not UTF-8 stay out: encoding/json turns their
// bytes into U+FFFD, ParseAttribute keeps them.)
func FuzzParseAttribute(f *testing.F) {
	s := demoSpec(f)
	attrs := append(s.Attributes(), "planet")
	for _, raw := range []string{`"US"`, ` "RO" `, `"a\"b"`, `"\u00e9"`, `7`, `-0`, `null`, `42`, `012`, `4.5`, `1E2`, `-2.5e+1`, `1e400`,
		`9223372036854775808`, `true`, `false`, `tru`, `[true]`, `{}`, `"premium"`, `"gold"`, `"ios"`, `"a` + "\x01" + `"`, `"`, `-`, `1.`, `.5`, `+1`} {
		for i := range len(attrs) {
			f.Add(raw, i)
		}
	}
	f.Fuzz(func(t *testing.T, raw string, attr int) {
		if !utf8.ValidString(raw) {
			return
		}
		name := attrs[uint(attr)%uint(len(attrs))]
		i, v, err := s.ParseAttribute(name, []byte(raw))
		if !json.Valid([]byte(raw)) {
			if err == nil {
				t.Fatalf("ParseAttribute(%s, %q) = %v, want an error: not JSON", name, raw, v)
			}
			return
		}
		dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
		dec.UseNumber()
		var x any
		if err := dec.Decode(&x); err != nil {
			t.Fatal(err)
		}
		wi, wv, werr := s.AttributeValue(name, x)
		if i != wi || v.GoString() != wv.GoString() || !v.Equal(wv) && !(v.IsAbsent() && wv.IsAbsent()) || (err == nil) != (werr == nil) || err != nil && err.Error() != werr.Error() {
			t.Fatalf("ParseAttribute(%s, %q) = %d %s %v; AttributeValue(%#v) = %d %s %v", name, raw, i, v.GoString(), err, x, wi, wv.GoString(), werr)
		}
	})
}

// TestAttributeLookup checks that ParseAttribute finds every declared
// attribute, and no other name, in specs of few and of many attributes.
func TestAttributeLookup(t *testing.T) {
	for _, n := range []int{1, 16, 17, 40} {
		ctx := map[string]any{}
		for i := range n {
			ctx[fmt.Sprintf("a%d", i)] = map[string]any{"type": "int"}
		}
		src, _ := json.Marshal(map[string]any{"context": ctx, "flags": map[string]any{"f": map[string]any{"active": true}}})
		s, err := LoadSpec("many.json", src)
		if err != nil {
			t.Fatal(err)
		}
		for i, name := range s.Attributes() {
			j, v, err := s.ParseAttribute(name, []byte(strconv.Itoa(i)))
			if err != nil || j != i || !v.Equal(Int(int64(i))) {
				t.Errorf("%d attributes: ParseAttribute(%s) = %d, %v, %v", n, name, j, v.GoString(), err)
			}
		}
		if _, _, err := s.ParseAttribute("b0", []byte("1")); err == nil {
			t.Errorf("%d attributes: undeclared b0 accepted", n)
		}
	}
}
