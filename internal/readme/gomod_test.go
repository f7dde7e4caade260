package readme

import (
	"go/version"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"
)

// TestGoLineIsTheDependenciesFloor keeps go.mod's go line at the lowest Go
// version the module can ask for, as the README's changelog says: the
// highest go line among the modules it depends on (a module's go line may
// not be lower than any of its dependencies'). Every app that imports
// runtime must use at least this toolchain, so a higher line than the
// dependencies need is a cost to every user; the code builds and vets at
// this line (make test), so it needs no newer language or library.
func TestGoLineIsTheDependenciesFloor(t *testing.T) {
	root := repoRoot(t)
	data, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	mf, err := modfile.ParseLax("go.mod", data, nil)
	if err != nil {
		t.Fatal(err)
	}
	if mf.Go == nil {
		t.Fatal("go.mod has no go line")
	}
	cmd := exec.Command("go", "list", "-m", "-f", "{{if not .Main}}{{.Path}} {{.GoVersion}}{{end}}", "all")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -m all: %v", err)
	}
	floor, by := "", ""
	for line := range strings.Lines(string(out)) {
		path, goLine, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok || goLine == "" {
			continue
		}
		if floor == "" || version.Compare("go"+goLine, "go"+floor) > 0 {
			floor, by = goLine, path
		}
	}
	if floor == "" {
		t.Fatalf("go list -m all named no dependency with a go line:\n%s", out)
	}
	if got := mf.Go.Version; got != floor {
		t.Errorf("go.mod says go %s; the dependencies need only go %s (%s): lower the go line to it, or say here why the code needs more", got, floor, by)
	}
}
