package spec

import (
	"os"
	"path/filepath"
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
