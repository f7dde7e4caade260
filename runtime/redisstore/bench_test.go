package redisstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/flaggen/flaggen/internal/redistest"
	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/flagimpl"
	"github.com/flaggen/flaggen/runtime/redisstore"
	"github.com/flaggen/flaggen/runtime/store"
)

// BenchmarkPropagation measures, for each write, the time from the
// writer's acknowledgement (its Store.Apply returned) until every one of N
// runtime.Clients (each over its own store, Redis client and connections)
// evaluates the new value, as seen from its OnChange listener. It makes at
// least 200 writes, one at a time, each flipping one flag on or off, and
// reports p50 and p99 in milliseconds, for the seed's spec and for a spec
// of 200 flags. Goal (issue 4): p99 ≤ 10 ms for 50 instances on loopback.
func BenchmarkPropagation(b *testing.B) {
	seed, err := os.ReadFile("../../testdata/seed/flags.json")
	if err != nil {
		b.Fatal(err)
	}
	specs := []struct {
		name string
		src  []byte
		flag string // the flag the writes flip
	}{
		{"seed", seed, "new_ui"},
		{"flags=200", manyFlags(200), "flag_00000"},
	}
	for _, sp := range specs {
		for _, n := range []int{1, 10, 50} {
			b.Run(fmt.Sprintf("spec=%s/instances=%d", sp.name, n), func(b *testing.B) {
				benchPropagation(b, flagimpl.MustLoadSpec("flags.json", sp.src), sp.flag, n)
			})
		}
	}
}

// manyFlags returns a spec of n bool flags named flag_00000…, most with the
// seed's kind of targeting; flag_00000 has none, so that its value for the
// empty context is its "active".
func manyFlags(n int) []byte {
	var sb strings.Builder
	sb.WriteString(`{"context": {"user_id": {"type": "int", "key": true}, "region": {"type": "string"}}, "flags": {`)
	for i := range n {
		if i > 0 {
			sb.WriteString(",")
		}
		if i == 0 {
			fmt.Fprintf(&sb, `"flag_%05d": {"active": true}`, i)
			continue
		}
		fmt.Fprintf(&sb, `"flag_%05d": {"active": true, "regions": ["US", "RO"], "percentage_rollout": %d, "users": [1, 2, 3], "error_threshold": 100}`, i, i%100)
	}
	sb.WriteString(`}}`)
	return []byte(sb.String())
}

type seen struct {
	i  int
	on bool
	t  time.Time
}

func benchPropagation(b *testing.B, sp *runtime.Spec, flag string, n int) {
	srv := redistest.Start(b)
	ctx := context.Background()
	writer := newStoreOn(b, redis.NewClient(&redis.Options{Addr: srv.Addr()}))
	writer.UseSpec(sp)
	// The flipped flag without targeting: its value for the empty context
	// is its "active".
	plain := func(on bool) json.RawMessage {
		return raw(fmt.Sprintf(`{"active":%t,"regions":null,"users":null,"account_types":null,"beta_program":null,`+
			`"percentage_rollout":null,"activation_date":null,"environments":null,"depends_on":null}`, on))
	}
	if _, err := writer.Apply(ctx, store.Change{Actor: "bench", Flags: map[string]json.RawMessage{flag: plain(false)}}); err != nil {
		b.Fatal(err)
	}
	events := make(chan seen, 64*n)
	for i := 0; i < n; i++ {
		rc := redis.NewClient(&redis.Options{Addr: srv.Addr()})
		b.Cleanup(func() { rc.Close() })
		c, err := runtime.NewClient(sp, runtime.WithStore(newStoreOn(b, rc)), runtime.WithLogger(discard))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { c.Close() })
		report := func() {
			events <- seen{i, c.Evaluate(ctx, flag, nil) == true, time.Now()}
		}
		stop := c.OnChange(func([]string) { report() })
		b.Cleanup(stop)
		report()
	}
	on := make([]bool, n)
	// waitAll waits until every instance evaluates want and returns the
	// latest time one of them saw it, less ack.
	waitAll := func(want bool, ack time.Time) time.Duration {
		var worst time.Duration
		for {
			done := true
			for _, x := range on {
				if x != want {
					done = false
					break
				}
			}
			if done {
				return worst
			}
			select {
			case e := <-events:
				if e.on != on[e.i] {
					on[e.i] = e.on
					if e.on == want && e.t.Sub(ack) > worst {
						worst = e.t.Sub(ack)
					}
				}
			case <-time.After(5 * time.Second):
				b.Fatalf("instances did not evaluate %s = %t within 5s: %v", flag, want, on)
			}
		}
	}
	waitAll(false, time.Now())

	writes := max(b.N, 200)
	lat := make([]time.Duration, 0, writes)
	b.ResetTimer()
	for i := 0; i < writes; i++ {
		want := i%2 == 0
		if _, err := writer.Apply(ctx, store.Change{Actor: "bench", Flags: map[string]json.RawMessage{flag: plain(want)}}); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, waitAll(want, time.Now()))
	}
	b.StopTimer()
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
	b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
	b.ReportMetric(float64(writes), "writes")
}

