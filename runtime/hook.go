package runtime

import (
	"context"
	"errors"

	"github.com/flaggen/flaggen/internal/engine"
	"github.com/flaggen/flaggen/internal/reason"
)

// Hook observes evaluations. A Client with hooks (WithHook) calls each
// hook's After, in registration order, once per evaluation through a
// generated accessor (and so a generated factory's Get), Evaluate,
// ExplainName and EvaluateAll (once per flag), on the evaluating goroutine
// and after the value is decided. After must be safe for concurrent use, must
// not block, and must not evaluate flags of the same Client.
type Hook interface {
	After(ctx context.Context, e Evaluation)
}

// HookFunc adapts a function to a Hook.
type HookFunc func(ctx context.Context, e Evaluation)

// After calls f(ctx, e).
func (f HookFunc) After(ctx context.Context, e Evaluation) { f(ctx, e) }

// Evaluation is what a Hook sees of one evaluation. It is passed by value
// and holds no pointer that the evaluation allocated: a hook that does not
// keep it costs no allocation.
type Evaluation struct {
	// Flag is the flag's name.
	Flag string
	// Index is the flag's index in Spec.FlagNames (its handle's Index), or
	// -1 for a name the spec lacks (Evaluate and ExplainName).
	Index int
	// Value is the flag's value: a bool, string, int or float Value.
	Value Value
	// Variant is the variant served: a variant flag's variant, "on" or
	// "off" for a bool flag, "" for a pinned flag (a test pin picks a
	// value, not a variant) and an unknown name, as OFREP and
	// runtime/openfeature report it.
	Variant string
	// Reason is the OpenFeature reason: "STATIC" (pinned by ToggleAs, or
	// the value cannot depend on the context), "TARGETING_MATCH", "SPLIT",
	// "DISABLED", "DEFAULT", or "ERROR" for a name the spec lacks.
	Reason string
	// Step is the deciding cascade step, as in Explanation.Step.
	Step string
}

// WithHook registers h: it sees every evaluation of the Client (see Hook).
// Several hooks may be registered; they run in order. A Client without
// hooks evaluates as fast as before hooks existed; with one, a bool flag
// whose value cannot depend on the context is evaluated rather than read
// from its bound state, and each evaluation decides its reason and variant,
// builds an Evaluation and calls every hook: BenchmarkHooks in
// generated/hook_test.go measures it, about 60 to 90 ns more per
// evaluation with one counting hook on a 2-core machine (a few ns per
// further hook), without allocating.
func WithHook(h Hook) Option { return func(o *options) { o.hooks = append(o.hooks, h) } }

// checkHooks returns an error when a registered hook is nil.
func checkHooks(hooks []Hook) error {
	for _, h := range hooks {
		if h == nil {
			return errors.New("runtime: NewClient: WithHook(nil)")
		}
	}
	return nil
}

// afterHooks counts decision d of flag i (WithExposure) and runs c's
// hooks for it. It is bridge.Core.After (nil without hooks and exposure)
// for runtime/flagimpl.
func (c *Client) afterHooks(ctx context.Context, i int, d engine.Decision) {
	if c.exp != nil {
		c.exp.count(i, d)
		if len(c.opts.hooks) == 0 {
			return
		}
	}
	e := Evaluation{Flag: c.spec.m.Flags[i].Name, Index: i, Value: Value(d.Value), Variant: reason.Variant(d), Reason: reason.Of(d).String(), Step: d.Step}
	for _, h := range c.opts.hooks {
		h.After(ctx, e)
	}
}

// afterUnknown runs c's hooks for an evaluation of a name the spec lacks.
func (c *Client) afterUnknown(ctx context.Context, name string) {
	e := Evaluation{Flag: name, Index: -1, Value: Bool(false), Reason: reason.Error.String(), Step: "unknown"}
	for _, h := range c.opts.hooks {
		h.After(ctx, e)
	}
}
