// Package openfeature is an OpenFeature provider over a runtime.Client.
//
// A Provider implements the go-sdk's FeatureProvider, StateHandler and
// EventHandler (github.com/open-feature/go-sdk/openfeature): an app that
// standardises on OpenFeature registers it and evaluates the spec's flags
// through the SDK's client, by name:
//
//	p, err := openfeature.New(flags.Runtime())
//	…
//	err = of.SetProviderAndWait(p)
//	client := of.NewClient("checkout")
//	on, err := client.BooleanValue(ctx, "new_ui", false, of.NewEvaluationContext("42", map[string]any{"region": "US"}))
//
// # Evaluation
//
// Boolean, String (string and enum flags), Int and Float evaluations run the
// cascade as the generated accessors do (runtime.Client.Decide, no I/O).
// Object evaluation, and a flag evaluated as another type than the spec
// declares, answers TYPE_MISMATCH; a name the spec lacks FLAG_NOT_FOUND.
//
// The evaluation context maps onto the spec's declared attributes exactly
// as the OFREP server's does (runtime/flaghttp; both use the same code):
// the targeting key is the key attribute (a decimal string for an int key
// attribute); every other attribute must be declared, of its declared type
// (any Go integer for an int attribute, any Go number for a float one,
// string, bool) and within its enum, else the evaluation answers
// INVALID_CONTEXT with every problem named. A flag whose answer needs the
// key attribute (a rollout or a variant split) and a context without one
// answers TARGETING_KEY_MISSING. A panic below the provider answers GENERAL.
// The Client's hooks (runtime.WithHook) see every evaluation the cascade
// decides, once, with the ctx the app passed to the SDK (TARGETING_KEY_MISSING
// as reason ERROR without a variant); an unknown flag, a type mismatch or an
// invalid context is refused before it and calls none.
// The provider itself never answers PARSE_ERROR: its contexts are Go values,
// not text (the SDK sends PARSE_ERROR for a flag key that is not UTF-8).
//
// Reasons map the cascade's deciding step as OFREP's do: STATIC for a pinned
// flag or one whose value cannot depend on the context, DISABLED when
// active, activation_date, environments or a tripped monitor switched it
// off, TARGETING_MATCH for the allow-list, the empty context and passed
// targeting, SPLIT for a rollout bucket or a variant, DEFAULT when
// targeting, a dependency or the variant weights fell through to the
// default, ERROR with an error code. The variant is a variant flag's
// variant name, "on" or "off" for a bool flag ("" when a test pins it).
//
// Every answer for a flag of the spec carries flag metadata from the spec:
// "owner", "kind", "description", "expires" (as the spec gives it) and
// "expired" (whether that date has passed), each only when the spec sets it.
//
// # State and events
//
// The SDK marks the provider READY once Init returns. From then on the
// provider emits PROVIDER_STALE while the Client's store is degraded
// (runtime.Client.Health reports a store problem: evaluation goes on from
// the last good state), PROVIDER_READY when it recovers, and
// PROVIDER_CONFIGURATION_CHANGED, with the changed flags' names, after every
// live change (runtime.Client.OnChange), whichever instance made it. Health
// is polled every HealthInterval; a refused live patch (runtime.RefusedError)
// is not a degraded store. Shutdown stops all this; it does not close the
// Client, which the app owns.
package openfeature
