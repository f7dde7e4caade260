// Package app uses some flags of its spec, misses one, and looks one up by a
// misspelled name in its tests: lint's end-to-end fixture.
package app

import (
	"context"

	"github.com/flaggen/flaggen/internal/lint/testdata/app/flags"
	"github.com/flaggen/flaggen/internal/lint/testdata/app/other"
)

// OtherFlag looks other_flag up by name: a use.
func OtherFlag(ctx context.Context, o *other.Flags) any {
	return o.Runtime().Evaluate(ctx, "other_flag", nil)
}

// Searcher searches.
type Searcher interface{ Search(q string) []string }

// features is how the app receives the checkout flag: through an interface.
type features interface {
	CheckoutButton(ctx context.Context, c *flags.Context) string
}

// Button calls the checkout_button accessor through an interface.
func Button(ctx context.Context, f features, c *flags.Context) string {
	return f.CheckoutButton(ctx, c)
}

// Handle reads new_ui, legacy_export and everyone, and picks a searcher
// through the advanced_search strategy.
func Handle(ctx context.Context, f *flags.Flags, c *flags.Context, newS, oldS Searcher) ([]string, error) {
	if !f.NewUI(ctx, c) || f.LegacyExport(ctx, c) || !f.Everyone(ctx, c) {
		return nil, nil
	}
	fac, err := flags.NewSearchServiceFactory(f, flags.SearchServiceImpls[Searcher]{New: newS, Old: oldS})
	if err != nil {
		return nil, err
	}
	return fac.Get(ctx, c).Search("q"), nil
}
