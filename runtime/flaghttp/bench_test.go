package flaghttp

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// benchBody is the bulk request of the benchmarks: a full demo context.
var benchBody = []byte(`{"context":{"targetingKey":"4242","region":"US","account_type":"premium","beta_program":true,"device":"ios","app_version":"2.4.0","cart_total":75.5}}`)

// floorBody is what the floor handler answers: a fixed two-flag OFREP
// bulk response.
var floorBody = []byte(`{"flags":[{"key":"new_ui","value":true,"reason":"TARGETING_MATCH","variant":"on"},{"key":"checkout_button","value":"green","reason":"SPLIT","variant":"green"}]}` + "\n")

// floor is the HTTP floor: a net/http handler that reads the body and
// writes a fixed response, the least any OFREP server does.
var floor = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	w.Header().Set("Content-Type", "application/json")
	w.Write(floorBody)
})

// load sends b.N requests to url from conc goroutines, each with a
// keep-alive connection of its own, over loopback, and reports req/s and
// the p50 and p99 latencies; want is the status every answer must have.
func load(b *testing.B, url string, conc int, hdr http.Header, want int) {
	tr := &http.Transport{MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	// Warm the connections up.
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() { send(b, client, url, hdr, want) })
	}
	wg.Wait()
	var next atomic.Int64
	lat := make([][]time.Duration, conc)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for g := range conc {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				t0 := time.Now()
				send(b, client, url, hdr, want)
				lat[g] = append(lat[g], time.Since(t0))
			}
		})
	}
	wg.Wait()
	el := time.Since(start)
	b.StopTimer()
	all := slices.Concat(lat...)
	slices.Sort(all)
	b.ReportMetric(float64(b.N)/el.Seconds(), "req/s")
	b.ReportMetric(float64(all[len(all)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds()), "p99-µs")
}

func send(b *testing.B, c *http.Client, url string, hdr http.Header, want int) {
	req, _ := http.NewRequest("POST", url, bytes.NewReader(benchBody))
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		b.Error(err)
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		b.Errorf("status %d, want %d", resp.StatusCode, want)
	}
}

// BenchmarkHTTP compares, under one load generator at concurrency 8 and
// 32: the HTTP floor, bulk evaluation of the demo spec, and the bulk 304
// path (If-None-Match matches: no evaluation). Run it with
// `make bench-http`; allocs/op counts the generator's allocations too, so
// compare them across cases (BenchmarkHandler counts the handler's alone).
func BenchmarkHTTP(b *testing.B) {
	s := start(b, Config{}, false)
	floorSrv := httptest.NewServer(floor)
	defer floorSrv.Close()
	key := http.Header{"Authorization": {"Bearer " + serverKey}}
	code, _, hdr := s.do(b, "POST", "/ofrep/v1/evaluate/flags", serverKey, benchBody)
	if code != 200 {
		b.Fatal(code)
	}
	cond := http.Header{"Authorization": {"Bearer " + serverKey}, "If-None-Match": {hdr.Get("ETag")}}
	for _, conc := range []int{8, 32} {
		b.Run(fmt.Sprintf("floor/c=%d", conc), func(b *testing.B) { load(b, floorSrv.URL, conc, nil, 200) })
		b.Run(fmt.Sprintf("bulk/c=%d", conc), func(b *testing.B) { load(b, s.srv.URL+"/ofrep/v1/evaluate/flags", conc, key, 200) })
		b.Run(fmt.Sprintf("304/c=%d", conc), func(b *testing.B) { load(b, s.srv.URL+"/ofrep/v1/evaluate/flags", conc, cond, 304) })
	}
}

// discardWriter is a ResponseWriter that keeps nothing, for
// BenchmarkHandler.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}

// BenchmarkHandler measures the handler alone (no network, no net/http
// server): its time and allocations per bulk request, 200 and 304.
func BenchmarkHandler(b *testing.B) {
	s := start(b, Config{}, false)
	_, _, hdr := s.do(b, "POST", "/ofrep/v1/evaluate/flags", serverKey, benchBody)
	for _, c := range []struct {
		name string
		inm  string
		want int
	}{{"bulk", "", 200}, {"304", hdr.Get("ETag"), 304}} {
		b.Run(c.name, func(b *testing.B) {
			req := httptest.NewRequest("POST", "http://"+s.srv.Listener.Addr().String()+"/ofrep/v1/evaluate/flags", nil)
			req.Header.Set("Authorization", "Bearer "+serverKey)
			if c.inm != "" {
				req.Header.Set("If-None-Match", c.inm)
			}
			body := bytes.NewReader(benchBody)
			rc := io.NopCloser(body)
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				body.Reset(benchBody)
				req.Body = rc
				clear(w.h)
				s.h.ServeHTTP(w, req)
			}
		})
	}
}

// TestDecideAllocs checks that evaluation itself stays free of allocation.
func TestDecideAllocs(t *testing.T) {
	s := start(t, Config{}, false)
	vals, err := s.c.Spec().ParseContext([]byte(`{"user_id":4242,"region":"US","account_type":"premium","beta_program":true,"device":"ios","app_version":"2.4.0","cart_total":75.5}`))
	if err != nil {
		t.Fatal(err)
	}
	n := len(s.c.Spec().FlagNames())
	if a := testing.AllocsPerRun(100, func() {
		for i := range n {
			s.c.Decide(i, vals)
		}
	}); a != 0 {
		t.Errorf("Decide allocates %v times per run", a)
	}
}
