package cli

import (
	"bufio"
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/flaggen/flaggen/internal/redistest"
)

// streamRig is a real Redis, an app that runs there over the demo spec,
// the built 'flaggen serve' over the same live state (started as the
// README shows it: keys from the environment, -spec), and an OFREP client
// following the server's change stream, as a browser's provider does.
type streamRig struct {
	bin    string
	env    []string       // the operator's environment for the CLI
	srv    *server        // 'flaggen serve'
	events chan time.Time // when each refetchEvaluation event arrived
}

const streamServerKey = "s3rver-key"

func newStreamRig(tb testing.TB) *streamRig {
	tb.Helper()
	bin := flaggenBinary(tb)
	rs := redistest.Start(tb)
	src, err := os.ReadFile(demoSpec)
	if err != nil {
		tb.Fatal(err)
	}
	// An app runs there: it registered the spec's flags and recorded the
	// spec, so the operators' writes reach an app.
	startApp(tb, redis.NewClient(&redis.Options{Addr: rs.Addr()}), "default", string(src))
	url := "redis://" + rs.Addr()
	r := &streamRig{bin: bin, env: []string{"FLAGGEN_REDIS_URL=" + url, "USER=tester"}, events: make(chan time.Time, 16)}
	r.srv = startServe(tb, []string{"FLAGGEN_REDIS_URL=" + url, "FLAGGEN_SERVER_KEYS=" + streamServerKey, "FLAGGEN_ADMIN_TOKENS=ops:s3cret"}, "-spec", demoSpec)

	// The stream's URL, where an OFREP provider finds it: in a bulk
	// evaluation's eventStreams.
	var bulk struct {
		EventStreams []struct{ Type, URL string } `json:"eventStreams"`
	}
	if code := r.ofrep(tb, "/ofrep/v1/evaluate/flags", `{"context": {"targetingKey": "123"}}`, &bulk); code != 200 || len(bulk.EventStreams) != 1 || bulk.EventStreams[0].Type != "sse" {
		tb.Fatalf("bulk evaluation: %d, eventStreams %+v", code, bulk.EventStreams)
	}
	resp, err := http.Get(bulk.EventStreams[0].URL)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { resp.Body.Close() }) // before the server is killed
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		tb.Fatalf("GET %s: %s %s", bulk.EventStreams[0].URL, resp.Status, resp.Header.Get("Content-Type"))
	}
	// The stream's opening comment is written once it is subscribed: a
	// change made after it reaches the stream.
	br := bufio.NewReader(resp.Body)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			tb.Fatalf("the change stream ended before its opening comment: %v", err)
		}
		if line == ": flaggen change stream\n" {
			break
		}
	}
	go func() {
		defer close(r.events)
		refetch := false
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			switch {
			case strings.HasPrefix(line, "data: ") && strings.Contains(line, `"type":"refetchEvaluation"`):
				refetch = true
			case line == "\n" && refetch: // the end of the event
				r.events <- time.Now()
				refetch = false
			}
		}
	}()
	return r
}

// ofrep POSTs body to the server's path with the server key and decodes
// the JSON answer into v; it returns the status.
func (r *streamRig) ofrep(tb testing.TB, path, body string, v any) int {
	tb.Helper()
	return r.srv.callAs(tb, streamServerKey, "POST", path, body, v)
}

