package spec

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// FuzzFastDecoder: whatever fastDecode accepts, decoder decodes to the
// same document, without errors (fastDecode gives up on the rest, which
// decoder then decodes and reports).
func FuzzFastDecoder(f *testing.F) {
	for _, s := range []string{`{}`, `[]`, `null`, `true`, `false`, `0`, `-0.5e+10`, `"x"`, `{"a": [1, 2, {"b": null}], "c": "d\"e\u00e9"}`,
		" \t\r\n{\"a\" :\n[ ]}\n", `{"a":1,}`, `[1,]`, `{"a":1,"a":2}`, `01`, `1.`, `-`, `1e`, `truex`, `[true"x"]`, "\"\xff\"", "\"\x01\"",
		`{"a~b/c": {"": 1}}`, `{"users": [1e3, -0.5, 18446744073709551615]}`, "\uFEFF{\"a\": 1}", `{"a": 1} x`, `[[[[[[[[[[]]]]]]]]]]`,
		`"\ud800"`, `{"a": "\t"}`, `1 2`, `{"é": "ü"}`} {
		f.Add([]byte(s))
	}
	var many []string // objects with many keys, the last one a duplicate or not
	for i := range 20 {
		many = append(many, fmt.Sprintf(`"k%d": %d`, i, i))
	}
	f.Add([]byte("{" + strings.Join(many, ",") + "}"))
	f.Add([]byte("{" + strings.Join(many, ",") + `, "k3": 0}`))
	f.Add([]byte("{" + strings.Join(many[:16], ",") + `, "k15": 0}`))
	// Containers past the size carved from a slab, and enough small ones
	// to take several slabs.
	f.Add([]byte("[" + strings.Repeat(`[1, {"a": [2, 3]}],`, slabChunk/3) + "4]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, ferrs := decodeDocumentWith("f", data, "/base", true)
		slow, serrs := decodeDocumentWith("f", data, "/base", false)
		if fast == nil || slow == nil {
			if fast != slow || !reflect.DeepEqual(ferrs, serrs) {
				t.Fatalf("%q: fast %v %v, slow %v %v", data, fast, ferrs, slow, serrs)
			}
			return
		}
		if fast.byPtr == nil {
			fast.nodeAt("") // the index slow builds as it goes
		}
		if !reflect.DeepEqual(fast, slow) || !reflect.DeepEqual(ferrs, serrs) {
			t.Fatalf("%q: the documents differ:\nfast %+v %v\nslow %+v %v", data, fast.root, ferrs, slow.root, serrs)
		}
	})
}
