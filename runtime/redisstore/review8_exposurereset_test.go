package redisstore_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/flaggen/flaggen/internal/redistest"
	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/flagimpl"
	"github.com/flaggen/flaggen/runtime/redisstore"
	"github.com/flaggen/flaggen/runtime/store"
)

// TestReview8ResetRepairsResetPast9999: a reset time past the year 9999
// in exposure:reset is a value flaggen does not write there, which
// ResetExposure's doc says a reset replaces. The script keeps it (it
// holds at most 16 digits and is later than the reset's time), so the
// flag's counting stays refused (MALFORMED) after the reset, the
// operator's obvious remedy.
func TestReview8ResetRepairsResetPast9999(t *testing.T) {
	srv := redistest.Start(t)
	rc := newClient(t, srv.Addr())
	s := newStoreOn(t, rc, redisstore.WithNamespace("exp"))
	ctx := t.Context()
	if err := rc.HSet(ctx, s.Key("exposure:reset"), "10:production1:f", "9999999999999999").Err(); err != nil {
		t.Fatal(err)
	}
	now := time.Now().Truncate(time.Millisecond).UTC()
	if err := s.ResetExposure(ctx, "f", "production", now); err != nil {
		t.Fatal(err)
	}
	if v, _ := rc.HGet(ctx, s.Key("exposure:reset"), "10:production1:f").Result(); v == "9999999999999999" {
		t.Errorf("the reset kept the reset time %s, which flaggen does not write", v)
	}
	err := s.AddExposure(ctx, []store.ExposureDelta{{Flag: "f", Env: "production", Variant: "on", Count: 1, Last: now.Add(time.Second)}})
	if err != nil {
		t.Errorf("AddExposure after the reset: %v", err)
	}
	es, err := s.Exposure(ctx, "f")
	if err != nil || len(es) != 1 || es[0].Variants["on"] != 1 || !es[0].Since.Equal(now) {
		t.Errorf("Exposure after the reset = %+v, %v; want 1 on since %v", es, err, now)
	}
}

// TestReview8ClockBehindDropsCountsAfterReset: the reset's time and a
// delta's Last come from two machines. A counting instance whose clock is
// 2 s behind, and a resetting one a day ahead, both stamp by the store's
// clock (Store.Now, the Redis server's), so the counts made after the
// reset are kept and those made before it dropped.
func TestReview8ClockBehindDropsCountsAfterReset(t *testing.T) {
	srv := redistest.Start(t)
	op := newStore(t, srv.Addr(), redisstore.WithNamespace("exp")) // the operator's machine
	op.SetLocalClock(func() time.Time { return time.Now().Add(24 * time.Hour) })
	app := newStore(t, srv.Addr(), redisstore.WithNamespace("exp")) // the counting instance
	app.SetLocalClock(func() time.Time { return time.Now().Add(-2 * time.Second) })
	ctx := t.Context()
	// Each Now is the server's time to within half a round trip: the
	// counts and the reset are 100 ms apart, well beyond it.
	const apart = 100 * time.Millisecond
	before := app.Now()
	for !app.Now().After(before.Add(apart)) {
	}
	at := op.Now()
	if d := time.Since(at).Abs(); d > time.Second {
		t.Fatalf("the operator's Store.Now is %v off the server's clock, its own a day ahead", d)
	}
	if err := op.ResetExposure(ctx, "f", "production", at); err != nil {
		t.Fatal(err)
	}
	for !app.Now().After(at.Add(apart)) {
	}
	err := app.AddExposure(ctx, []store.ExposureDelta{
		{Flag: "f", Env: "production", Variant: "on", Count: 3, Last: before},     // taken before the reset
		{Flag: "f", Env: "production", Variant: "on", Count: 5, Last: app.Now()}}) // after it
	if err != nil {
		t.Fatal(err)
	}
	if es, err := app.Exposure(ctx, "f"); err != nil || len(es) != 1 || es[0].Variants["on"] != 5 {
		t.Errorf("Exposure = %+v, %v; want the 5 evaluations made after the reset", es, err)
	}
}

