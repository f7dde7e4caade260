// Package promhook is a runtime.Hook and prometheus.Collector that counts flag evaluations by flag, variant and reason.
//
// Register it with runtime.WithHook and with a Prometheus registry:
//
//	evals := promhook.New(flags.Spec)
//	prometheus.MustRegister(evals)
//	f, err := flags.New(runtime.WithHook(evals))
//
// It exports flaggen_flag_evaluations_total{flag, variant, reason}, with
// the variant and the OpenFeature reason of runtime.Evaluation, and
// flaggen_flag_unknown_evaluations_total, the evaluations of names the spec
// lacks (by name through Evaluate or ExplainName), without a label so that
// callers cannot grow the number of series. The counter of each
// (flag, variant, reason) is resolved at its first evaluation and kept in
// a per-flag table that evaluations read without locking, so an evaluation
// costs a short scan and an atomic add, and allocates nothing.
package promhook

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flaggen/flaggen/runtime"
)

// Collector counts evaluations (see the package doc). Create it with New;
// it is safe for concurrent use.
type Collector struct {
	evals   *prometheus.CounterVec
	unknown prometheus.Counter
	names   []string
	// flags[i] is the counters resolved for flag i, copied on write under mu.
	flags []atomic.Pointer[[]child]
	mu    sync.Mutex
}

// child is the counter of one variant and reason of a flag.
type child struct {
	variant, reason string
	c               prometheus.Counter
}

// New returns a Collector for the flags of s (a generated package's Spec).
func New(s *runtime.Spec) *Collector {
	names := s.FlagNames()
	return &Collector{
		evals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flaggen_flag_evaluations_total",
			Help: "Flag evaluations by flag, variant served and OpenFeature reason.",
		}, []string{"flag", "variant", "reason"}),
		unknown: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "flaggen_flag_unknown_evaluations_total",
			Help: "Evaluations of flag names the spec lacks.",
		}),
		names: names,
		flags: make([]atomic.Pointer[[]child], len(names)),
	}
}

// After counts e.
func (h *Collector) After(_ context.Context, e runtime.Evaluation) {
	if e.Index < 0 {
		h.unknown.Inc()
		return
	}
	if e.Index >= len(h.names) || h.names[e.Index] != e.Flag {
		// A Client of another spec: counted, at the cost of a lookup.
		h.evals.WithLabelValues(e.Flag, e.Variant, e.Reason).Inc()
		return
	}
	if p := h.flags[e.Index].Load(); p != nil {
		for k := range *p {
			if c := &(*p)[k]; c.variant == e.Variant && c.reason == e.Reason {
				c.c.Inc()
				return
			}
		}
	}
	h.resolve(e).Inc()
}

// resolve returns the counter of e's flag, variant and reason, adding it
// to the flag's table.
func (h *Collector) resolve(e runtime.Evaluation) prometheus.Counter {
	h.mu.Lock()
	defer h.mu.Unlock()
	var old []child
	if p := h.flags[e.Index].Load(); p != nil {
		old = *p
	}
	for _, c := range old {
		if c.variant == e.Variant && c.reason == e.Reason {
			return c.c
		}
	}
	c := h.evals.WithLabelValues(e.Flag, e.Variant, e.Reason)
	next := append(append(make([]child, 0, len(old)+1), old...), child{e.Variant, e.Reason, c})
	h.flags[e.Index].Store(&next)
	return c
}

// Describe implements prometheus.Collector.
func (h *Collector) Describe(ch chan<- *prometheus.Desc) {
	h.evals.Describe(ch)
	h.unknown.Describe(ch)
}

// Collect implements prometheus.Collector.
func (h *Collector) Collect(ch chan<- prometheus.Metric) {
	h.evals.Collect(ch)
	h.unknown.Collect(ch)
}
