package redisstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/flaggen/flaggen/internal/redistest"
	"github.com/flaggen/flaggen/runtime"
)

// BenchmarkPropagation measures, for each write, the time from the writer's
// acknowledgement until every one of N instances (each a store over its own
// client and connections) has applied it: got the Watch notification and
// loaded the new version, as the runtime does. It makes at least 200 writes,
// one at a time, and reports p50 and p99 in milliseconds.
func BenchmarkPropagation(b *testing.B) {
	for _, n := range []int{1, 10, 50} {
		b.Run(fmt.Sprint("instances=", n), func(b *testing.B) { benchPropagation(b, n) })
	}
}

type applied struct {
	i int
	v uint64
	t time.Time
}

func benchPropagation(b *testing.B, n int) {
	srv := redistest.Start(b)
	ctx := context.Background()
	writer := newStoreOn(b, redis.NewClient(&redis.Options{Addr: srv.Addr()}))
	if err := writer.Register(ctx, map[string]json.RawMessage{"f": raw(`{}`)}); err != nil {
		b.Fatal(err)
	}
	events := make(chan applied, 64*n)
	for i := 0; i < n; i++ {
		c := redis.NewClient(&redis.Options{Addr: srv.Addr()})
		b.Cleanup(func() { c.Close() })
		s := newStoreOn(b, c)
		wctx, cancel := context.WithCancel(ctx)
		b.Cleanup(cancel)
		w, err := s.Watch(wctx)
		if err != nil {
			b.Fatal(err)
		}
		go func(i int) {
			var last uint64
			for range w {
				st, err := s.Load(ctx)
				if err != nil || st.Version == last {
					continue
				}
				last = st.Version
				select {
				case events <- applied{i, st.Version, time.Now()}:
				case <-wctx.Done():
					return
				}
			}
		}(i)
	}
	// Wait until every instance has the registration.
	at := make([]uint64, n)
	waitAll := func(v uint64, ack time.Time) time.Duration {
		var worst time.Duration
		for {
			done := true
			for _, x := range at {
				if x < v {
					done = false
					break
				}
			}
			if done {
				return worst
			}
			select {
			case e := <-events:
				if e.v > at[e.i] {
					at[e.i] = e.v
					if e.v >= v && e.t.Sub(ack) > worst {
						worst = e.t.Sub(ack)
					}
				}
			case <-time.After(5 * time.Second):
				b.Fatalf("instances did not reach version %d within 5s: %v", v, at)
			}
		}
	}
	st, _ := writer.Load(ctx)
	waitAll(st.Version, time.Now())

	writes := max(b.N, 200)
	lat := make([]time.Duration, 0, writes)
	b.ResetTimer()
	for i := 0; i < writes; i++ {
		v, err := writer.Apply(ctx, runtime.Change{Actor: "bench", Flags: map[string]json.RawMessage{
			"f": raw(fmt.Sprintf(`{"percentage_rollout":%d}`, i%100))}})
		if err != nil {
			b.Fatal(err)
		}
		lat = append(lat, waitAll(v, time.Now()))
	}
	b.StopTimer()
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
	b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
	b.ReportMetric(float64(writes), "writes")
}

// BenchmarkWarmLoad measures the start-up load (one MULTI/EXEC of GET
// version and HGETALL patches, plus the copy handed to the runtime) of
// 10,000 flags. Goal: at most 100ms.
func BenchmarkWarmLoad(b *testing.B) {
	srv := redistest.Start(b)
	ctx := context.Background()
	s := newStoreOn(b, redis.NewClient(&redis.Options{Addr: srv.Addr()}))
	const flags = 10000
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
