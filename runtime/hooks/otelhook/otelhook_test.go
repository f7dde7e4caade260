package otelhook_test

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/flaggen/flaggen/generated/demo"
	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/hooks/otelhook"
)

// TestEvents evaluates flags inside a span of the SDK and checks the
// events the in-memory exporter received.
func TestEvents(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	defer tp.Shutdown(context.Background())

	f := demo.MustNew(runtime.WithHook(otelhook.New()))
	defer f.Close()
	runtime.ToggleAs(t, f, demo.MaxResults, 50)

	ctx, span := tp.Tracer("test").Start(context.Background(), "request")
	c := &demo.Context{UserID: 42, Region: "US"}
	button := f.CheckoutButton(ctx, c)
	f.MaintenanceMode(ctx, c)
	f.MaxResults(ctx, c)
	f.Runtime().Evaluate(ctx, "no_such_flag", nil)
	f.NewUI(context.Background(), c) // no span: no event
	span.End()

	spans := exp.GetSpans()
	if len(spans) != 1 {
		t.Fatalf("%d spans exported, want 1", len(spans))
	}
	want := []map[attribute.Key]attribute.Value{
		{otelhook.KeyKey: attribute.StringValue("checkout_button"), otelhook.VariantKey: attribute.StringValue(button), otelhook.ReasonKey: attribute.StringValue("split")},
		{otelhook.KeyKey: attribute.StringValue("maintenance_mode"), otelhook.VariantKey: attribute.StringValue("off"), otelhook.ReasonKey: attribute.StringValue("disabled")},
		{otelhook.KeyKey: attribute.StringValue("max_results"), otelhook.ValueKey: attribute.Int64Value(50), otelhook.ReasonKey: attribute.StringValue("static")},
		{otelhook.KeyKey: attribute.StringValue("no_such_flag"), otelhook.ErrorTypeKey: attribute.StringValue("flag_not_found"), otelhook.ReasonKey: attribute.StringValue("error")},
	}
	events := spans[0].Events
	if len(events) != len(want) {
		t.Fatalf("%d events, want %d: %+v", len(events), len(want), events)
	}
	for i, ev := range events {
		if ev.Name != otelhook.EventName {
			t.Errorf("event %d is %q, want %q", i, ev.Name, otelhook.EventName)
		}
		got := map[attribute.Key]attribute.Value{}
		for _, kv := range ev.Attributes {
			got[kv.Key] = kv.Value
		}
		if p := got[otelhook.ProviderNameKey]; p.AsString() != otelhook.DefaultProviderName {
			t.Errorf("event %d: provider %q, want %q", i, p.AsString(), otelhook.DefaultProviderName)
		}
		for k, v := range want[i] {
			if got[k] != v {
				t.Errorf("event %d: %s = %v, want %v", i, k, got[k].String(), v.String())
			}
		}
		if len(got) != len(want[i])+1 {
			t.Errorf("event %d has attributes %v, want %v and the provider", i, ev.Attributes, want[i])
		}
	}
}

// TestNoSpanDoesNotAllocate checks that the hook costs no allocation when
// ctx holds no recording span.
func TestNoSpanDoesNotAllocate(t *testing.T) {
	f := demo.MustNew(runtime.WithHook(otelhook.New()))
	defer f.Close()
	ctx := context.Background()
	c := &demo.Context{UserID: 42, Region: "US"}
	if n := testing.AllocsPerRun(100, func() { f.CheckoutButton(ctx, c) }); n != 0 {
		t.Errorf("%v allocs per evaluation without a span, want 0", n)
	}
}
