package flaghttp

import (
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/flaggen/flaggen/internal/evalmap"
)

// TestEvalCountsShards checks that evalCounts adds up what its shards
// count, flag by flag and reason by reason, and exposes every flag and
// reason, 0 included, however many shards there are and however the
// counts spread over them.
func TestEvalCountsShards(t *testing.T) {
	flags := []string{"a", "b", "c"}
	e := newEvalCounts(flags, time.Now())
	if e.nshards < 1 || e.stride < nReasons*len(flags)+8 || e.stride%8 != 0 {
		t.Fatalf("%d shards, stride %d", e.nshards, e.stride)
	}
	want := map[[2]string]float64{}
	var wg sync.WaitGroup
	var mu sync.Mutex
	for g := range 3 * e.nshards { // every shard, more than once
		ec := e.shard()
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(g), 1))
			got := map[[2]string]float64{}
			for range 1000 {
				i, rs := r.IntN(len(flags)), evalmap.Reason(r.IntN(nReasons))
				ec.inc(i, rs)
				got[[2]string{flags[i], evalmap.Reasons[rs]}]++
			}
			mu.Lock()
			for k, v := range got {
				want[k] += v
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	reg := prometheus.NewRegistry()
	reg.MustRegister(e)
	got := gatherEvals(t, reg)
	if len(got) != len(flags)*nReasons {
		t.Errorf("%d series, want %d (every flag and reason)", len(got), len(flags)*nReasons)
	}
	for _, f := range flags {
		for _, rs := range evalmap.Reasons {
			k := [2]string{f, rs}
			if got[k] != want[k] {
				t.Errorf("%s %s: %v, want %v", f, rs, got[k], want[k])
			}
		}
	}
}

// TestEvalCountsServed checks flaggen_evaluations_total against the
// answers of concurrent bulk and single requests, server and client keys:
// one evaluation per flag answered, under the reason it was answered with.
func TestEvalCountsServed(t *testing.T) {
	reg := prometheus.NewRegistry()
	s := start(t, Config{Registry: reg}, false)
	h := s.h.(*handler)
	want := map[[2]string]float64{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(g), 2))
			got := map[[2]string]float64{}
			for n := range 40 {
				body, _ := json.Marshal(map[string]any{"context": randomContext(r, false)})
				key := serverKey
				if n%3 == 0 {
					key = clientKey
				}
				var flags []map[string]any
				if n%4 == 0 { // one flag
					name := h.flags[r.IntN(len(h.flags))].name
					code, out, _ := s.do(t, "POST", "/ofrep/v1/evaluate/flags/"+name, key, body)
					if code == 403 { // not served to client keys: not evaluated
						continue
					}
					flags = []map[string]any{decode[map[string]any](t, out)}
				} else {
					code, out, _ := s.do(t, "POST", "/ofrep/v1/evaluate/flags", key, body)
					if code != 200 {
						t.Errorf("bulk: %d %s", code, out)
						return
					}
					flags = decode[struct{ Flags []map[string]any }](t, out).Flags
				}
				for _, f := range flags {
					got[[2]string{f["key"].(string), f["reason"].(string)}]++
				}
			}
			mu.Lock()
			for k, v := range got {
				want[k] += v
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	got := gatherEvals(t, reg)
	if len(got) != len(h.flags)*nReasons {
		t.Errorf("%d series, want %d (every flag and reason)", len(got), len(h.flags)*nReasons)
	}
	var total float64
	for k, v := range got {
		if v != want[k] {
			t.Errorf("%s %s: %v, want %v", k[0], k[1], v, want[k])
		}
		total += v
	}
	if total == 0 {
		t.Error("no evaluation counted")
	}
}

// gatherEvals returns flaggen_evaluations_total in reg by flag and reason.
func gatherEvals(t *testing.T, reg *prometheus.Registry) map[[2]string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[[2]string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "flaggen_evaluations_total" {
			continue
		}
		if mf.GetHelp() != "Flag evaluations served over OFREP, by flag and OpenFeature reason." || mf.GetType().String() != "COUNTER" {
			t.Errorf("help %q, type %v", mf.GetHelp(), mf.GetType())
		}
		for _, m := range mf.GetMetric() {
			var k [2]string
			for _, l := range m.GetLabel() {
				switch l.GetName() {
				case "flag":
					k[0] = l.GetValue()
				case "reason":
					k[1] = l.GetValue()
				}
			}
			out[k] = m.GetCounter().GetValue()
		}
	}
	return out
}