// TestReview8ConcurrentFlushesAndResets: several Clients flush
// concurrently while flag x is reset over and over (every environment);
// flag y, never reset, must be counted exactly once per evaluation, its
// deltas sharing batches that the resets of x refuse. Once the resets
// stop, a last reset of x and evaluations after it: x counts exactly
// those.
func TestReview8ConcurrentFlushesAndResets(t *testing.T) {
	srv := redistest.Start(t)
	sp := flagimpl.MustLoadSpec("flags.json", []byte(`{"flags": {"x": {"active": true}, "y": {"active": true}}}`))
	const clients, rounds, perRound = 4, 30, 10
	var cs []*runtime.Client
	var stores []*redisstore.Store
	for i := range clients {
		env := "production"
		if i%2 == 1 {
			env = "staging"
		}
		st := newStore(t, srv.Addr())
		stores = append(stores, st)
		c, err := runtime.NewClient(sp, runtime.WithStore(st), runtime.WithLogger(discard),
			runtime.WithFlushInterval(time.Hour), runtime.WithExposure(), runtime.WithEnvironment(env))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		cs = append(cs, c)
	}
	admin := newStore(t, srv.Addr())
	ctx := context.Background()
	stop := make(chan struct{})
	resetsDone := make(chan int)
	go func() {
		n := 0
		defer func() { resetsDone <- n }()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := admin.ResetExposure(ctx, "x", "", time.Now()); err != nil {
				t.Error(err)
				return
			}
			n++
		}
	}()
	var wg sync.WaitGroup
	for _, c := range cs {
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range rounds {
					for range perRound {
						c.Evaluate(ctx, "x", nil)
						c.Evaluate(ctx, "y", nil)
					}
					c.Flush(ctx) // an error keeps the counts for the next flush
				}
			}()
		}
	}
	wg.Wait()
	close(stop)
	t.Logf("%d resets during the flushes", <-resetsDone)
	for _, c := range cs {
		if err := c.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	es, err := admin.Exposure(ctx, "y")
	if err != nil {
		t.Fatal(err)
	}
	var y int64
	for _, e := range es {
		y += e.Variants["on"]
	}
	if want := int64(clients * 2 * rounds * perRound); y != want {
		t.Errorf("y counted %d times, want %d", y, want)
	}

	// By the store's clock, as ops resets; then every app's store clock
	// past it.
	at := admin.Now().Truncate(time.Millisecond)
	if err := admin.ResetExposure(ctx, "x", "", at); err != nil {
		t.Fatal(err)
	}
	for _, st := range stores {
		for !st.Now().After(at.Add(time.Millisecond)) {
		}
	}
	for _, c := range cs {
		c.Evaluate(ctx, "x", nil)
		if err := c.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	es, err = admin.Exposure(ctx, "x")
	if err != nil {
		t.Fatal(err)
	}
	var x int64
	for _, e := range es {
		x += e.Variants["on"]
		if !e.Since.Equal(at) {
			t.Errorf("x in %s: since %v, want %v", e.Env, e.Since, at)
		}
	}
	if x != clients {
		t.Errorf("x counted %d times since the last reset, want %d", x, clients)
	}
}

// review8ResetHook resets flag names[i] (at at) before the i-th script
// call of the client it is added to, while on.
type review8ResetHook struct {
	on    atomic.Bool
	calls atomic.Int32
	reset func(i int)
}

func (h *review8ResetHook) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *review8ResetHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
func (h *review8ResetHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if name := cmd.Name(); h.on.Load() && (name == "evalsha" || name == "eval") {
			h.reset(int(h.calls.Add(1)) - 1)
		}
		return next(ctx, cmd)
	}
}

