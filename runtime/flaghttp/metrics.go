package flaghttp

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/flaggen/flaggen/internal/bridge"
	"github.com/flaggen/flaggen/internal/evalmap"
	"github.com/flaggen/flaggen/runtime"
)

// Routes, as metric labels.
const (
	routeEval    = "evaluate_flag"
	routeBulk    = "evaluate_flags"
	routeConfig  = "configuration"
	routeEvents  = "events"
	routeHealthz = "healthz"
	routeReadyz  = "readyz"
	routeMetrics = "metrics"
	routeAdmin   = "admin"
	routeOther   = "other"
)

var routes = []string{routeEval, routeBulk, routeConfig, routeEvents, routeHealthz, routeReadyz, routeMetrics, routeAdmin, routeOther}

// metrics are the handler's Prometheus metrics, their label children
// resolved up front so that recording costs no allocation.
type metrics struct {
	// requests[route][status class]; latency[route].
	requests [][6]prometheus.Counter
	latency  []prometheus.Observer
	// evals[flag][reason]
	evals [][]prometheus.Counter
}

// newMetrics registers the handler's metrics with reg.
func newMetrics(reg prometheus.Registerer, c *runtime.Client, flags []string) (*metrics, error) {
	req := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "flaggen_http_requests_total",
		Help: "HTTP requests served, by route and status code class (2xx …).",
	}, []string{"route", "code"})
	lat := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "flaggen_http_request_duration_seconds",
		Help:    "Time to serve an HTTP request (streams: until the stream ends), by route.",
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
	}, []string{"route"})
	ev := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "flaggen_evaluations_total",
		Help: "Flag evaluations served over OFREP, by flag and OpenFeature reason.",
	}, []string{"flag", "reason"})
	health := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "flaggen_store_healthy",
		Help: "1 when the live-state store is healthy and every live patch applies, else 0 (see /readyz).",
	}, func() float64 {
		if c.Health() != nil {
			return 0
		}
		return 1
	})
	liveVersion := bridge.EvaluatorOf[runtime.Value](c).Version
	version := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "flaggen_live_state_version",
		Help: "Version of the live state the flags are evaluated with.",
	}, func() float64 { return float64(liveVersion()) })
	for _, col := range []prometheus.Collector{req, lat, ev, health, version} {
		if err := reg.Register(col); err != nil {
			return nil, err
		}
	}
	m := &metrics{}
	for _, r := range routes {
		var row [6]prometheus.Counter
		for i := range row {
			row[i] = req.WithLabelValues(r, strconv.Itoa(i)+"xx")
		}
		m.requests = append(m.requests, row)
		m.latency = append(m.latency, lat.WithLabelValues(r))
	}
	for _, f := range flags {
		row := make([]prometheus.Counter, len(evalmap.Reasons))
		for i, rs := range evalmap.Reasons {
			row[i] = ev.WithLabelValues(f, rs)
		}
		m.evals = append(m.evals, row)
	}
	return m, nil
}

// defaultRegistry is the registry of a handler without Config.Registry.
func defaultRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// routeIndex returns the index of route r in routes.
func routeIndex(r string) int {
	for i, x := range routes {
		if x == r {
			return i
		}
	}
	return len(routes) - 1
}
