package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGoGenerateInDependentModule does what a team does: a module that
// requires github.com/flaggen/flaggen (replace → this checkout) holds
// flags/flags.json and a //go:generate directive with -out . and a relative
// spec; go generate writes the package, which vets, runs, and serves
// runtime.ToggleAs in the app's tests. A handle of the wrong type must not
// compile.
func TestGoGenerateInDependentModule(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go generate, go test and go run in a new module")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is not on PATH (go test puts GOROOT/bin there): %v", err)
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	read := func(p string) []byte {
		data, err := os.ReadFile(filepath.Join(root, p))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	dir := t.TempDir()
	write := func(name, data string) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o777); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o666); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/app\n\ngo 1.26\n\nrequire github.com/flaggen/flaggen v0.0.0\n\nreplace github.com/flaggen/flaggen => "+root+"\n")
	write("go.sum", string(read("go.sum")))
	write("flags/flags.json", string(read("testdata/demo/flags.json")))
	write("flags/doc.go", "// Package flags holds the app's feature flags.\npackage flags\n\n"+
		"//go:generate go run github.com/flaggen/flaggen/cmd/flaggen generate -spec flags.json -out .\n")
	write("main.go", `package main

import (
	"context"
	"fmt"

	"example.com/app/flags"
)

func main() {
	f := flags.MustNew()
	defer f.Close()
	fmt.Println(f.NewUI(context.Background(), &flags.Context{UserID: 123}), flags.SearchEngineHybrid)
}
`)
	write("app_test.go", `package main

import (
	"context"
	"testing"

	"example.com/app/flags"
	"github.com/flaggen/flaggen/runtime"
)

func TestToggleAs(t *testing.T) {
	f := flags.MustNew()
	defer f.Close()
	ctx := context.Background()
	runtime.ToggleAs(t, f, flags.NewUI, false)
	if f.NewUI(ctx, &flags.Context{UserID: 123}) {
		t.Error("NewUI pinned false is true")
	}
	runtime.ToggleAs(t, f, flags.SearchEngine, flags.SearchEngineHybrid)
	if got := f.SearchEngine(ctx, &flags.Context{}); got != flags.SearchEngineHybrid {
		t.Errorf("SearchEngine pinned hybrid = %v", got)
	}
}
`)
	write("typeerr_test.go", `//go:build typeerr

package main

import (
	"testing"

	"example.com/app/flags"
	"github.com/flaggen/flaggen/runtime"
)

func TestWrongType(t *testing.T) {
	runtime.ToggleAs(t, flags.MustNew(), flags.NewUI, "yes")
}
`)
	goCmd := func(wantOK bool, args ...string) string {
		t.Helper()
		cmd := exec.Command(goBin, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod -trimpath", "GOPROXY=off", "GOWORK=off") // -trimpath: cached wherever the module is
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		if (err == nil) != wantOK {
			t.Fatalf("go %s: err = %v, want ok = %v\n%s", strings.Join(args, " "), err, wantOK, out.String())
		}
		return out.String()
	}
	goCmd(true, "generate", "./...")
	src, err := os.ReadFile(filepath.Join(dir, "flags", "flags_gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(src, []byte("package flags\n")) || !bytes.Contains(src, []byte(`flagimpl.MustLoadSpec("flags.json", `)) {
		t.Errorf("unexpected generated file:\n%.800s", src)
	}
	goCmd(true, "vet", "./...")
	if out := goCmd(true, "run", "."); out != "true hybrid\n" {
		t.Errorf("go run printed %q, want %q", out, "true hybrid\n")
	}
	goCmd(true, "test", "-count=1", "./...")
	out := goCmd(false, "vet", "-tags", "typeerr", ".")
	if !strings.Contains(out, "typeerr_test.go:13:") || !strings.Contains(out, "as bool value") {
		t.Errorf("ToggleAs with a string for a bool flag: want a type error on typeerr_test.go:13, got:\n%s", out)
	}
}
