package openfeature

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	of "github.com/open-feature/go-sdk/openfeature"

	"github.com/flaggen/flaggen/internal/redistest"
	"github.com/flaggen/flaggen/runtime"
)

// events registers a handler of each event type on cl and returns the
// channel they all send to.
func events(t *testing.T, cl *of.Client) <-chan of.EventDetails {
	t.Helper()
	ch := make(chan of.EventDetails, 64)
	for _, typ := range []of.EventType{of.ProviderReady, of.ProviderStale, of.ProviderConfigChange, of.ProviderError} {
		cb := func(d of.EventDetails) {
			d.EventMetadata = map[string]any{"type": typ}
			ch <- d
		}
		cl.AddHandler(typ, &cb)
		t.Cleanup(func() { cl.RemoveHandler(typ, &cb) })
	}
	return ch
}

// await waits for an event of type typ on ch, skipping others, and
// returns it; it fails t after a generous bound.
func await(t *testing.T, ch <-chan of.EventDetails, typ of.EventType) of.EventDetails {
	t.Helper()
	timeout := time.NewTimer(20 * time.Second)
	defer timeout.Stop()
	for {
		select {
		case d := <-ch:
			if d.EventMetadata["type"] == typ {
				return d
			}
		case <-timeout.C:
			t.Fatalf("no %s event", typ)
		}
	}
}

// TestEvents runs a provider over a real Redis: a live change from another
// instance is PROVIDER_CONFIGURATION_CHANGED with the flag's name; Redis
// stopped is PROVIDER_STALE (evaluation goes on), Redis back is
// PROVIDER_READY.
func TestEvents(t *testing.T) {
	rs := redistest.Start(t)
	f := redisFlags(t, rs.Addr(), "ofevents")
	other := redisFlags(t, rs.Addr(), "ofevents")
	cl, _ := sdkClient(t, f.Runtime(), WithHealthInterval(5*time.Millisecond))
	ch := events(t, cl)
	await(t, ch, of.ProviderReady) // the SDK's, on registration
	if cl.State() != of.ReadyState {
		t.Fatalf("state %s after SetProviderAndWait", cl.State())
	}

	ctx := context.Background()
	if err := other.Runtime().Change(ctx, runtimeEdit("new_ui", "maintenance_mode")); err != nil {
		t.Fatal(err)
	}
	var changed []string
	for !slices.Contains(changed, "new_ui") || !slices.Contains(changed, "maintenance_mode") {
		d := await(t, ch, of.ProviderConfigChange)
		changed = append(changed, d.FlagChanges...)
	}
	// The change is seen by the evaluation that follows the event.
	if on, err := cl.BooleanValue(ctx, "maintenance_mode", false, of.EvaluationContext{}); !on || err != nil {
		t.Errorf("maintenance_mode after the change: %v, %v", on, err)
	}

	rs.Stop()
	d := await(t, ch, of.ProviderStale)
	if cl.State() != of.StaleState || d.Message == "" {
		t.Errorf("state %s, message %q, after Redis stopped", cl.State(), d.Message)
	}
	// Evaluation goes on from the last good state.
	if on, err := cl.BooleanValue(ctx, "maintenance_mode", false, of.EvaluationContext{}); !on || err != nil {
		t.Errorf("maintenance_mode with Redis down: %v, %v", on, err)
	}

	rs.Restart()
	await(t, ch, of.ProviderReady)
	if cl.State() != of.ReadyState {
		t.Errorf("state %s after Redis came back", cl.State())
	}
}

// runtimeEdit switches the named flags on for everyone, as one edit.
func runtimeEdit(flags ...string) runtime.Edit {
	e := runtime.Edit{Actor: "test", Reason: "events", Flags: map[string]json.RawMessage{}}
	for _, f := range flags {
		e.Flags[f] = json.RawMessage(`{"active":true,"regions":null,"account_types":null,"beta_program":null,"users":null,"percentage_rollout":null}`)
	}
	return e
}

// TestStaleAtStart registers a provider over a Client that started without
// its Redis: the SDK marks it READY, the provider's first health check
// STALE, and Redis coming up READY again.
func TestStaleAtStart(t *testing.T) {
	rs := redistest.Start(t)
	rs.Stop()
	f := redisFlags(t, rs.Addr(), "ofstale", runtime.WithStartTimeout(100*time.Millisecond))
	cl, _ := sdkClient(t, f.Runtime(), WithHealthInterval(5*time.Millisecond))
	ch := events(t, cl)
	await(t, ch, of.ProviderStale)
	// Evaluation goes on from the spec.
	if on, err := cl.BooleanValue(context.Background(), "new_ui", false, of.NewEvaluationContext("123", nil)); !on || err != nil {
		t.Errorf("new_ui with Redis down at start: %v, %v", on, err)
	}
	rs.Restart()
	await(t, ch, of.ProviderReady)
	if cl.State() != of.ReadyState {
		t.Errorf("state %s after Redis came up", cl.State())
	}
}
