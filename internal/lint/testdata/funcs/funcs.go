// Package funcs uses a package generated with -accessors=funcs: its flags
// are evaluated by functions (flags.NewUI(f, ctx, c)) and their handles
// have a "Flag" suffix (flags.PinnedFlag). Lint's fixture for that style.
package funcs

import (
	"context"

	"github.com/flaggen/flaggen/internal/lint/testdata/funcs/flags"
)

// Handle reads new_ui, on the caller's context and, by mistake, on none.
func Handle(ctx context.Context, f *flags.Flags, c *flags.Context) bool {
	return flags.NewUI(f, ctx, c) && flags.NewUI(f, ctx, nil)
}

// Pinned names pinned by its handle only: a use.
func Pinned() string { return flags.PinnedFlag.Name() }

// Search picks an implementation through the search strategy.
func Search(ctx context.Context, f *flags.Flags) (string, error) {
	s, err := flags.NewSearchFactory(f, flags.SearchImpls[string]{New: "new", Old: "old"})
	if err != nil {
		return "", err
	}
	return s.Get(ctx, nil), nil
}