// TestReview8ResetRetriesGiveUp: more resets in a batch's way than
// AddExposure retries for fail it with an error, adding nothing; the same
// batch added again then drops the deltas of every flag reset after
// their Last and adds the others once.
func TestReview8ResetRetriesGiveUp(t *testing.T) {
	srv := redistest.Start(t)
	rc := newClient(t, srv.Addr())
	h := &review8ResetHook{}
	rc.AddHook(h)
	s := newStoreOn(t, rc, redisstore.WithNamespace("exp"))
	admin := newStore(t, srv.Addr(), redisstore.WithNamespace("exp"))
	ctx := t.Context()
	t0 := time.Now().Truncate(time.Millisecond).UTC()
	flags := []string{"a", "b", "c", "f", "x", "y", "z"}
	var batch []store.ExposureDelta
	for _, f := range flags {
		batch = append(batch, store.ExposureDelta{Flag: f, Env: "production", Variant: "on", Count: 3, Last: t0})
	}
	h.reset = func(i int) {
		if i < len(flags) {
			if err := admin.ResetExposure(ctx, flags[i], "production", t0.Add(time.Millisecond)); err != nil {
				t.Error(err)
			}
		}
	}
	if err := s.AddExposure(ctx, batch); err != nil { // loads the script
		t.Fatal(err)
	}
	for _, f := range flags { // counts start afresh, before the batch's Last
		if err := admin.ResetExposure(ctx, f, "", t0.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	h.on.Store(true)
	err := s.AddExposure(ctx, batch)
	h.on.Store(false)
	if err == nil || !strings.Contains(err.Error(), "nothing was added") {
		t.Fatalf("AddExposure with a reset before each of its script runs: %v, want an error saying nothing was added", err)
	}
	if n := h.calls.Load(); n != 5 {
		t.Errorf("%d script runs, want 5", n)
	}
	for _, f := range flags {
		if es, err := s.Exposure(ctx, f); err != nil || len(es) != 1 || len(es[0].Variants) != 0 && es[0].Variants["on"] != 0 {
			t.Errorf("%s after the refused batch: %+v, %v; want nothing counted", f, es, err)
		}
	}
	if err := s.AddExposure(ctx, batch); err != nil {
		t.Fatal(err)
	}
	for i, f := range flags {
		want := int64(3)
		if i < 5 {
			want = 0 // reset after the batch's Last
		}
		if es, err := s.Exposure(ctx, f); err != nil || len(es) != 1 || es[0].Variants["on"] != want {
			t.Errorf("%s after the batch added again: %+v, %v; want %d on", f, es, err, want)
		}
	}
}

// TestReview8ClockAheadResetBlocksCounting: a reset stamped a day ahead
// (by a machine whose clock is, not by the store's) would drop the flag's
// counts for a day, and no later reset could move it back: the store
// refuses it, and a reset on time then counts what follows.
func TestReview8ClockAheadResetBlocksCounting(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, srv.Addr(), redisstore.WithNamespace("exp"))
	ctx := t.Context()
	now := time.Now().Truncate(time.Millisecond).UTC()
	err := s.ResetExposure(ctx, "f", "production", now.Add(24*time.Hour)) // the skewed machine
	if err == nil || !strings.Contains(err.Error(), "more than a minute ahead of the Redis server's clock") {
		t.Fatalf("a reset a day ahead: err %v, want it refused", err)
	}
	if es, err := s.Exposure(ctx, "f"); err != nil || len(es) != 0 {
		t.Fatalf("the refused reset left %+v, %v", es, err)
	}
	if err := s.ResetExposure(ctx, "f", "production", now); err != nil { // the operator tries again, from a machine on time
		t.Fatal(err)
	}
	err = s.AddExposure(ctx, []store.ExposureDelta{{Flag: "f", Env: "production", Variant: "on", Count: 5, Last: now.Add(time.Second)}})
	if err != nil {
		t.Fatal(err)
	}
	if es, err := s.Exposure(ctx, "f"); err != nil || len(es) != 1 || es[0].Variants["on"] != 5 {
		t.Errorf("Exposure = %+v, %v; want the 5 evaluations made after the second reset", es, err)
	}
}
