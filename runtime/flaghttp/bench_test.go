package flaghttp

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	goruntime "runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flaggen/flaggen/internal/logbuf"
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

// sizedFloor is the floor answering with body and the headers of a bulk
// answer (ETag, Cache-Control): what the bulk response's size and headers
// cost over the floor's, without the work of finding them.
func sizedFloor(body []byte, etag string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		hd := w.Header()
		hd["Content-Type"] = jsonType
		hd["Cache-Control"] = cachePrivate
		hd["Etag"] = []string{etag}
		w.Write(body)
	})
}

// round is what one run of the load generator measured.
type round struct {
	n       int
	el      time.Duration
	lat     []time.Duration
	mallocs uint64
	cpu     time.Duration // CPU time of the whole process, generator included
}

// load sends n requests to url from conc goroutines sharing conc
// keep-alive connections over loopback; want is the status every answer
// must have.
func load(b *testing.B, client *http.Client, url string, conc, n int, hdr http.Header, want int) round {
	var next atomic.Int64
	lat := make([][]time.Duration, conc)
	var wg sync.WaitGroup
	var ms0, ms1 goruntime.MemStats
	goruntime.ReadMemStats(&ms0)
	cpu0 := cpuTime()
	start := time.Now()
	for g := range conc {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				t0 := time.Now()
				send(b, client, url, hdr, want)
				lat[g] = append(lat[g], time.Since(t0))
			}
		})
	}
	wg.Wait()
	el := time.Since(start)
	cpu := cpuTime() - cpu0
	goruntime.ReadMemStats(&ms1)
	return round{n: n, el: el, lat: slices.Concat(lat...), mallocs: ms1.Mallocs - ms0.Mallocs, cpu: cpu}
}

// report adds up rounds and reports req/s, p50, p99, and the allocations
// and CPU time per request (the generator's included) under name.
func report(b *testing.B, name string, rs []round) {
	var n int
	var el, cpu time.Duration
	var mallocs uint64
	var lat []time.Duration
	for _, r := range rs {
		n += r.n
		el += r.el
		cpu += r.cpu
		mallocs += r.mallocs
		lat = append(lat, r.lat...)
	}
	slices.Sort(lat)
	b.ReportMetric(float64(n)/el.Seconds(), name+"-req/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(n), name+"-cpu-µs/req")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), name+"-p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), name+"-p99-µs")
	b.ReportMetric(float64(mallocs)/float64(n), name+"-allocs/req")
}

// ratios reports how rounds xs compare with rounds of (the rounds run next
// to each other), as the median over the rounds of 100 × the ratio of
// their throughputs (name) and of the inverse ratio of their CPU times
// per request (name-by-cpu: the throughput on a machine of their own), and
// the interquartile range of each (name-iqr, name-by-cpu-iqr: how far
// apart the middle half of the rounds are, in percentage points) when
// iqr is set.
func ratios(b *testing.B, name string, xs, of []round, iqr bool) {
	var tput, cpu []float64
	for i := range xs {
		x, o := xs[i], of[i]
		tput = append(tput, 100*(float64(x.n)/x.el.Seconds())/(float64(o.n)/o.el.Seconds()))
		if x.cpu > 0 && o.cpu > 0 {
			cpu = append(cpu, 100*(float64(o.cpu)/float64(o.n))/(float64(x.cpu)/float64(x.n)))
		}
	}
	for _, m := range []struct {
		unit string
		v    []float64
	}{{name, tput}, {name + "-by-cpu", cpu}} {
		if len(m.v) == 0 {
			continue
		}
		slices.Sort(m.v)
		b.ReportMetric(quantile(m.v, 0.5), m.unit)
		if iqr {
			b.ReportMetric(quantile(m.v, 0.75)-quantile(m.v, 0.25), m.unit+"-iqr")
		}
	}
}

