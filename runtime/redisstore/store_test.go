package redisstore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/flaggen/flaggen/internal/redistest"
	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/flagimpl"
	"github.com/flaggen/flaggen/runtime/redisstore"
	"github.com/flaggen/flaggen/runtime/store"
)

// fastOptions are client options for quick failure and recovery on loopback.
func fastOptions(addrs ...string) *redis.UniversalOptions {
	return &redis.UniversalOptions{
		Addrs:         addrs,
		DialTimeout:   time.Second,
		ReadTimeout:   2 * time.Second,
		WriteTimeout:  2 * time.Second,
		MaxRetries:    1,
		DialerRetries: 1,
	}
}

func newClient(tb testing.TB, addrs ...string) redis.UniversalClient {
	tb.Helper()
	c := redis.NewUniversalClient(fastOptions(addrs...))
	tb.Cleanup(func() { c.Close() })
	return c
}

// newStore returns a store over its own client and connections.
func newStore(tb testing.TB, addr string, opts ...redisstore.Option) *redisstore.Store {
	tb.Helper()
	return newStoreOn(tb, newClient(tb, addr), opts...)
}

func newStoreOn(tb testing.TB, c redis.UniversalClient, opts ...redisstore.Option) *redisstore.Store {
	tb.Helper()
	opts = append([]redisstore.Option{redisstore.WithLogger(discard)}, opts...)
	s, err := redisstore.New(c, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	s.UseSpec(testSpec)
	tb.Cleanup(func() { s.Close() })
	return s
}

// testSpec is the spec the tests' stores check patches against
// (UseSpec): bool flags a, b, c, f, x, y, z, good, bad, only1, zz_probe, f0 to
// f199 and f0000 to f0199, all active.
var testSpec = func() *runtime.Spec {
	names := []string{"a", "b", "c", "f", "x", "y", "z", "good", "bad", "only1", "zz_probe"}
	for i := range 200 {
		names = append(names, fmt.Sprintf("f%d", i), fmt.Sprintf("f%04d", i))
	}
	flags := map[string]any{}
	for _, n := range names {
		flags[n] = map[string]any{"active": true}
	}
	src, _ := json.Marshal(map[string]any{"flags": flags})
	return flagimpl.MustLoadSpec("test.json", src)
}()

var discard = slog.New(slog.DiscardHandler)

func raw(s string) json.RawMessage { return json.RawMessage(s) }

// waitFor is a condition wait: it polls cond until it holds, failing the
// test when d passes first, and returns how long it took. The pause
// between polls only paces them; cond alone decides when the test goes on.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > d {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(2 * time.Millisecond) // paces the checks, orders nothing
	}
	return time.Since(start)
}

