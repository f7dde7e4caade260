package runtime_test

import (
	"context"
	"fmt"

	"github.com/flaggen/flaggen/generated/demo"
	"github.com/flaggen/flaggen/generated/seed"
	"github.com/flaggen/flaggen/runtime"
)

// exampleRunner stands in for the *testing.T a test hands Combinations
// and Pairwise: Run runs a subtest at once, Logf prints.
type exampleRunner struct {
	exampleT
	name string
}

func (r *exampleRunner) Name() string                     { return r.name }
func (r *exampleRunner) Logf(format string, args ...any)  { fmt.Printf("log: "+format+"\n", args...) }
func (r *exampleRunner) Skipf(format string, args ...any) { fmt.Printf("skip: "+format+"\n", args...) }
func (r *exampleRunner) Run(name string, f func(*exampleRunner)) bool {
	sub := &exampleRunner{name: r.name + "/" + name}
	f(sub)
	sub.end()
	return true
}

func ExampleCombinations() {
	t := &exampleRunner{name: "TestSearch"} // in a test: func TestSearch(t *testing.T)
	ctx := context.Background()
	// open gives each run flags of its own, so that a run may call
	// t.Parallel(); a test whose runs are not parallel may share one.
	open := func(t *exampleRunner) *seed.Flags {
		f := seed.MustNew()
		t.Cleanup(func() { f.Close() })
		return f
	}
	runtime.Combinations(t, open, func(t *exampleRunner, f *seed.Flags) {
		fmt.Printf("%s: new_ui %v, advanced_search %v\n", t.Name(), f.NewUI(ctx, nil), f.AdvancedSearch(ctx, nil))
	}, seed.NewUI, seed.AdvancedSearch)
	// Output:
	// log: Combinations: not run: new_ui=off,advanced_search=on: advanced_search=on needs new_ui on (depends_on: advanced_search → new_ui)
	// TestSearch/new_ui=off,advanced_search=off: new_ui false, advanced_search false
	// TestSearch/new_ui=on,advanced_search=off: new_ui true, advanced_search false
	// TestSearch/new_ui=on,advanced_search=on: new_ui true, advanced_search true
}

func ExamplePairwise() {
	t := &exampleRunner{name: "TestCheckout"}
	ctx := context.Background()
	f := demo.MustNew()
	defer f.Close()
	// Every pair of states of two of these flags, in 8 runs of the 36
	// possible combinations; max_results takes two values only, one of
	// which is not a variant.
	runtime.Pairwise(t, func(*exampleRunner) *demo.Flags { return f }, func(t *exampleRunner, f *demo.Flags) {
		fmt.Println(t.Name(), f.SearchEngine(ctx, nil), f.MaxResults(ctx, nil))
	}, demo.NewUI, demo.AdvancedSearch, demo.CheckoutButton, demo.SearchEngine, runtime.Values(demo.MaxResults, 10, 100))
	// Output:
	// log: Pairwise: 8 runs cover the 47 possible pairs of states of new_ui, advanced_search, checkout_button, search_engine, max_results (depends_on excludes 1)
	// TestCheckout/new_ui=on,advanced_search=off,checkout_button=blue,search_engine=classic,max_results=few classic 10
	// TestCheckout/new_ui=off,advanced_search=off,checkout_button=green,search_engine=semantic,max_results=100 semantic 100
	// TestCheckout/new_ui=on,advanced_search=on,checkout_button=blue,search_engine=hybrid,max_results=100 hybrid 100
	// TestCheckout/new_ui=on,advanced_search=on,checkout_button=green,search_engine=semantic,max_results=few semantic 10
	// TestCheckout/new_ui=off,advanced_search=off,checkout_button=green,search_engine=classic,max_results=100 classic 100
	// TestCheckout/new_ui=on,advanced_search=on,checkout_button=blue,search_engine=classic,max_results=few classic 10
	// TestCheckout/new_ui=off,advanced_search=off,checkout_button=blue,search_engine=semantic,max_results=few semantic 10
	// TestCheckout/new_ui=off,advanced_search=off,checkout_button=green,search_engine=hybrid,max_results=few hybrid 10
}
