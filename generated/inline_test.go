package generated

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// TestBoolAccessorsInline holds the OnOff goal's precondition: Go's
// inliner accepts every generated bool accessor (its budget is 80 and the
// accessor costs exactly that), so that a constant flag costs its caller
// one atomic load and no call. A change to the generated code that adds a
// node makes this fail, naming the accessor, before a benchmark shows it.
func TestBoolAccessorsInline(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the generated packages with -gcflags=-m")
	}
	accessor := regexp.MustCompile(`(?m)^func \(f \*Flags\) (\w+)\(ctx context\.Context, c \*Context\) bool \{`)
	for _, pkg := range []string{"demo", "seed"} {
		t.Run(pkg, func(t *testing.T) {
			src, err := os.ReadFile(pkg + "/flags_gen.go")
			if err != nil {
				t.Fatal(err)
			}
			names := accessor.FindAllStringSubmatch(string(src), -1)
			if len(names) == 0 {
				t.Fatalf("no bool accessors found in %s/flags_gen.go: update this test's pattern", pkg)
			}
			out, err := exec.Command("go", "build", "-gcflags=-m", "./"+pkg).CombinedOutput()
			if err != nil {
				t.Fatalf("go build -gcflags=-m ./%s: %v\n%s", pkg, err, out)
			}
			for _, m := range names {
				if !strings.Contains(string(out), "can inline (*Flags)."+m[1]+"\n") {
					t.Errorf("(*Flags).%s is not inlinable (go build -gcflags=-m=2 ./generated/%s shows its cost)", m[1], pkg)
				}
			}
		})
	}
}
