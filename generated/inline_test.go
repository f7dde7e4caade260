package generated

import (
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// TestBoolAccessorsInline holds the OnOff goal's precondition: Go's
// inliner accepts every generated bool accessor (its budget is 80 and the
// accessor costs exactly that), so that a constant flag costs its caller
// one atomic load and no call; so does every bool accessor function of a
// package generated with -accessors=funcs (demofuncs). A change to the
// generated code that adds a node makes this fail, naming the accessor,
// before a benchmark shows it.
func TestBoolAccessorsInline(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the generated packages with -gcflags=-m")
	}
	methods := regexp.MustCompile(`(?m)^func \(f \*Flags\) (\w+)\(ctx context\.Context, c \*Context\) bool \{`)
	funcs := regexp.MustCompile(`(?m)^func (\w+)\(f \*Flags, ctx context\.Context, c \*Context\) bool \{`)
	for _, pkg := range []struct {
		dir      string
		accessor *regexp.Regexp
		inlined  string // -gcflags=-m's name of the accessor, %s its name
	}{
		{"demo", methods, "(*Flags).%s"},
		{"seed", methods, "(*Flags).%s"},
		{"demofuncs", funcs, "%s"}, // -accessors=funcs
	} {
		t.Run(pkg.dir, func(t *testing.T) {
			src, err := os.ReadFile(pkg.dir + "/flags_gen.go")
			if err != nil {
				t.Fatal(err)
			}
			names := pkg.accessor.FindAllStringSubmatch(string(src), -1)
			if len(names) == 0 {
				t.Fatalf("no bool accessors found in %s/flags_gen.go: update this test's pattern", pkg.dir)
			}
			out, err := exec.Command("go", "build", "-gcflags=-m", "./"+pkg.dir).CombinedOutput()
			if err != nil {
				t.Fatalf("go build -gcflags=-m ./%s: %v\n%s", pkg.dir, err, out)
			}
			for _, m := range names {
				name := fmt.Sprintf(pkg.inlined, m[1])
				if !strings.Contains(string(out), ": can inline "+name+"\n") {
					t.Errorf("%s is not inlinable (go build -gcflags=-m=2 ./generated/%s shows its cost)", name, pkg.dir)
				}
			}
		})
	}
}
