package remove

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestShop removes new_ui from a copy of examples/shop keeping it on: the
// removal first refuses, naming the uses of the handle only a person can
// rewrite (the feedback on new_ui); once those are finished by hand, it
// succeeds (the traffic monitor trips nothing any more) and the shop
// prints for user 123 what it printed before
// (examples/shop/testdata/user123.golden).
func TestShop(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module")
	}
	shop := filepath.Join(checkout(t), "examples", "shop")
	const mod = "github.com/flaggen/flaggen/removetest/shop"
	// The shop's own tests exercise new_ui's monitors: they go with it.
	dir := newModule(t, shop, mod, map[string]string{"github.com/flaggen/flaggen/examples/shop/": mod + "/", "skip tests": "-"}, true)
	// The copy's generated package must be current: generate it anew.
	generate(t, filepath.Join(dir, "flags"))
	opt := Options{Dir: dir, Spec: "flags/flags.json", Flag: "new_ui", Keep: "on", Env: goEnv()}

	_, err := New(opt)
	if err == nil {
		t.Fatal("remove new_ui: no refusal of the handle passed to the traffic monitor and the feedback collector")
	}
	for _, want := range []string{"nothing was written", `shop.go:218: cannot rewrite this use of NewUI (the handle of flag "new_ui" passed to FeedbackCollector.Collect)`, "shop.go:222:"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("refusal lacks %q:\n%v", want, err)
		}
	}

	// By hand: the feedback was about new_ui.
	file := filepath.Join(dir, "shop.go")
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	text := string(src)
	for old, new := range map[string]string{
		"fc.Collect(ctx, flags.NewUI,": "fc.Collect(ctx, flags.AdvancedSearch,",
		"fc.Get(ctx, flags.NewUI)":     "fc.Get(ctx, flags.AdvancedSearch)",
	} {
		if !strings.Contains(text, old) {
			t.Fatalf("examples/shop/shop.go no longer has %q: update this test", old)
		}
		text = strings.Replace(text, old, new, 1)
	}
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}

	p, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	if d := p.Diff(); !strings.Contains(d, "-\tif s.Flags.NewUI(ctx, user) {\n-\t\tfmt.Fprintln(w, \"New UI Active for this user!\")\n-\t}\n+\tfmt.Fprintln(w, \"New UI Active for this user!\")\n") {
		t.Errorf("the diff does not keep the new UI's branch:\n%s", d)
	}
	if err := p.Apply(); err != nil {
		t.Fatal(err)
	}
	goCmd(t, dir, "vet", "./...")
	got := goCmd(t, dir, "run", ".")
	want, err := os.ReadFile(filepath.Join(shop, "testdata", "user123.golden"))
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("the shop without new_ui prints\n%s\nwant\n%s", got, want)
	}
}

// TestShopAdvancedSearch removes advanced_search from a copy of
// examples/shop keeping it on, with no hand edit: the strategy factory
// gives way to the new search, its monitor to a plain call, and the shop
// prints for user 123 what it printed before.
func TestShopAdvancedSearch(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module")
	}
	shop := filepath.Join(checkout(t), "examples", "shop")
	const mod = "github.com/flaggen/flaggen/removetest/shop"
	dir := newModule(t, shop, mod, map[string]string{"github.com/flaggen/flaggen/examples/shop/": mod + "/", "skip tests": "-"}, true)
	generate(t, filepath.Join(dir, "flags"))
	p, err := New(Options{Dir: dir, Spec: "flags/flags.json", Flag: "advanced_search", Keep: "on", Env: goEnv()})
	if err != nil {
		t.Fatal(err)
	}
	notes := strings.Join(p.Notes, "\n")
	for _, want := range []string{
		`release "winter_launch" no longer switches "advanced_search"`,
		"shop.go:39: the SearchService factory no longer uses OldSearchService{Backend: backend} (Old)",
	} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	if err := p.Apply(); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(dir, "search.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(src), "\treturn func() error {\n") {
		t.Errorf("the monitor is not a plain call:\n%s", src)
	}
	goCmd(t, dir, "vet", "./...")
	got := goCmd(t, dir, "run", ".")
	want, err := os.ReadFile(filepath.Join(shop, "testdata", "user123.golden"))
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("the shop without advanced_search prints\n%s\nwant\n%s", got, want)
	}
}