// TestRequestCountsServed checks flaggen_http_requests_total and
// flaggen_http_request_duration_seconds against concurrent requests of
// known routes and statuses: every request counted once under its route
// and status class, every route and class exposed, each route's histogram
// counting its requests with cumulative buckets.
func TestRequestCountsServed(t *testing.T) {
	reg := prometheus.NewRegistry()
	s := start(t, Config{Registry: reg}, false)
	calls := []struct {
		method, path, key string
		body              []byte
		route             string
		code              int
	}{
		{"GET", "/healthz", "", nil, routeHealthz, 200},
		{"POST", "/ofrep/v1/evaluate/flags", serverKey, []byte(`{"context":{"targetingKey":"7"}}`), routeBulk, 200},
		{"POST", "/ofrep/v1/evaluate/flags", "wrong-key", []byte(`{}`), routeBulk, 401},
		{"GET", "/ofrep/v1/evaluate/flags", serverKey, nil, routeBulk, 405},
		{"POST", "/ofrep/v1/evaluate/flags/new_ui", serverKey, []byte(`{"context":{"targetingKey":"7"}}`), routeEval, 200},
		{"GET", "/ofrep/v1/configuration", clientKey, nil, routeConfig, 200},
		{"GET", "/nope", serverKey, nil, routeOther, 404},
	}
	want := map[[2]string]float64{}
	perRoute := map[string]uint64{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for n := range 30 {
				c := calls[(g+n)%len(calls)]
				if code, out, _ := s.do(t, c.method, c.path, c.key, c.body); code != c.code {
					t.Errorf("%s %s: %d %s, want %d", c.method, c.path, code, out, c.code)
				}
				mu.Lock()
				want[[2]string{c.route, strconv.Itoa(c.code/100) + "xx"}]++
				perRoute[c.route]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sawReqs, sawLat bool
	for _, mf := range mfs {
		switch mf.GetName() {
		case "flaggen_http_requests_total":
			sawReqs = true
			if len(mf.GetMetric()) != len(routes)*6 {
				t.Errorf("%d request series, want %d (every route and class)", len(mf.GetMetric()), len(routes)*6)
			}
			for _, m := range mf.GetMetric() {
				k := [2]string{labelOf(m, "route"), labelOf(m, "code")}
				if v := m.GetCounter().GetValue(); v != want[k] {
					t.Errorf("requests %v: %v, want %v", k, v, want[k])
				}
			}
		case "flaggen_http_request_duration_seconds":
			sawLat = true
			if len(mf.GetMetric()) != len(routes) || mf.GetType().String() != "HISTOGRAM" {
				t.Errorf("%d latency series of type %v, want %d histograms", len(mf.GetMetric()), mf.GetType(), len(routes))
			}
			for _, m := range mf.GetMetric() {
				route, h := labelOf(m, "route"), m.GetHistogram()
				if h.GetSampleCount() != perRoute[route] || (h.GetSampleCount() > 0) != (h.GetSampleSum() > 0) {
					t.Errorf("latency %s: count %d sum %v, want count %d", route, h.GetSampleCount(), h.GetSampleSum(), perRoute[route])
				}
				if len(h.GetBucket()) != len(latencyBuckets) {
					t.Errorf("latency %s: %d buckets, want %d", route, len(h.GetBucket()), len(latencyBuckets))
				}
				var last uint64
				for i, b := range h.GetBucket() {
					if b.GetUpperBound() != latencyBuckets[i] || b.GetCumulativeCount() < last || b.GetCumulativeCount() > h.GetSampleCount() {
						t.Errorf("latency %s: bucket %d: %v", route, i, b)
					}
					last = b.GetCumulativeCount()
				}
			}
		}
	}
	if !sawReqs || !sawLat {
		t.Errorf("requests exposed %v, latency exposed %v", sawReqs, sawLat)
	}
}

// labelOf returns the value of m's label name.
func labelOf(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}
