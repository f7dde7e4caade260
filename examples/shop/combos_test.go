package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/flaggen/flaggen/examples/shop/flags"
	"github.com/flaggen/flaggen/runtime"
)

// TestShopCombinations checks the shop under every possible state of
// new_ui × advanced_search, each a parallel subtest on flags of its own:
// what the page shows and which search service the factory injects, for
// user 123, for a user the spec targets with neither flag, and for the
// empty context (pins hold whatever the user). advanced_search on with
// new_ui off cannot happen (advanced_search depends on new_ui), so it is
// not run.
func TestShopCombinations(t *testing.T) {
	const (
		newUI  = "New UI Active for this user!\n"
		search = "Advanced Search is Active for this user!\nAdvanced Search: No results found\n"
	)
	want := map[string]struct {
		page   string
		search string // the injected SearchService's type
	}{
		"new_ui=off,advanced_search=off": {"", "main.OldSearchService"},
		"new_ui=on,advanced_search=off":  {newUI, "main.OldSearchService"},
		"new_ui=on,advanced_search=on":   {newUI + search, "main.NewSearchService"},
	}
	var mu sync.Mutex
	ran := map[string]bool{}
	t.Run("states", func(t *testing.T) {
		runtime.Combinations(t, newFlags, func(t *testing.T, f *flags.Flags) {
			t.Parallel()
			s, err := NewShop(f, emptyCatalogue)
			if err != nil {
				t.Fatal(err)
			}
			name := t.Name()[strings.LastIndex(t.Name(), "/")+1:]
			w, ok := want[name]
			if !ok {
				t.Fatalf("unexpected run %s", name)
			}
			for _, user := range []*flags.Context{user123, {UserID: 7, Region: "DE"}, nil} {
				if got := page(s, user); got != w.page {
					t.Errorf("user %+v: page =\n%s\nwant\n%s", user, got, w.page)
				}
				if got := fmt.Sprintf("%T", s.Searches.Get(context.Background(), user)); got != w.search {
					t.Errorf("user %+v: search service %s, want %s", user, got, w.search)
				}
			}
			mu.Lock()
			ran[name] = true
			mu.Unlock()
		}, flags.NewUI, flags.AdvancedSearch)
	})
	if len(ran) != len(want) {
		t.Errorf("ran %v, want every one of %d possible states", ran, len(want))
	}
}

// newFlags opens the shop's flags on a private memory store for test t.
func newFlags(t *testing.T) *flags.Flags {
	f, err := flags.New(runtime.WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}
