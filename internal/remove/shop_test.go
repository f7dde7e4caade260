package remove

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestShop removes new_ui from a copy of examples/shop keeping it on, with
// no hand edit: the traffic monitor trips nothing any more, the feedback on
// new_ui is kept by name (FeedbackCollector.CollectName and GetName), and
// the shop prints for user 123 what it printed before
// (examples/shop/testdata/user123.golden) and still takes feedback.
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
	before := goCmd(t, dir, "run", ".", "-feedback", "the new UI is great")

	p, err := New(Options{Dir: dir, Spec: "flags/flags.json", Flag: "new_ui", Keep: "on", Env: goEnv()})
	if err != nil {
		t.Fatal(err)
	}
	d := p.Diff()
	for _, want := range []string{
		"-\tif s.Flags.NewUI(ctx, user) {\n-\t\tfmt.Fprintln(w, \"New UI Active for this user!\")\n-\t}\n+\tfmt.Fprintln(w, \"New UI Active for this user!\")\n",
		"+\t\tif err := fc.CollectName(ctx, \"new_ui\", user, cfg.feedback); err != nil {\n",
		"+\t\tall, err := fc.GetName(ctx, \"new_ui\")\n",
		"+\t\tfmt.Fprintf(out, \"Thanks for your feedback on %s (%d so far).\\n\", \"new_ui\", len(all))\n",
	} {
		if !strings.Contains(d, want) {
			t.Errorf("the diff lacks\n%s\n%s", want, d)
		}
	}
	notes := strings.Join(p.Notes, "\n")
	for _, want := range []string{
		`shop.go:218: the feedback on "new_ui" is kept by name: Collect(…, flags.NewUI, …) became CollectName(…, "new_ui", …)`,
		`shop.go:222: the feedback on "new_ui" is kept by name: Get(…, flags.NewUI, …) became GetName(…, "new_ui", …)`,
		`the traffic monitor of "new_ui" no longer trips anything`,
	} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
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
	if got := goCmd(t, dir, "run", ".", "-feedback", "the new UI is great"); got != before {
		t.Errorf("the shop without new_ui, given feedback, prints\n%s\nwant\n%s", got, before)
	}
	if !strings.Contains(before, "Thanks for your feedback on new_ui (1 so far).\n") {
		t.Errorf("the shop does not thank for the feedback:\n%s", before)
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
