package runtime_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"

	"github.com/flaggen/flaggen/generated/seed"
	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/memstore"
)

func ExampleNewClient() {
	spec, err := runtime.LoadSpec("flags.json", []byte(`{"flags": {"dark_mode": {"active": true}}}`))
	if err != nil {
		log.Fatal(err)
	}
	// WithStore is optional: without it the Client keeps live state in a
	// private memory store. Clients that share a store follow each other's
	// changes.
	c, err := runtime.NewClient(spec, runtime.WithStore(memstore.New()))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	fmt.Println("dark_mode:", c.Evaluate(ctx, "dark_mode", nil))
	// An operator switches it off (what `flaggen disable` does), audited.
	if err := c.Set(ctx, "dark_mode", json.RawMessage(`{"active": false}`), "alice", "contrast bug"); err != nil {
		log.Fatal(err)
	}
	fmt.Println("dark_mode:", c.Evaluate(ctx, "dark_mode", nil))
	audit, err := c.Audit(ctx, "dark_mode", 1)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("changed by", audit[0].Actor+":", audit[0].Reason)
	// Output:
	// dark_mode: true
	// dark_mode: false
	// changed by alice: contrast bug
}

// exampleT stands in for the *testing.T a test hands ToggleAs.
type exampleT struct{ cleanups []func() }

func (*exampleT) Helper()                           {}
func (*exampleT) Name() string                      { return "TestCheckout" }
func (t *exampleT) Cleanup(f func())                { t.cleanups = append(t.cleanups, f) }
func (*exampleT) Fatalf(format string, args ...any) { log.Fatalf(format, args...) }

// end runs the cleanups, as the testing package does when the test ends.
func (t *exampleT) end() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}

func ExampleToggleAs() {
	// seed is the package flaggen generated from testdata/seed/flags.json;
	// new_ui is on for a context without attributes.
	f := seed.MustNew()
	defer f.Close()
	ctx := context.Background()

	t := &exampleT{} // in a test: func TestCheckout(t *testing.T)
	runtime.ToggleAs(t, f, seed.NewUI, false)
	fmt.Println("new_ui during the test:", f.NewUI(ctx, nil))
	t.end()
	fmt.Println("new_ui after it:", f.NewUI(ctx, nil))
	// Output:
	// new_ui during the test: false
	// new_ui after it: true
}