// BenchmarkWarmLoad measures a runtime.Client's start over Redis with
// 10,000 flags: a spec of 10,000 flags, each with a live patch in Redis,
// from redisstore.New and runtime.NewClient until the Client serves the
// live state (registration, spec record, the pipelined load, decoding and
// checking every patch, the first snapshot). Goal (issue 4): at most 100ms.
func BenchmarkWarmLoad(b *testing.B) {
	// "repeated": 200 distinct patch texts over the 10,000 flags (live
	// states repeat patches: "{}" after registration, kill switches …);
	// "distinct": every flag's patch text its own.
	for _, distinct := range []bool{false, true} {
		b.Run(map[bool]string{false: "patches=repeated", true: "patches=distinct"}[distinct], func(b *testing.B) {
			benchWarmLoad(b, distinct)
		})
	}
}

func benchWarmLoad(b *testing.B, distinct bool) {
	srv := redistest.Start(b)
	ctx := context.Background()
	const flags = 10000
	sp := flagimpl.MustLoadSpec("flags.json", manyFlags(flags))
	rc := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	b.Cleanup(func() { rc.Close() })
	seedStore := newStoreOn(b, rc)
	seedStore.UseSpec(sp)
	patches := make(map[string]json.RawMessage, flags)
	for i := 0; i < flags; i++ {
		p := fmt.Sprintf(`{"active":%t,"percentage_rollout":%d}`, i%7 != 0, (i+1)%100)
		if distinct {
			p = fmt.Sprintf(`{"active":%t,"percentage_rollout":%d,"users":[%d]}`, i%7 != 0, (i+1)%100, i)
		}
		patches[fmt.Sprintf("flag_%05d", i)] = raw(p)
	}
	if _, err := seedStore.Apply(ctx, store.Change{Actor: "bench", Flags: patches}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var worst time.Duration
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		st, err := redisstore.New(rc, redisstore.WithLogger(discard))
		if err != nil {
			b.Fatal(err)
		}
		// The start timeout is not what this measures: a long one keeps a
		// loaded machine (make bench beside other tests) from failing it.
		c, err := runtime.NewClient(sp, runtime.WithStore(st), runtime.WithLogger(discard), runtime.WithStartTimeout(time.Minute))
		if err != nil {
			b.Fatal(err)
		}
		if c.Health() != nil || c.Evaluate(ctx, "flag_00000", nil) != false || c.Evaluate(ctx, "flag_00001", nil) != true {
			b.Fatalf("client does not serve the live state: health %v", c.Health())
		}
		d := time.Since(t0)
		worst = max(worst, d)
		b.StopTimer()
		c.Close()
		st.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(time.Millisecond), "ms/start")
	b.ReportMetric(float64(worst)/float64(time.Millisecond), "max-ms")
}

// BenchmarkStoreLoad measures the store's part of a warm load alone: one
// MULTI/EXEC of GET version and HGETALL patches, plus the copy handed to
// the runtime, of 10,000 flags.
func BenchmarkStoreLoad(b *testing.B) {
	srv := redistest.Start(b)
	ctx := context.Background()
	s := newStoreOn(b, redis.NewClient(&redis.Options{Addr: srv.Addr()}))
	const flags = 10000
	s.UseSpec(flagimpl.MustLoadSpec("flags.json", manyFlags(flags)))
	reg := make(map[string]json.RawMessage, flags)
	for i := 0; i < flags; i++ {
		reg[fmt.Sprintf("flag_%05d", i)] = raw(fmt.Sprintf(`{"active":true,"percentage_rollout":%d,"regions":["US","RO"],"environments":["production"]}`, i%100))
	}
	if err := s.Register(ctx, reg); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var worst time.Duration
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		st, err := s.FullLoad(ctx)
		if err != nil || len(st.Flags) != flags {
			b.Fatalf("loaded %d flags, %v", len(st.Flags), err)
		}
		worst = max(worst, time.Since(t0))
	}
	b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(time.Millisecond), "ms/load")
	b.ReportMetric(float64(worst)/float64(time.Millisecond), "max-ms")
}