// cli runs the built flaggen with args in the operator's environment; it
// must succeed.
func (r *streamRig) cli(tb testing.TB, args ...string) {
	tb.Helper()
	cmd := exec.Command(r.bin, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, r.env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if out, err := cmd.Output(); err != nil {
		tb.Fatalf("flaggen %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out, stderr.String())
	}
}

// next waits for the next refetchEvaluation event and returns when it
// arrived.
func (r *streamRig) next(tb testing.TB, after string) time.Time {
	tb.Helper()
	select {
	case at, ok := <-r.events:
		if !ok {
			tb.Fatalf("the change stream ended, waiting for the event after %s", after)
		}
		return at
	case <-r.srv.done:
		tb.Fatalf("flaggen serve ended, waiting for the event after %s", after)
	case <-time.After(30 * time.Second):
		tb.Fatalf("no refetchEvaluation event 30s after %s", after)
	}
	return time.Time{}
}

// drain drops events already received (none are expected between
// changes, but a stray one must not pass for the next change's).
func (r *streamRig) drain() {
	for {
		select {
		case <-r.events:
		default:
			return
		}
	}
}

// lastWrite is the time of the newest audit entry: when Redis applied the
// last write (from Redis' clock, on this machine), read through the
// server's admin API.
func (r *streamRig) lastWrite(tb testing.TB) (time.Time, string) {
	tb.Helper()
	var trail struct {
		Entries []struct {
			Time          time.Time
			Actor, Reason string
		}
	}
	if code := r.srv.call(tb, "GET", "/admin/v1/audit?limit=1", "", &trail); code != 200 || len(trail.Entries) != 1 {
		tb.Fatalf("audit: %d %+v", code, trail)
	}
	e := trail.Entries[0]
	return e.Time, e.Actor + ": " + e.Reason
}

// TestServeStreamSeesCLIChange: a kill switch flipped with the CLI
// ('flaggen disable', a process of its own) reaches a client streaming
// from 'flaggen serve' (the built binary, over the same Redis) as a
// refetchEvaluation event, and the evaluation the client then fetches
// shows it. The time it took is logged; BenchmarkServeStreamCLIChange
// measures it.
func TestServeStreamSeesCLIChange(t *testing.T) {
	r := newStreamRig(t)
	var before struct{ Reason string }
	if code := r.ofrep(t, "/ofrep/v1/evaluate/flags/new_ui", `{"context": {"targetingKey": "123"}}`, &before); code != 200 || before.Reason == "DISABLED" {
		t.Fatalf("new_ui before the change: %d %+v", code, before)
	}
	start := time.Now()
	r.cli(t, "disable", "new_ui", "-reason", "checkout errors after deploy")
	exited := time.Now()
	at := r.next(t, "flaggen disable")
	var after struct {
		Value  any
		Reason string
	}
	if code := r.ofrep(t, "/ofrep/v1/evaluate/flags/new_ui", `{"context": {"targetingKey": "123"}}`, &after); code != 200 || after.Value != false || after.Reason != "DISABLED" {
		t.Errorf("new_ui after the event: %d %+v, want false, DISABLED", code, after)
	}
	wrote, entry := r.lastWrite(t)
	if entry != "tester: checkout errors after deploy" {
		t.Errorf("last audit entry %q, want the CLI's (actor tester)", entry)
	}
	t.Logf("event %v after the CLI started, %v after it exited, %v after Redis applied the write",
		at.Sub(start), at.Sub(exited), at.Sub(wrote))
}

// BenchmarkServeStreamCLIChange measures how long a change made with the
// CLI takes to reach a client streaming from 'flaggen serve', flipping
// new_ui off and on with the built binary: per change, from the CLI's
// start (what an operator waits: the process, its Redis connection, the
// write) and from Redis applying the write (the audit entry's time) to
// the refetchEvaluation event's arrival. It reports the median and worst
// of each (ms); ns/op is a whole round, the CLI included.
func BenchmarkServeStreamCLIChange(b *testing.B) {
	r := newStreamRig(b)
	var fromStart, fromWrite []float64
	cmds := [][]string{{"disable", "new_ui", "-reason", "bench"}, {"enable", "new_ui", "-reason", "bench"}}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.drain()
		start := time.Now()
		r.cli(b, cmds[i%2]...)
		at := r.next(b, strings.Join(cmds[i%2], " "))
		b.StopTimer()
		wrote, _ := r.lastWrite(b)
		fromStart = append(fromStart, float64(at.Sub(start).Microseconds())/1000)
		fromWrite = append(fromWrite, float64(at.Sub(wrote).Microseconds())/1000)
		b.StartTimer()
	}
	b.StopTimer()
	slices.Sort(fromStart)
	slices.Sort(fromWrite)
	b.ReportMetric(fromStart[len(fromStart)/2], "cli-start-to-event-p50-ms")
	b.ReportMetric(fromStart[len(fromStart)-1], "cli-start-to-event-max-ms")
	b.ReportMetric(fromWrite[len(fromWrite)/2], "write-to-event-p50-ms")
	b.ReportMetric(fromWrite[len(fromWrite)-1], "write-to-event-max-ms")
}
