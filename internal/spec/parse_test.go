package spec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readRepoFile(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseTestdataSpecs(t *testing.T) {
	for _, f := range []string{"testdata/seed/flags.json", "testdata/demo/flags.json"} {
		if _, err := Parse(f, readRepoFile(t, f)); err != nil {
			t.Errorf("Parse(%s):\n%v", f, err)
		}
	}
}

// TestByteOrderMark: a spec saved with a UTF-8 BOM parses; Source keeps the
// file as read, and error columns still count bytes of the file.
func TestByteOrderMark(t *testing.T) {
	src := "\uFEFF{\"flags\": {\"a\": {\"active\": true}}}"
	s, err := Parse("bom.json", []byte(src))
	if err != nil {
		t.Fatalf("Parse with a BOM: %v", err)
	}
	if string(s.Source) != src || s.Flag("a") == nil || !s.Flag("a").Active {
		t.Errorf("spec from a BOM file: Source %q, flag a %+v", s.Source, s.Flag("a"))
	}
	_, err = Parse("bom.json", []byte("\uFEFF{\"flags\": {\"a\": {\"active\": 1}}}"))
	if want := "bom.json:1:31: /flags/a/active: must be a boolean, got number"; err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
	if _, err := Parse("bom.json", []byte("\uFEFF")); err == nil || !strings.Contains(err.Error(), "unexpected end of JSON input") {
		t.Errorf("BOM alone: error = %v", err)
	}
}
