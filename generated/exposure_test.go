package generated_test

import (
	"context"
	"log/slog"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/flaggen/flaggen/generated/demo"
	"github.com/flaggen/flaggen/internal/redistest"
	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/redisstore"
	"github.com/flaggen/flaggen/runtime/storetest"
)

// tally is a Hook that counts evaluations by environment, flag and
// variant: the evaluations made, counted apart from exposure counting.
type tally struct {
	env string
	mu  sync.Mutex
	n   map[string]int64
}

func (h *tally) After(_ context.Context, e runtime.Evaluation) {
	h.mu.Lock()
	h.n[h.env+"/"+e.Flag+"/"+e.Variant]++
	h.mu.Unlock()
}

// redisStore returns a Redis store of namespace "exp" over its own client.
func redisStore(t *testing.T, addr string) *redisstore.Store {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second, MaxRetries: 1})
	s, err := redisstore.New(rdb, redisstore.WithNamespace("exp"), redisstore.WithLogger(slog.New(slog.DiscardHandler)), redisstore.WithRetryInterval(20*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(); rdb.Close() })
	return s
}

// TestExposureAcrossInstances: 4 Clients (two environments) over one Redis
// evaluate concurrently, flushing as they go, and close; the shared totals
// are exactly the evaluations made, by environment, flag and variant.
func TestExposureAcrossInstances(t *testing.T) {
	srv := redistest.Start(t)
	const instances, workers, each = 4, 3, 2000
	tallies := make([]*tally, instances)
	clients := make([]*demo.Flags, instances)
	for k := range instances {
		env := []string{"production", "staging"}[k%2]
		tallies[k] = &tally{env: env, n: map[string]int64{}}
		clients[k] = demo.MustNew(runtime.WithStore(redisStore(t, srv.Addr())), runtime.WithEnvironment(env),
			runtime.WithExposure(), runtime.WithHook(tallies[k]), runtime.WithFlushInterval(5*time.Millisecond))
	}
	var wg sync.WaitGroup
	for k, f := range clients {
		for w := range workers {
			wg.Go(func() {
				ctx := context.Background()
				c := &demo.Context{Region: "US", AccountType: "premium", BetaProgram: true}
				for i := range each {
					c.UserID = int64(k*1_000_000 + w*10_000 + i)
					f.NewUI(ctx, c)
					f.CheckoutButton(ctx, c)
					f.MaintenanceMode(ctx, c)
					if i%3 == 0 {
						f.SearchEngine(ctx, c)
					}
				}
			})
		}
	}
	wg.Wait()
	want := map[string]int64{}
	for k, f := range clients {
		if err := f.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		for key, n := range tallies[k].n {
			want[key] += n
		}
	}
	got := storetest.ExposureTotals(t, redisStore(t, srv.Addr()))
	if !maps.Equal(got, want) {
		t.Errorf("Redis totals:\n%v\nwant the evaluations made:\n%v", got, want)
	}
	var sum int64
	for _, n := range got {
		sum += n
	}
	if wantSum := int64(instances * workers * (3*each + (each+2)/3)); sum != wantSum {
		t.Errorf("%d evaluations counted, want %d", sum, wantSum)
	}
	if want["production/new_ui/on"] == 0 || want["staging/checkout_button/green"] == 0 || want["production/maintenance_mode/off"] == 0 {
		t.Errorf("the test evaluated too little: %v", want)
	}
}

// TestExposureKeptWhileRedisDown: counts a flush fails to write (Redis
// stopped) are kept and written once Redis is back, once.
func TestExposureKeptWhileRedisDown(t *testing.T) {
	srv := redistest.Start(t)
	st := redisStore(t, srv.Addr())
	tl := &tally{env: "production", n: map[string]int64{}}
	f := demo.MustNew(runtime.WithStore(st), runtime.WithExposure(), runtime.WithHook(tl),
		runtime.WithFlushInterval(time.Hour), runtime.WithLogger(slog.New(slog.DiscardHandler)))
	defer f.Close()
	ctx := context.Background()
	evaluate := func(n int) {
		c := &demo.Context{Region: "US", AccountType: "premium"}
		for i := range n {
			c.UserID = int64(i)
			f.NewUI(ctx, c)
		}
	}
	flush := func() error {
		fctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		return f.Runtime().Flush(fctx)
	}
	evaluate(100)
	if err := flush(); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	evaluate(50)
	if err := flush(); err == nil {
		t.Fatal("Flush with Redis stopped: no error")
	}
	evaluate(25)
	srv.Restart()
	// Wait until a flush writes (the client reconnects).
	deadline := time.Now().Add(10 * time.Second)
	for err := flush(); err != nil; err = flush() {
		if time.Now().After(deadline) {
			t.Fatalf("Flush after Redis came back: %v", err)
		}
	}
	if err := flush(); err != nil { // nothing new: nothing added again
		t.Fatal(err)
	}
	got := storetest.ExposureTotals(t, st)
	if !maps.Equal(got, tl.n) {
		t.Errorf("Redis totals %v, want the evaluations made %v", got, tl.n)
	}
	if n := got["production/new_ui/on"] + got["production/new_ui/off"]; n != 175 {
		t.Errorf("%d evaluations of new_ui counted, want 175", n)
	}
}

// TestExposureDoesNotAllocate pins 0 allocs per evaluation with exposure
// counting on and no hook.
func TestExposureDoesNotAllocate(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	df := demo.MustNew(runtime.WithExposure())
	defer df.Close()
	ctx := context.Background()
	dc := &demo.Context{Region: "US", AccountType: "premium", BetaProgram: true}
	var i int
	for name, fn := range map[string]func(){
		"OnOff":   func() { sinkBool = df.MaintenanceMode(ctx, dc) },
		"NewUI":   func() { dc.UserID = benchIDs[i&1023]; sinkBool = df.NewUI(ctx, dc) },
		"Variant": func() { dc.UserID = benchIDs[i&1023]; sinkString = df.CheckoutButton(ctx, dc) },
	} {
		if a := testing.AllocsPerRun(200, func() { i++; fn() }); a != 0 {
			t.Errorf("%s: %v allocs per evaluation with exposure counting, want 0", name, a)
		}
	}
}
