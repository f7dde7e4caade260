// Package otelhook is a runtime.Hook that records each flag evaluation as a "feature_flag.evaluation" event on the OpenTelemetry span in the evaluation's context, following OpenTelemetry's feature-flag semantic conventions.
//
// Register it with runtime.WithHook (or a generated package's New, which
// takes the same options):
//
//	f, err := flags.New(runtime.WithHook(otelhook.New()))
//
// Each evaluation whose ctx holds a recording span adds one event with
// feature_flag.key, feature_flag.provider.name, feature_flag.result.reason
// (lower case: "static", "targeting_match", "split", "disabled", "default",
// "error"), feature_flag.result.variant when the evaluation has a variant
// and feature_flag.result.value when it has none (a pinned flag), and
// error.type "flag_not_found" for a name the spec lacks. An evaluation
// without a recording span costs one check and allocates nothing.
package otelhook

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/flaggen/flaggen/runtime"
)

// The names of OpenTelemetry's feature-flag semantic conventions.
const (
	EventName       = "feature_flag.evaluation"
	KeyKey          = attribute.Key("feature_flag.key")
	ProviderNameKey = attribute.Key("feature_flag.provider.name")
	VariantKey      = attribute.Key("feature_flag.result.variant")
	ValueKey        = attribute.Key("feature_flag.result.value")
	ReasonKey       = attribute.Key("feature_flag.result.reason")
	ErrorTypeKey    = attribute.Key("error.type")
)

// DefaultProviderName is the feature_flag.provider.name New records.
const DefaultProviderName = "flaggen"

// Hook records evaluations on the span in their context. Create it with
// New; it is safe for concurrent use.
type Hook struct {
	provider attribute.KeyValue
}

// New returns a Hook that names its provider DefaultProviderName.
func New() *Hook { return NewNamed(DefaultProviderName) }

// NewNamed returns a Hook that records provider as
// feature_flag.provider.name, e.g. to tell two Clients apart.
func NewNamed(provider string) *Hook {
	return &Hook{provider: ProviderNameKey.String(provider)}
}

// reasons maps the OpenFeature reasons of runtime.Evaluation.Reason to the
// semantic conventions' lower-case values.
var reasons = map[string]attribute.KeyValue{
	"STATIC":          ReasonKey.String("static"),
	"TARGETING_MATCH": ReasonKey.String("targeting_match"),
	"SPLIT":           ReasonKey.String("split"),
	"DISABLED":        ReasonKey.String("disabled"),
	"DEFAULT":         ReasonKey.String("default"),
	"ERROR":           ReasonKey.String("error"),
}

// After adds the evaluation's event to the span in ctx, if it records.
func (h *Hook) After(ctx context.Context, e runtime.Evaluation) {
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return
	}
	attrs := make([]attribute.KeyValue, 0, 5)
	attrs = append(attrs, KeyKey.String(e.Flag), h.provider)
	if r, ok := reasons[e.Reason]; ok {
		attrs = append(attrs, r)
	}
	switch {
	case e.Index < 0:
		attrs = append(attrs, ErrorTypeKey.String("flag_not_found"))
	case e.Variant != "":
		attrs = append(attrs, VariantKey.String(e.Variant))
	default:
		attrs = append(attrs, value(e.Value))
	}
	span.AddEvent(EventName, trace.WithAttributes(attrs...))
}

// value returns v as feature_flag.result.value.
func value(v runtime.Value) attribute.KeyValue {
	switch x := v.Any().(type) {
	case bool:
		return ValueKey.Bool(x)
	case string:
		return ValueKey.String(x)
	case int64:
		return ValueKey.Int64(x)
	case float64:
		return ValueKey.Float64(x)
	}
	return ValueKey.String("")
}