func mustLoad(t *testing.T, s *redisstore.Store) store.State {
	t.Helper()
	st, err := s.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestRoundTrip(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	s := newStore(t, srv.Addr(), redisstore.WithNamespace("app"))

	st := mustLoad(t, s)
	if st.Version != 0 || len(st.Flags) != 0 {
		t.Fatalf("empty store: %+v", st)
	}
	if err := s.Register(ctx, map[string]json.RawMessage{"a": nil, "b": raw(`{"active":false}`)}); err != nil {
		t.Fatal(err)
	}
	// Registering again never overwrites.
	if err := s.Register(ctx, map[string]json.RawMessage{"b": raw(`{}`), "c": raw(`{}`)}); err != nil {
		t.Fatal(err)
	}
	st = mustLoad(t, s)
	if st.Version != 2 || string(st.Flags["a"]) != "{}" || string(st.Flags["b"]) != `{"active":false}` || string(st.Flags["c"]) != "{}" {
		t.Fatalf("after Register: %d %s", st.Version, st.Flags)
	}
	// Large integers and empty arrays survive byte for byte.
	p := `{"users":[9007199254740993,12345678901234567],"regions":[],"percentage_rollout":12.5}`
	v, err := s.Apply(ctx, store.Change{Actor: "alice", Reason: "launch", Flags: map[string]json.RawMessage{"a": raw(p), "c": nil}})
	if err != nil || v != 3 {
		t.Fatalf("Apply = %d, %v", v, err)
	}
	st = mustLoad(t, s)
	if string(st.Flags["a"]) != p {
		t.Fatalf("patch a = %s, want %s", st.Flags["a"], p)
	}
	if _, ok := st.Flags["c"]; ok {
		t.Fatal("deleted flag c still loaded")
	}
	// Merge keeps other fields, replaces named ones, removes nulls.
	v, err = s.Merge(ctx, store.Change{Actor: "bob", Flags: map[string]json.RawMessage{"a": raw(`{"regions":["US"],"percentage_rollout":null,"active":true}`)}})
	if err != nil || v != 4 {
		t.Fatalf("Merge = %d, %v", v, err)
	}
	want := `{"active":true,"regions":["US"],"users":[9007199254740993,12345678901234567]}`
	if got := string(mustLoad(t, s).Flags["a"]); got != want {
		t.Fatalf("merged a = %s, want %s", got, want)
	}
	// IfVersion.
	if _, err := s.Apply(ctx, store.Change{IfVersion: 3, Actor: "t", Flags: map[string]json.RawMessage{"a": raw(`{}`)}}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale IfVersion: err = %v, want ErrConflict", err)
	}
	if v, err := s.Apply(ctx, store.Change{IfVersion: 4, Actor: "carol", Flags: map[string]json.RawMessage{"b": raw(`{}`)}}); err != nil || v != 5 {
		t.Fatalf("current IfVersion: %d, %v", v, err)
	}
	if _, err := s.Apply(ctx, store.Change{Actor: "t", Flags: map[string]json.RawMessage{"a": raw(`{nope`)}}); err == nil {
		t.Fatal("invalid JSON accepted")
	}
	// Audit, newest first, with the per-flag filter and before values.
	all, err := s.Audit(ctx, "", 0)
	if err != nil || len(all) != 3 || all[0].Version != 5 || all[0].Actor != "carol" || all[2].Reason != "launch" {
		t.Fatalf("Audit all = %+v, %v", all, err)
	}
	if string(all[2].Flags["c"]) != "null" || all[2].Time.IsZero() || time.Since(all[2].Time) > time.Minute {
		t.Fatalf("audit entry of version 3: %+v", all[2])
	}
	onlyA, err := s.Audit(ctx, "a", 1)
	if err != nil || len(onlyA) != 1 || onlyA[0].Version != 4 {
		t.Fatalf("Audit a limit 1 = %+v, %v", onlyA, err)
	}
	before, ok, err := s.AuditBefore(ctx, 4)
	if err != nil || !ok || string(before["a"]) != p {
		t.Fatalf("AuditBefore(4) = %s, %v, %v", before, ok, err)
	}
	// Counters and feedback.
	tot, err := s.AddCounters(ctx, []store.CounterDelta{{Flag: "a", Name: "errors", Delta: 2}, {Flag: "a", Name: "errors", Delta: 3}, {Flag: "b", Name: "slow", Delta: 1}})
	if err != nil || fmt.Sprint(tot) != "[2 5 1]" {
		t.Fatalf("AddCounters = %v, %v", tot, err)
	}
	if c, err := s.Counters(ctx, "a"); err != nil || c["errors"] != 5 || len(c) != 1 {
		t.Fatalf("Counters a = %v, %v", c, err)
	}
	if err := s.ResetCounters(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if c, err := s.Counters(ctx, "a"); err != nil || len(c) != 0 {
		t.Fatalf("Counters a after reset = %v, %v", c, err)
	}
	for _, txt := range []string{"nice", "slow"} {
		if err := s.AppendFeedback(ctx, "a", store.Feedback{User: "u1", Text: txt}); err != nil {
			t.Fatal(err)
		}
	}
	if fb, err := s.Feedback(ctx, "a"); err != nil || len(fb) != 2 || fb[1].Text != "slow" || fb[0].Time.IsZero() {
		t.Fatalf("Feedback = %+v, %v", fb, err)
	}
	// The documented key layout is what is in Redis.
	for _, k := range []string{"flaggen:{app}:patches", "flaggen:{app}:version", "flaggen:{app}:audit", "flaggen:{app}:counters:b", "flaggen:{app}:feedback:a"} {
		if n, err := redistest.Do(srv.Addr(), "EXISTS", k); err != nil || n != "1" {
			t.Errorf("key %s missing (%q, %v)", k, n, err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(ctx); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("Load after Close: %v", err)
	}
}

func TestPropagation(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	a := newStore(t, srv.Addr())
	b := newStore(t, srv.Addr())
	mustLoad(t, b)
	w, err := b.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	v, err := a.Apply(ctx, store.Change{Actor: "t", Flags: map[string]json.RawMessage{"x": raw(`{"active":false}`)}})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-w:
	case <-time.After(time.Second):
		t.Fatal("no watch notification within 1s")
	}
	st := mustLoad(t, b)
	if st.Version != v || string(st.Flags["x"]) != `{"active":false}` {
		t.Fatalf("b sees %d %s", st.Version, st.Flags)
	}
	// Counters are cluster-wide totals: each instance adds into the same one.
	if _, err := a.AddCounters(ctx, []store.CounterDelta{{Flag: "x", Name: store.CounterErrors, Delta: 3}}); err != nil {
		t.Fatal(err)
	}
	if tot, err := b.AddCounters(ctx, []store.CounterDelta{{Flag: "x", Name: store.CounterErrors, Delta: 4}}); err != nil || tot[0] != 7 {
		t.Fatalf("b's total = %v, %v; want 7 (3 from a + 4)", tot, err)
	}
}

// TestMissedMessageHealed writes behind the subscribers' back (no PUBLISH):
// the periodic version check must reload.
func TestMissedMessageHealed(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	s := newStore(t, srv.Addr(), redisstore.WithCheckInterval(100*time.Millisecond))
	mustLoad(t, s)
	w, _ := s.Watch(ctx)
	c := newClient(t, srv.Addr())
	c.HSet(ctx, s.Key("patches"), "ghost", `{"active":true}`)
	c.Incr(ctx, s.Key("version"))
	select {
	case <-w:
	case <-time.After(2 * time.Second):
		t.Fatal("missed change not healed by the version check")
	}
	if st := mustLoad(t, s); string(st.Flags["ghost"]) != `{"active":true}` {
		t.Fatalf("flags = %s", st.Flags)
	}
}

// syncBuffer is a log sink safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syncBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

func TestMalformedValueIsolated(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	var log syncBuffer
	s := newStore(t, srv.Addr(), redisstore.WithLogger(slog.New(slog.NewTextHandler(&log, nil))))
	if err := s.Register(ctx, map[string]json.RawMessage{"good": raw(`{"active":true}`), "bad": raw(`{}`)}); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, srv.Addr())
	c.HSet(ctx, s.Key("patches"), "bad", "}{ not json")
	c.Incr(ctx, s.Key("version"))
	st := mustLoad(t, s)
	if string(st.Flags["good"]) != `{"active":true}` || string(st.Flags["bad"]) != "}{ not json" {
		t.Fatalf("Load = %s; want the good flag intact and the bad bytes passed through", st.Flags)
	}
	if !strings.Contains(log.String(), "flaggen:{default}:patches") || !strings.Contains(log.String(), "field=bad") {
		t.Fatalf("log does not name the malformed key and field:\n%s", log.String())
	}
	// A write repairs it, and the audit keeps the garbage readable.
	v, err := s.Merge(ctx, store.Change{Actor: "ops", Flags: map[string]json.RawMessage{"bad": raw(`{"active":false}`)}})
	if err != nil {
		t.Fatal(err)
	}
	if st := mustLoad(t, s); string(st.Flags["bad"]) != `{"active":false}` {
		t.Fatalf("after repair: %s", st.Flags["bad"])
	}
	before, _, err := s.AuditBefore(ctx, v)
	if err != nil || string(before["bad"]) != `"}{ not json"` {
		t.Fatalf("before = %s, %v", before, err)
	}
}

// TestConcurrentWrites: 10,000 merges from 8 clients, racing on the same
// 100 flags with different fields; every one must land on top of the one
// before it (its audit entry's before is the previous entry's after).
func TestConcurrentWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 writes")
	}
	srv := redistest.Start(t)
	ctx := context.Background()
	const clients, writes, flags = 8, 10000, 100
	stores := make([]*redisstore.Store, clients)
	for i := range stores {
		// go-redis' default timeouts: the race detector on a busy machine is slow.
		c := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{srv.Addr()}})
		t.Cleanup(func() { c.Close() })
		stores[i] = newStoreOn(t, c, redisstore.WithAuditMaxLen(2*writes))
	}
	var wg sync.WaitGroup
	errs := make(chan error, writes)
	for c := 0; c < clients; c++ {
		for g := 0; g < 4; g++ { // 4 goroutines per client
			wg.Add(1)
			go func(c, g int) {
				defer wg.Done()
				for i := c*4 + g; i < writes; i += clients * 4 {
					p := []string{
						fmt.Sprintf(`{"percentage_rollout":%d}`, i%101),
						fmt.Sprintf(`{"error_threshold":%d}`, i+1),
						fmt.Sprintf(`{"active":%t}`, i%2 == 0),
					}[i/flags%3]
					_, err := stores[c].Merge(ctx, store.Change{Actor: fmt.Sprint("client", c), Reason: "load test",
						Flags: map[string]json.RawMessage{fmt.Sprint("f", i%flags): raw(p)}})
					if err != nil {
						errs <- err
						return
					}
				}
			}(c, g)
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	st := mustLoad(t, stores[0])
	if st.Version != writes {
		t.Fatalf("version %d, want %d", st.Version, writes)
	}
	audit, err := stores[0].Audit(ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	after := map[string]json.RawMessage{}
	for i := len(audit) - 1; i >= 0; i-- { // oldest first
		for name, a := range audit[i].Flags {
			if b, ok := after[name]; ok && !sameJSON(b, audit[i].Before[name]) {
				t.Fatalf("version %d of %s merged over %s, not over the version before (%s): a write was lost", audit[i].Version, name, audit[i].Before[name], b)
			}
			after[name] = a
		}
	}
	for f := 0; f < flags; f++ {
		name := fmt.Sprint("f", f)
		if !sameJSON(st.Flags[name], after[name]) {
			t.Fatalf("flag %s = %s, its last audit entry says %s", name, st.Flags[name], after[name])
		}
	}
	n, err := redistest.Do(srv.Addr(), "XLEN", stores[0].Key("audit"))
	if err != nil || n != fmt.Sprint(writes) {
		t.Fatalf("audit length %s (%v), want %d", n, err, writes)
	}
	// Every instance converges on the final state through pub/sub.
	for i, s := range stores {
		waitFor(t, 2*time.Second, fmt.Sprint("store ", i, " at version ", writes), func() bool {
			st, err := s.Load(ctx)
			return err == nil && st.Version == writes
		})
	}
}

func TestOutage(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	s := newStore(t, srv.Addr())
	other := newStore(t, srv.Addr())
	if _, err := other.Apply(ctx, store.Change{Actor: "t", Flags: map[string]json.RawMessage{"x": raw(`{"active":true}`)}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, time.Second, "healthy and current", func() bool {
		st, err := s.Load(ctx)
		return s.Health() == nil && err == nil && st.Version == 1
	})
	w, err := s.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// A change the subscribers never hear of, then the outage.
	c := newClient(t, srv.Addr())
	c.HSet(ctx, s.Key("patches"), "x", `{"active":false}`)
	c.Incr(ctx, s.Key("version"))
	srv.Stop()

	waitFor(t, time.Second, "health degraded", func() bool { return errors.Is(s.Health(), redisstore.ErrDegraded) })
	if _, err := s.Load(ctx); err == nil {
		t.Fatal("Load succeeded with Redis down")
	}
	_, err = s.Apply(ctx, store.Change{Actor: "t", Flags: map[string]json.RawMessage{"x": raw(`{}`)}})
	if err == nil || !strings.Contains(err.Error(), "flaggen: redis write failed:") {
		t.Fatalf("Apply with Redis down: %v", err)
	}
	if _, err := s.AddCounters(ctx, []store.CounterDelta{{Flag: "x", Name: "errors", Delta: 1}}); err == nil {
		t.Fatal("AddCounters succeeded with Redis down")
	}
	drainWatch(w)                      // the notifications of the outage's start
	time.Sleep(300 * time.Millisecond) // a window, ordering nothing: an outage long enough to retry a few times

	srv.Restart()
	start := time.Now()
	select {
	case <-w:
	case <-time.After(time.Second):
		t.Fatalf("no resync within 1s of Redis' return (health: %v)", s.Health())
	}
	st, err := s.Load(ctx)
	if err != nil || st.Version != 2 || string(st.Flags["x"]) != `{"active":false}` {
		t.Fatalf("after resync: %d %s %v", st.Version, st.Flags, err)
	}
	waitFor(t, time.Second-time.Since(start), "healthy again", func() bool { return s.Health() == nil })
	t.Logf("resynced %v after restart", time.Since(start))
	if _, err := s.Apply(ctx, store.Change{Actor: "t", Flags: map[string]json.RawMessage{"x": raw(`{}`)}}); err != nil {
		t.Fatalf("write after recovery: %v", err)
	}
}

func TestNewValidates(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer c.Close()
	for _, o := range []redisstore.Option{redisstore.WithNamespace("a{b}"), redisstore.WithNamespace(""), redisstore.WithCheckInterval(0), redisstore.WithAuditMaxLen(0)} {
		if s, err := redisstore.New(c, o); err == nil {
			s.Close()
			t.Error("invalid option accepted")
		}
	}
	if _, err := redisstore.New(nil); err == nil {
		t.Error("nil client accepted")
	}
}

// TestReleaseAtomic switches a release of 20 flags in one Apply; another
// instance must never load a mix of old and new states.
func TestReleaseAtomic(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	w := newStore(t, srv.Addr())
	r := newStore(t, srv.Addr())
	const n = 20
	set := func(state string) map[string]json.RawMessage {
		m := map[string]json.RawMessage{}
		for i := 0; i < n; i++ {
			m[fmt.Sprint("f", i)] = raw(`{"active":` + state + `}`)
		}
		return m
	}
	if _, err := w.Apply(ctx, store.Change{Actor: "t", Flags: set("false")}); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var mixed error
	go func() {
		defer close(done)
		for i := 0; i < 300; i++ {
			st, err := r.Load(ctx)
			if err != nil {
				mixed = err
				return
			}
			on := 0
			for _, p := range st.Flags {
				if string(p) == `{"active":true}` {
					on++
				}
			}
			if on != 0 && on != n {
				mixed = fmt.Errorf("version %d: %d of %d enabled", st.Version, on, n)
				return
			}
		}
	}()
	for i := 0; i < 100; i++ {
		state := []string{"true", "false"}[i%2]
		if _, err := w.Apply(ctx, store.Change{Actor: "t", Reason: "release winter_launch", Flags: set(state)}); err != nil {
			t.Fatal(err)
		}
	}
	<-done
	if mixed != nil {
		t.Fatal(mixed)
	}
	if a, err := w.Audit(ctx, "f7", 1); err != nil || len(a[0].Flags) != n {
		t.Fatalf("release audit entry = %+v, %v; want one entry naming all %d flags", a, err, n)
	}
}

// TestWatchSubscribed: Watch returns once Redis has confirmed the change
// subscription, so a change published right after reaches the watcher.
func TestWatchSubscribed(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	c := newClient(t, srv.Addr())
	// A long check interval: only pub/sub delivers within the test.
	s := newStore(t, srv.Addr(), redisstore.WithCheckInterval(time.Hour))
	w, err := s.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	subs, err := c.PubSubNumSub(ctx, s.Key("changes")).Result()
	if err != nil {
		t.Fatal(err)
	}
	if n := subs[s.Key("changes")]; n != 1 {
		t.Fatalf("%d subscribers of %s when Watch returned, want 1", n, s.Key("changes"))
	}
	other := newStore(t, srv.Addr())
	if _, err := other.Apply(ctx, store.Change{Actor: "t", Flags: map[string]json.RawMessage{"x": raw(`{"active":false}`)}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the change from another instance", func() bool {
		drainWatch(w)
		st, err := s.Load(ctx)
		return err == nil && st.Version == 1
	})
}

// TestWatchWaitsForRedis: with Redis down, Watch waits for the
// subscription until its context ends or the store is closed.
func TestWatchWaitsForRedis(t *testing.T) {
	srv := redistest.Start(t)
	addr := srv.Addr()
	srv.Stop()
	s := newStore(t, addr)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if w, err := s.Watch(ctx); !errors.Is(err, context.Canceled) || w != nil {
		t.Fatalf("Watch with Redis down and a cancelled context = %v, %v; want context.Canceled", w, err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.Watch(context.Background())
		done <- err
	}()
	s.Close()
	if err := <-done; !errors.Is(err, store.ErrClosed) {
		t.Fatalf("Watch waiting for Redis when the store closed: %v, want ErrClosed", err)
	}
}

func TestStartDegraded(t *testing.T) {
	srv := redistest.Start(t)
	addr := srv.Addr()
	srv.Stop()
	s := newStore(t, addr)
	if err := s.Health(); !errors.Is(err, redisstore.ErrDegraded) {
		t.Fatalf("Health with Redis never reached = %v", err)
	}
	if _, err := s.Load(context.Background()); err == nil || !strings.Contains(err.Error(), "flaggen: redis load failed") {
		t.Fatalf("Load with Redis down: %v", err)
	}
	srv.Restart()
	waitFor(t, time.Second, "healthy after Redis came up", func() bool { return s.Health() == nil })
	mustLoad(t, s)
}

// TestMergeFidelity merges into values with every JSON shape the Lua
// splitter must get right, including a pretty-printed value written by hand.
func TestMergeFidelity(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	s := newStore(t, srv.Addr())
	stored := "{\n  \"rules\": [{\"attribute\": \"device\", \"operator\": \"in\", \"values\": [\"a}b\", \"c\\\"d\", \"e\\\\\"]}],\n" +
		"  \"tripped\" : \"errors > 100 {x}\",\n  \"users\": [1e3, -0.5, 18446744073709551615],\n" +
		"  \"nested\": {\"a\": [[], {}], \"b\": null},\n  \"beta_program\": true,\n  \"\\u00e9t\\u00e9\": false\n}"
	c := newClient(t, srv.Addr())
	c.HSet(ctx, s.Key("patches"), "f", stored)
	c.Incr(ctx, s.Key("version"))
	if _, err := s.Merge(ctx, store.Change{Actor: "t", Flags: map[string]json.RawMessage{"f": raw(`{"tripped":null,"active":false,"regions":[]}`)}}); err != nil {
		t.Fatal(err)
	}
	got := mustLoad(t, s).Flags["f"]
	want := `{"active":false,"beta_program":true,"nested":{"a": [[], {}], "b": null},"regions":[],` +
		`"rules":[{"attribute": "device", "operator": "in", "values": ["a}b", "c\"d", "e\\"]}],` +
		`"users":[1e3, -0.5, 18446744073709551615],"été":false}`
	if string(got) != want {
		t.Fatalf("merged\n got %s\nwant %s", got, want)
	}
	if !json.Valid(got) {
		t.Fatal("merge produced invalid JSON")
	}
	if _, err := s.Merge(ctx, store.Change{Flags: map[string]json.RawMessage{"f": raw(`[1]`)}}); err == nil {
		t.Fatal("Merge accepted a patch that is not an object")
	}
}

// TestGapReloads: a message that skips a version makes the store reload in
// full at once (the version check is off here).
func TestGapReloads(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	s := newStore(t, srv.Addr(), redisstore.WithCheckInterval(time.Hour))
	w, _ := s.Watch(ctx)
	waitFor(t, time.Second, "subscribed and loaded", func() bool {
		n, _ := redistest.Do(srv.Addr(), "PUBSUB", "NUMSUB", s.Key("changes"))
		return s.Health() == nil && strings.HasSuffix(n, "\n1")
	})
	drainWatch(w)
	c := newClient(t, srv.Addr())
	c.HSet(ctx, s.Key("patches"), "missed", `{"active":false}`, "seen", `{"active":true}`)
	c.IncrBy(ctx, s.Key("version"), 2)
	c.Publish(ctx, s.Key("changes"), `{"v":2,"f":{"seen":{"active":true}}}`)
	select {
	case <-w:
	case <-time.After(time.Second):
		t.Fatal("no reload after a version gap")
	}
	st := mustLoad(t, s)
	if st.Version != 2 || string(st.Flags["missed"]) != `{"active":false}` {
		t.Fatalf("after the gap: %d %s", st.Version, st.Flags)
	}
	// An unreadable message also forces a reload rather than being ignored.
	c.HSet(ctx, s.Key("patches"), "late", `{}`)
	c.Incr(ctx, s.Key("version"))
	drainWatch(w)
	c.Publish(ctx, s.Key("changes"), `garbage`)
	select {
	case <-w:
	case <-time.After(time.Second):
		t.Fatal("no reload after an unreadable message")
	}
	if st := mustLoad(t, s); st.Flags["late"] == nil {
		t.Fatalf("after the unreadable message: %s", st.Flags)
	}
}

func drainWatch(w <-chan struct{}) {
	for {
		select {
		case <-w:
		default:
			return
		}
	}
}

// TestMalformedInLargeLoad: in a load of thousands of patches (checked on
// several goroutines), every malformed one is logged, and only those.
func TestMalformedInLargeLoad(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	var log syncBuffer
	s := newStore(t, srv.Addr(), redisstore.WithLogger(slog.New(slog.NewTextHandler(&log, nil))))
	rc := newClient(t, srv.Addr())
	bad := map[string]bool{}
	for i := range 5000 {
		name, p := fmt.Sprintf("f%04d", i), `{"active":true}`
		if i%997 == 0 {
			name, p = fmt.Sprintf("bad%04d", i), `{"active":`
			bad[name] = true
		}
		rc.HSet(ctx, s.Key("patches"), name, p)
	}
	rc.Incr(ctx, s.Key("version"))
	if st := mustLoad(t, s); len(st.Flags) != 5000 {
		t.Fatalf("loaded %d patches", len(st.Flags))
	}
	logged := strings.Count(log.String(), "malformed patch")
	for name := range bad {
		if !strings.Contains(log.String(), "field="+name+" ") {
			t.Errorf("malformed %s not logged", name)
		}
	}
	if logged != len(bad) {
		t.Errorf("%d malformed patches logged, want %d:\n%s", logged, len(bad), log.String())
	}
}

// sameJSON compares JSON documents by value.
func sameJSON(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}
