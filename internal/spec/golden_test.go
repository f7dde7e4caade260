package spec

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

var update = flag.Bool("update", false, "rewrite the expected output in testdata/*.txtar")

// TestGolden runs every testdata/*.txtar archive: "flags.json" is parsed and
// its errors must equal the "errors" file (empty for a valid spec); each
// "patch/FLAG.json" is then decoded as a live patch of FLAG and its errors
// must equal "patch/FLAG.errors". go test -update rewrites the expectations.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden archives: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			src := section(ar, "flags.json")
			if src == nil {
				t.Fatal("archive has no flags.json")
			}
			s, err := Parse("flags.json", src)
			outputs := map[string]string{"errors": errText(err)}
			for _, f := range ar.Files {
				name, ok := strings.CutPrefix(f.Name, "patch/")
				if !ok || !strings.HasSuffix(name, ".json") {
					continue
				}
				if s == nil {
					t.Fatalf("%s: the spec must be valid to test patches", f.Name)
				}
				_, perr := DecodePatch(s, strings.TrimSuffix(name, ".json"), f.Data)
				outputs[strings.TrimSuffix(f.Name, ".json")+".errors"] = errText(perr)
			}
			changed := false
			for name, got := range outputs {
				want := section(ar, name)
				if string(want) == got {
					continue
				}
				if *update {
					setSection(ar, name, got)
					changed = true
					continue
				}
				t.Errorf("%s:\n--- got\n%s--- want\n%s", name, got, want)
			}
			if changed {
				if err := os.WriteFile(file, txtar.Format(ar), 0o666); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error() + "\n"
}

func section(ar *txtar.Archive, name string) []byte {
	for _, f := range ar.Files {
		if f.Name == name {
			return bytes.Clone(f.Data)
		}
	}
	return nil
}

func setSection(ar *txtar.Archive, name, data string) {
	for i, f := range ar.Files {
		if f.Name == name {
			ar.Files[i].Data = []byte(data)
			return
		}
	}
	ar.Files = append(ar.Files, txtar.File{Name: name, Data: []byte(data)})
}
