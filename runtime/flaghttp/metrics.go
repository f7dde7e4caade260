package flaghttp

import (
	goruntime "runtime"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	dto "github.com/prometheus/client_model/go"

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

// metrics are the handler's Prometheus metrics: what every request
// records is kept in shards (see requestCounts and evalCounts), resolved up
// front so that recording costs no allocation.
type metrics struct {
	reqs  *requestCounts
	evals *evalCounts
}

// newMetrics registers the handler's metrics with reg.
func newMetrics(reg prometheus.Registerer, c *runtime.Client, flags []string) (*metrics, error) {
	now := time.Now()
	req := newRequestCounts(now)
	ev := newEvalCounts(flags, now)
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
	for _, col := range []prometheus.Collector{req, ev, health, version} {
		if err := reg.Register(col); err != nil {
			return nil, err
		}
	}
	return &metrics{reqs: req, evals: ev}, nil
}

// requestCounts are the counter flaggen_http_requests_total, by route and
// status class, and the histogram flaggen_http_request_duration_seconds,
// by route, which every request records. Kept as a CounterVec and a
// HistogramVec, they are cache lines that every request writes, which the
// cores serving requests side by side take from each other in turn. So
// each shard (see evalCounts for their number) has a counter and a
// histogram of its own per label set, unregistered, and each recorder
// records in one shard; a scrape adds the shards up (each shard's
// histogram is read whole, as Histogram.Write keeps its count, sum and
// buckets together). Every route and class is exposed, 0 included, as the
// vectors' children made up front were, with their creation time.
type requestCounts struct {
	reqDesc, latDesc *prometheus.Desc
	created          time.Time
	shards           []*requestShard
	next             atomic.Uint32 // the shard of the next recorder
}

// requestShard is one shard of requestCounts: requests[route][status
// class] (0xx to 5xx, indexes of routes), latency[route].
type requestShard struct {
	requests [][6]prometheus.Counter
	latency  []prometheus.Histogram
}

// latencyBuckets are the buckets of flaggen_http_request_duration_seconds.
var latencyBuckets = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1}

// newRequestCounts returns request counts, all 0, created at created.
func newRequestCounts(created time.Time) *requestCounts {
	rc := &requestCounts{
		created: created,
		reqDesc: prometheus.NewDesc("flaggen_http_requests_total",
			"HTTP requests served, by route and status code class (2xx …).",
			[]string{"route", "code"}, nil),
		latDesc: prometheus.NewDesc("flaggen_http_request_duration_seconds",
			"Time to serve an HTTP request (streams: until the stream ends), by route.",
			[]string{"route"}, nil),
	}
	for range shards(0) {
		s := &requestShard{}
		for range routes {
			var row [6]prometheus.Counter
			for i := range row {
				row[i] = prometheus.NewCounter(prometheus.CounterOpts{Name: "flaggen_http_requests_total"})
			}
			s.requests = append(s.requests, row)
			s.latency = append(s.latency, prometheus.NewHistogram(prometheus.HistogramOpts{
				Name:    "flaggen_http_request_duration_seconds",
				Buckets: latencyBuckets,
			}))
		}
		rc.shards = append(rc.shards, s)
	}
	return rc
}

// shard returns the next shard, in turn (see evalCounts.shard).
func (rc *requestCounts) shard() *requestShard {
	return rc.shards[(rc.next.Add(1)-1)%uint32(len(rc.shards))]
}

// record records a request to route ri (an index of routes) answered
// with status after d.
func (s *requestShard) record(ri, status int, d time.Duration) {
	if sc := status / 100; sc >= 1 && sc <= 5 {
		s.requests[ri][sc].Inc()
	}
	s.latency[ri].Observe(d.Seconds())
}

// Describe implements prometheus.Collector.
func (rc *requestCounts) Describe(ch chan<- *prometheus.Desc) {
	ch <- rc.reqDesc
	ch <- rc.latDesc
}

