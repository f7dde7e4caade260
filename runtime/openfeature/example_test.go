package openfeature_test

import (
	"context"
	"fmt"
	"log"

	of "github.com/open-feature/go-sdk/openfeature"

	"github.com/flaggen/flaggen/generated/demo"
	"github.com/flaggen/flaggen/runtime/openfeature"
)

// Example registers the provider over a generated package's Flags and
// evaluates through the OpenFeature SDK's client, as an app does.
func Example() {
	flags, err := demo.New()
	if err != nil {
		log.Fatal(err)
	}
	defer flags.Close()
	p, err := openfeature.New(flags.Runtime())
	if err != nil {
		log.Fatal(err)
	}
	if err := of.SetProviderAndWait(p); err != nil {
		log.Fatal(err)
	}
	defer of.Shutdown()

	ctx := context.Background()
	client := of.NewClient("checkout")
	user := of.NewEvaluationContext("123", map[string]any{"region": "US", "account_type": "premium"})

	on, _ := client.BooleanValueDetails(ctx, "new_ui", false, user)
	fmt.Println(on.Value, on.Reason, on.Variant, on.FlagMetadata["owner"])

	button, _ := client.StringValueDetails(ctx, "checkout_button", "blue", user)
	fmt.Println(button.Value, button.Reason)

	_, err = client.IntValue(ctx, "max_results", 10, of.NewEvaluationContext("", map[string]any{"region": 7}))
	fmt.Println(err)
	// Output:
	// true TARGETING_MATCH on UI Team
	// blue SPLIT
	// error code: INVALID_CONTEXT: context: region: want a string, got a number
}