// quantile returns the q-quantile of sorted v, interpolating linearly.
func quantile(v []float64, q float64) float64 {
	f := q * float64(len(v)-1)
	i := int(f)
	if i+1 >= len(v) {
		return v[len(v)-1]
	}
	return v[i] + (f-float64(i))*(v[i+1]-v[i])
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

// likeServe configures srv as flaggen serve configures its http.Server
// (internal/cli/serve.go): its timeouts and header limit. (Its access log
// is serveLogger's.)
func likeServe(srv *http.Server) {
	srv.ReadHeaderTimeout = 5 * time.Second
	srv.ReadTimeout = DefaultReadTimeout
	srv.IdleTimeout = 2 * time.Minute
	srv.MaxHeaderBytes = 64 << 10
}

// serveLogger returns an access logger like flaggen serve's
// (internal/cli/serve.go): text lines batched by logbuf, written to
// /dev/null instead of standard error.
func serveLogger(b *testing.B) *slog.Logger {
	f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	lb := logbuf.New(f, 50*time.Millisecond, 32<<10)
	b.Cleanup(func() { lb.Close(); f.Close() })
	return slog.New(logbuf.FlushOn(slog.NewTextHandler(lb, nil), lb, slog.LevelWarn))
}

// newServer serves h on loopback from a server configured by likeServe.
func newServer(h http.Handler) *httptest.Server {
	srv := httptest.NewUnstartedServer(h)
	likeServe(srv.Config)
	srv.Start()
	return srv
}

// BenchmarkHTTP compares, under one in-process load generator over
// loopback at concurrency 8 and 32: the HTTP floor (floor above), the
// sized floor (sizedFloor: the floor with the bulk answer's body and
// headers), bulk evaluation of the demo spec, and the bulk 304 path
// (If-None-Match matches: no evaluation), each by the handler as an app
// mounts it (Config.Logger nil: no access log; bulk, 304) and as flaggen
// serve runs it, with an access log line per request (serveLogger;
// bulk-log, 304-log). The floors log nothing.
//
// Each iteration is a round: perRound requests of each case in turn, in
// the reverse order every other round, so that the cases share the
// machine's ups and downs. Every case is served by a server configured as
// flaggen serve's (likeServe), so that they pay the same timers.
// X-%floor is the median over the rounds of 100
// × X's throughput over the floor's in the same round; X-%floor-by-cpu the
// median of the inverse ratio of their CPU time per request (server and
// generator: the whole process), the throughput each would have on a
// machine of its own, which other load on the machine disturbs less.
// bulk against sized splits the gap to the floor: sized-%floor is what the
// bigger answer costs, and bulk-%sized what the handler's own work costs.
// The -iqr metrics give the spread of the bulk ratios over the rounds.
// req/s, p50, p99 and allocs/req add the rounds of a case up; allocs/req
// counts the generator's allocations too: compare them across cases
// (BenchmarkHandler counts the handler's alone). Run it with
// `make bench-http`.
func BenchmarkHTTP(b *testing.B) {
	s := start(b, Config{}, false)
	s.restart(b, likeServe)
	logged := start(b, Config{Logger: serveLogger(b)}, false)
	logged.restart(b, likeServe)
	floorSrv := newServer(floor)
	defer floorSrv.Close()
	key := http.Header{"Authorization": {"Bearer " + serverKey}}
	code, body, hdr := s.do(b, "POST", "/ofrep/v1/evaluate/flags", serverKey, benchBody)
	if code != 200 {
		b.Fatal(code)
	}
	sizedSrv := newServer(sizedFloor(body, hdr.Get("ETag")))
	defer sizedSrv.Close()
	cond := http.Header{"Authorization": {"Bearer " + serverKey}, "If-None-Match": {hdr.Get("ETag")}}
	_, _, lhdr := logged.do(b, "POST", "/ofrep/v1/evaluate/flags", serverKey, benchBody) // its own ETag: its own stream tokens
	condLog := http.Header{"Authorization": {"Bearer " + serverKey}, "If-None-Match": {lhdr.Get("ETag")}}
	const perRound = 500
	for _, conc := range []int{8, 32} {
		b.Run(fmt.Sprintf("c=%d", conc), func(b *testing.B) {
			tr := &http.Transport{MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc, DisableCompression: true}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr}
			cases := []struct {
				name, url string
				hdr       http.Header
				want      int
				rounds    []round
			}{
				{name: "floor", url: floorSrv.URL, hdr: cond, want: 200}, // the same headers as 304
				{name: "sized", url: sizedSrv.URL, hdr: key, want: 200},
				{name: "bulk", url: s.srv.URL + "/ofrep/v1/evaluate/flags", hdr: key, want: 200},
				{name: "304", url: s.srv.URL + "/ofrep/v1/evaluate/flags", hdr: cond, want: 304},
				{name: "bulk-log", url: logged.srv.URL + "/ofrep/v1/evaluate/flags", hdr: key, want: 200},
				{name: "304-log", url: logged.srv.URL + "/ofrep/v1/evaluate/flags", hdr: condLog, want: 304},
			}
			for i := range cases { // warm the connections up
				load(b, client, cases[i].url, conc, conc*4, cases[i].hdr, cases[i].want)
			}
			b.ResetTimer()
			for n := range b.N {
				for i := range cases {
					if n%2 == 1 {
						i = len(cases) - 1 - i
					}
					c := &cases[i]
					c.rounds = append(c.rounds, load(b, client, c.url, conc, perRound, c.hdr, c.want))
				}
			}
			b.StopTimer()
			for _, c := range cases {
				report(b, c.name, c.rounds)
			}
			floor, sized, bulk, notMod := cases[0].rounds, cases[1].rounds, cases[2].rounds, cases[3].rounds
			ratios(b, "sized-%floor", sized, floor, false)
			ratios(b, "bulk-%floor", bulk, floor, true)
			ratios(b, "304-%floor", notMod, floor, false)
			ratios(b, "bulk-%sized", bulk, sized, false)
			ratios(b, "bulk-log-%floor", cases[4].rounds, floor, true)
			ratios(b, "304-log-%floor", cases[5].rounds, floor, false)
		})
	}
}

