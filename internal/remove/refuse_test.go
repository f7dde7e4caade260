package remove

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flaggen/flaggen/internal/spec"
)

// TestRefusals: every refusal names the reason and writes nothing.
func TestRefusals(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a module")
	}
	dir := newModule(t, filepath.Join("testdata", "app", "before"), "github.com/flaggen/flaggen/removetest/app", nil, false)
	app := filepath.Join(dir, "app.go")
	orig, err := os.ReadFile(app)
	if err != nil {
		t.Fatal(err)
	}
	withSideEffect := strings.Replace(string(orig), "if !a.Flags.NewCheckout(ctx, user) {", "if !a.Flags.NewCheckout(ctx, makeUser()) {", 1) +
		"\nfunc makeUser() *flags.Context { return &flags.Context{UserID: 1} }\n"
	sideLine := 1 + strings.Count(withSideEffect[:strings.Index(withSideEffect, "makeUser()) {")], "\n")
	byName := strings.Replace(string(orig), "func main() {", "func main() {\n\t_ = flags.MustNew().Runtime().Evaluate(context.Background(), \"new_checkout\", nil)", 1)
	for _, c := range []struct {
		name, flag, keep, app string
		want                  []string
	}{
		{"unknown flag", "new_chekout", "on", "", []string{`no flag "new_chekout" (did you mean "new_checkout"?)`}},
		{"bool keep", "new_checkout", "blue", "", []string{`flag "new_checkout" is a bool flag: keep on or off`}},
		{"variant keep", "theme", "on", "", []string{`flag "theme" has no such variant; its variants: light, dark`}},
		{"dependents", "new_checkout", "off", "", []string{`cannot remove flag "new_checkout" keeping off: "fast_search" depends on it`}},
		{"side effects", "new_checkout", "on", withSideEffect, []string{fmt.Sprintf("app.go:%d: the call of NewCheckout has an argument with side effects (makeUser())", sideLine), "nothing was written"}},
		{"by name", "new_checkout", "on", byName, []string{`Client.Evaluate looks flag "new_checkout" up by name`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := orig
			if c.app != "" {
				src = []byte(c.app)
			}
			if err := os.WriteFile(app, src, 0o644); err != nil {
				t.Fatal(err)
			}
			spec0, _ := os.ReadFile(filepath.Join(dir, "flags", "flags.json"))
			_, err := New(Options{Dir: dir, Spec: "flags/flags.json", Flag: c.flag, Keep: c.keep, Env: goEnv()})
			if err == nil {
				t.Fatal("no refusal")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			after, _ := os.ReadFile(app)
			spec1, _ := os.ReadFile(filepath.Join(dir, "flags", "flags.json"))
			if string(after) != string(src) || string(spec0) != string(spec1) {
				t.Error("files changed")
			}
		})
	}
}

// TestEditSpec: the flag leaves the spec text, its dependents' depends_on
// and the releases; everything else keeps its bytes.
func TestEditSpec(t *testing.T) {
	src := []byte(`{
  "flags": {
    "a": {"active": true},
    "b": {"active": true, "depends_on": ["a"]},
    "c": {"active": true, "depends_on": ["b", "a"]},
    "d": {"active": true}
  },
  "releases": {
    "r1": {"flags": ["a"]},
    "r2": {"flags": ["d", "a", "b"]}
  }
}
`)
	s, err := spec.Parse("flags.json", src)
	if err != nil {
		t.Fatal(err)
	}
	got, notes, err := editSpec(s, s.Flag("a"))
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "flags": {
    "b": {"active": true},
    "c": {"active": true, "depends_on": ["b"]},
    "d": {"active": true}
  },
  "releases": {
    "r2": {"flags": ["d", "b"]}
  }
}
`
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if _, err := spec.Parse("flags.json", got); err != nil {
		t.Error(err)
	}
	if len(notes) != 4 {
		t.Errorf("notes: %q", notes)
	}
}

// TestUnified: the diff of two texts, with context and hunk ranges as
// diff -u prints them.