// Collect implements prometheus.Collector.
func (rc *requestCounts) Collect(ch chan<- prometheus.Metric) {
	var m dto.Metric
	for ri, route := range routes {
		for sc := range 6 {
			var n float64
			for _, s := range rc.shards {
				m.Reset()
				s.requests[ri][sc].Write(&m)
				n += m.GetCounter().GetValue()
			}
			ch <- prometheus.MustNewConstMetricWithCreatedTimestamp(rc.reqDesc, prometheus.CounterValue, n, rc.created, route, strconv.Itoa(sc)+"xx")
		}
		var count uint64
		var sum float64
		buckets := make(map[float64]uint64, len(latencyBuckets))
		for _, s := range rc.shards {
			m.Reset()
			s.latency[ri].Write(&m)
			h := m.GetHistogram()
			count += h.GetSampleCount()
			sum += h.GetSampleSum()
			for _, b := range h.GetBucket() {
				buckets[b.GetUpperBound()] += b.GetCumulativeCount()
			}
		}
		ch <- prometheus.MustNewConstHistogramWithCreatedTimestamp(rc.latDesc, count, sum, buckets, rc.created, route)
	}
}

// evalCounts is the counter flaggen_evaluations_total, by flag and reason.
// A bulk request counts one evaluation per flag: as a prometheus.CounterVec
// (one object per flag and reason) that is as many cache lines written per
// request, which the cores serving requests side by side take from each
// other in turn. So the counts are kept in shards instead, one per
// recorder (see evalShard), each shard one array, by reason then flag (the
// evaluations of one request mostly share a reason: they write
// neighbouring words), shards apart by a cache line at least; a scrape
// adds the shards up. Every flag and reason is exposed, 0 included, as the
// CounterVec's children made up front were, with their creation time.
type evalCounts struct {
	desc    *prometheus.Desc
	created time.Time
	flags   []string
	stride  int             // words from one shard to the next
	counts  []atomic.Uint64 // shard s, reason r, flag i: counts[s*stride+r*len(flags)+i]
	nshards int
	next    atomic.Uint32 // the shard of the next recorder
}

// maxShards and maxShardBytes bound the shards of the metrics: at most two
// per core and maxShards, and all in maxShardBytes (the evaluation counts
// of a spec of ten thousand flags get 8 shards of 480 kB); one at least.
const (
	maxShards     = 32
	maxShardBytes = 4 << 20
)

// shards returns how many shards of size bytes to make (size 0: shards
// too small to count against maxShardBytes).
func shards(size int) int {
	n := min(2*goruntime.GOMAXPROCS(0), maxShards)
	if size > 0 {
		n = min(n, maxShardBytes/size)
	}
	return max(n, 1)
}

// newEvalCounts returns the evaluation counts of flags, all 0, created at
// created.
func newEvalCounts(flags []string, created time.Time) *evalCounts {
	const line = 8 // words of a cache line (64 bytes)
	n := len(flags) * nReasons
	stride := (n+line-1)/line*line + line // a line apart at least
	shards := shards(8 * stride)
	return &evalCounts{
		desc: prometheus.NewDesc("flaggen_evaluations_total",
			"Flag evaluations served over OFREP, by flag and OpenFeature reason.",
			[]string{"flag", "reason"}, nil),
		created: created,
		flags:   flags,
		stride:  stride,
		counts:  make([]atomic.Uint64, shards*stride),
		nshards: shards,
	}
}

// evalShard is one shard of evalCounts, where a recorder counts the
// evaluations of its requests.
type evalShard struct {
	counts []atomic.Uint64 // by reason, then flag
	nflags int
}

// shard returns the next shard, in turn: each recorder gets one when it is
// made, and recorders, pooled per core, rarely move.
func (e *evalCounts) shard() evalShard {
	s := int((e.next.Add(1) - 1) % uint32(e.nshards))
	return evalShard{counts: e.counts[s*e.stride : s*e.stride+nReasons*len(e.flags)], nflags: len(e.flags)}
}

// inc counts one evaluation of flag i with reason r.
func (s evalShard) inc(i int, r evalmap.Reason) { s.counts[int(r)*s.nflags+i].Add(1) }

// count returns the evaluations of flag i with reason r counted so far,
// all shards added up.
func (e *evalCounts) count(i int, r evalmap.Reason) uint64 {
	var v uint64
	at := int(r)*len(e.flags) + i
	for s := range e.nshards {
		v += e.counts[s*e.stride+at].Load()
	}
	return v
}

// Describe implements prometheus.Collector.
func (e *evalCounts) Describe(ch chan<- *prometheus.Desc) { ch <- e.desc }

// Collect implements prometheus.Collector.
func (e *evalCounts) Collect(ch chan<- prometheus.Metric) {
	for r, reason := range evalmap.Reasons {
		for i, f := range e.flags {
			ch <- prometheus.MustNewConstMetricWithCreatedTimestamp(e.desc, prometheus.CounterValue, float64(e.count(i, evalmap.Reason(r))), e.created, f, reason)
		}
	}
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