// discardWriter is a ResponseWriter that keeps nothing, for
// BenchmarkHandler.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}

// SetReadDeadline does nothing: net/http's writer takes the handler's read
// deadline (see ServeHTTP), and without it ResponseController allocates an
// error.
func (w *discardWriter) SetReadDeadline(time.Time) error { return nil }

// BenchmarkHandler measures the handler alone (no network, no net/http
// server): its time and allocations per bulk request, 200 and 304, from
// one goroutine, and per bulk request from one goroutine per core side by
// side (bulk-parallel: what the cores writing shared memory cost each
// other). cpu-ns/op is the process's CPU time per request, which other
// load on the machine disturbs less than ns/op (wall time).
func BenchmarkHandler(b *testing.B) {
	s := start(b, Config{}, false)
	_, _, hdr := s.do(b, "POST", "/ofrep/v1/evaluate/flags", serverKey, benchBody)
	// serve returns a function serving one request, with its own request
	// and writer.
	serve := func(inm string) func() {
		req := httptest.NewRequest("POST", "http://"+s.srv.Listener.Addr().String()+"/ofrep/v1/evaluate/flags", nil)
		req.Header.Set("Authorization", "Bearer "+serverKey)
		if inm != "" {
			req.Header.Set("If-None-Match", inm)
		}
		req.ContentLength = int64(len(benchBody)) // as a real request's
		body := bytes.NewReader(benchBody)
		rc := io.NopCloser(body)
		w := &discardWriter{h: http.Header{}}
		return func() {
			body.Reset(benchBody)
			req.Body = rc
			clear(w.h)
			s.h.ServeHTTP(w, req)
		}
	}
	for _, c := range []struct {
		name     string
		inm      string
		parallel bool
	}{{"bulk", "", false}, {"304", hdr.Get("ETag"), false}, {"bulk-parallel", "", true}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu0 := cpuTime()
			if c.parallel {
				b.RunParallel(func(pb *testing.PB) {
					do := serve(c.inm)
					for pb.Next() {
						do()
					}
				})
			} else {
				do := serve(c.inm)
				for b.Loop() {
					do()
				}
			}
			if cpu := cpuTime() - cpu0; cpu > 0 {
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
			}
		})
	}
}
