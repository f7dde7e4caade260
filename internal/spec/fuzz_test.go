package spec

import (
	"bytes"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

func addSeeds(f *testing.F) {
	for _, file := range []string{"testdata/seed/flags.json", "testdata/demo/flags.json"} {
		f.Add(readRepoFile(f, file))
	}
	files, _ := filepath.Glob("testdata/*.txtar")
	for _, file := range files {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, fl := range ar.Files {
			if strings.HasSuffix(fl.Name, ".json") {
				f.Add(fl.Data)
			}
		}
	}
}

// FuzzParse: Parse never panics, returns a spec xor an error, positions
// every error, and a spec it returns is consistent and re-parses the same.
func FuzzParse(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("f.json", data)
		if (s == nil) == (err == nil) {
			t.Fatalf("Parse returned spec %v and error %v", s, err)
		}
		if err != nil {
			list, ok := err.(ErrorList)
			if !ok || len(list) == 0 {
				t.Fatalf("error %T %v is not a non-empty ErrorList", err, err)
			}
			for _, e := range list {
				if e.File != "f.json" || e.Line < 1 || e.Col < 1 || e.Msg == "" {
					t.Fatalf("badly positioned error %q", e.Error())
				}
			}
			return
		}
		if !slices.IsSortedFunc(s.Flags, func(a, b *Flag) int { return strings.Compare(a.Name, b.Name) }) {
			t.Fatal("flags not sorted")
		}
		names := map[string]bool{}
		for i, fl := range s.Flags {
			if fl.Index != i || names[fl.GoName] || !isExportedIdent(fl.GoName) {
				t.Fatalf("flag %q: index %d at %d, Go name %q", fl.Name, fl.Index, i, fl.GoName)
			}
			names[fl.GoName] = true
		}
		for i, a := range s.Context {
			if a.Index != i {
				t.Fatalf("attribute %q: index %d at %d", a.Name, a.Index, i)
			}
		}
		s2, err := Parse("f.json", s.Source)
		if err != nil || !bytes.Equal(s2.Source, data) || len(s2.Flags) != len(s.Flags) {
			t.Fatalf("re-parse: %v", err)
		}
		// Patches built from the spec's own flags apply cleanly.
		if _, err := s.Apply(map[string]*Patch{}); err != nil {
			t.Fatalf("Apply(empty): %v", err)
		}
	})
}

// FuzzDecodePatch: DecodePatch never panics, and a patch it accepts applies
// and survives a JSON round trip.
func FuzzDecodePatch(f *testing.F) {
	for _, p := range []string{`{}`, `{"active": false}`, `{"percentage_rollout": null, "users": [1]}`,
		`{"rules": [{"attribute": "device", "operator": "in", "values": ["ios"]}]}`, `{"depends_on": ["advanced_search"]}`,
		`{"tripped": "x", "activation_date": "2030-01-01T00:00:00+02:00"}`} {
		f.Add("new_ui", []byte(p))
	}
	f.Add("checkout_button", []byte(`{"default": "green"}`))
	s := demoSpec(f)
	f.Fuzz(func(t *testing.T, flag string, data []byte) {
		p, err := DecodePatch(s, flag, data)
		if (p == nil) == (err == nil) {
			t.Fatalf("DecodePatch returned %v and %v", p, err)
		}
		if err != nil {
			return
		}
		if _, err := s.Apply(map[string]*Patch{flag: p}); err != nil {
			t.Fatalf("accepted patch %s does not apply: %v", data, err)
		}
	})
}
