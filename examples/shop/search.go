package main

import (
	"context"
	"fmt"
	"io"

	"github.com/flaggen/flaggen/examples/shop/flags"
	"github.com/flaggen/flaggen/runtime"
)

// SearchService is the shop's search (the article's SearchService): the
// SearchServiceFactory generated from the advanced_search flag's strategy
// picks the implementation, so no caller tests the flag.
type SearchService interface {
	// Search runs query and writes what the user sees to w.
	Search(ctx context.Context, w io.Writer, query string) error
}

// Backend finds the products matching a query.
type Backend func(ctx context.Context, query string) ([]string, error)

// emptyCatalogue is the demo backend: the shop sells nothing yet.
func emptyCatalogue(context.Context, string) ([]string, error) { return nil, nil }

// OldSearchService is the search the shop had before advanced_search.
type OldSearchService struct {
	Backend Backend
}

// Search implements SearchService the old way. It writes nothing: main.py
// prints nothing when advanced_search is off (the article's OldSearchService
// only returns its results, which main.py does not print), and the shop
// prints exactly what main.py prints.
func (s OldSearchService) Search(ctx context.Context, _ io.Writer, query string) error {
	_, err := s.Backend(ctx, query)
	return err
}

// NewSearchService is the advanced search. Every search runs under the
// flag's performance monitor, which also reports its errors, so that
// error_threshold and performance_threshold can switch the flag off for
// every shop.
type NewSearchService struct {
	Client  *runtime.Client
	Backend Backend
}

// Search implements SearchService (main.py's advanced-search block).
func (s NewSearchService) Search(ctx context.Context, w io.Writer, query string) error {
	fmt.Fprintln(w, "Advanced Search is Active for this user!")
	return s.Client.Monitor(flags.AdvancedSearch, func() error {
		results, err := s.Backend(ctx, query)
		if err != nil {
			return err
		}
		if len(results) == 0 {
			fmt.Fprintln(w, "Advanced Search: No results found")
		}
		for _, r := range results {
			fmt.Fprintf(w, "Advanced Search: %s\n", r)
		}
		return nil
	})
}
