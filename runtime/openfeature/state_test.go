package openfeature

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	of "github.com/open-feature/go-sdk/openfeature"

	"github.com/flaggen/flaggen/runtime"
)

// next waits for the provider's next event and fails t after a generous
// bound.
func next(t *testing.T, p *Provider) of.Event {
	t.Helper()
	select {
	case ev := <-p.EventChannel():
		return ev
	case <-time.After(20 * time.Second):
		t.Fatal("no event")
	}
	panic("unreachable")
}

// TestInitShutdown drives the state handler directly: Init follows live
// changes, Shutdown stops, a second Init follows again; Init and Shutdown
// twice are harmless.
func TestInitShutdown(t *testing.T) {
	t.Parallel()
	f := demoFlags(t)
	p, err := New(f.Runtime())
	if err != nil {
		t.Fatal(err)
	}
	set := func(flag string) {
		t.Helper()
		if err := f.Runtime().Set(context.Background(), flag, json.RawMessage(`{"active":false}`), "test", "state"); err != nil {
			t.Fatal(err)
		}
	}
	for round := range 2 {
		if err := p.Init(of.EvaluationContext{}); err != nil {
			t.Fatal(err)
		}
		if err := p.Init(of.EvaluationContext{}); err != nil {
			t.Fatal(err)
		}
		flag := []string{"new_ui", "native_share"}[round]
		set(flag)
		ev := next(t, p)
		if ev.EventType != of.ProviderConfigChange || !slices.Equal(ev.FlagChanges, []string{flag}) || ev.ProviderName != Name {
			t.Errorf("round %d: event %+v, want a configuration change of %s", round, ev, flag)
		}
		p.Shutdown()
		p.Shutdown()
	}
}

// TestDegraded checks which Health errors make the provider STALE.
func TestDegraded(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("redis down"), true},
		{&runtime.RefusedError{Flags: map[string]error{"new_ui": errors.New("cycle")}}, false},
		{fmt.Errorf("wrapped: %w", &runtime.RefusedError{}), false},
	} {
		if got := degraded(c.err); got != c.want {
			t.Errorf("degraded(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

// TestConcurrent evaluates from many goroutines while live state changes
// (for the race detector).
func TestConcurrent(t *testing.T) {
	t.Parallel()
	f := demoFlags(t)
	cl, _ := sdkClient(t, f.Runtime(), WithHealthInterval(time.Millisecond))
	var wg sync.WaitGroup
	ctx := context.Background()
	for g := range 4 {
		wg.Go(func() {
			ec := of.NewEvaluationContext(fmt.Sprint(100+g), map[string]any{"region": "US", "device": "ios", "cart_total": 60})
			for range 200 {
				if _, err := cl.BooleanValue(ctx, "new_ui", false, ec); err != nil {
					t.Error(err)
					return
				}
				if _, err := cl.StringValue(ctx, "search_engine", "classic", ec); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	for i := range 20 {
		patch := fmt.Sprintf(`{"percentage_rollout":%d}`, i*5)
		if err := f.Runtime().Set(ctx, "new_ui", json.RawMessage(patch), "test", "concurrent"); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
}

// BenchmarkEvaluate measures one evaluation through the provider alone and
// through the SDK's client (hooks, context merging), for a context of
// four attributes.
func BenchmarkEvaluate(b *testing.B) {
	f := demoFlags(b)
	cl, p := sdkClient(b, f.Runtime())
	ctx := context.Background()
	ec := of.NewEvaluationContext("4242", map[string]any{"region": "US", "account_type": "premium", "beta_program": true})
	flat := of.FlattenedContext{"targetingKey": "4242", "region": "US", "account_type": "premium", "beta_program": true}
	b.Run("provider", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			p.BooleanEvaluation(ctx, "new_ui", false, flat)
		}
	})
	b.Run("sdk-client", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			cl.BooleanValueDetails(ctx, "new_ui", false, ec)
		}
	})
	b.Run("generated-accessor", func(b *testing.B) {
		gc := demoContext()
		b.ReportAllocs()
		for b.Loop() {
			f.NewUI(ctx, gc)
		}
	})
}
