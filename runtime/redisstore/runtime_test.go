package redisstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
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

// In the spec b is off; live state turns it on, so that a malformed patch
// for b can be told apart from both the spec and a fail-closed "off".
const twoFlags = `{"flags": {"a": {"active": true}, "b": {"active": false}}}`

func newRuntime(t *testing.T, s store.Store) *runtime.Client {
	t.Helper()
	c, err := runtime.NewClient(flagimpl.MustLoadSpec("flags.json", []byte(twoFlags)), runtime.WithStore(s), runtime.WithLogger(discard))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestRuntimeOverRedis runs two runtime Clients, each over its own store
// and connection: changes propagate, a malformed value gives its flag the
// spec's definition without touching the other (Health names it), and an
// outage shows in Health while the last state keeps being served.
func TestRuntimeOverRedis(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	s1 := newStore(t, srv.Addr(), redisstore.WithCheckInterval(100*time.Millisecond))
	s2 := newStore(t, srv.Addr(), redisstore.WithCheckInterval(100*time.Millisecond))
	c1, c2 := newRuntime(t, s1), newRuntime(t, s2)
	eval := func(c *runtime.Client, name string) bool { return c.Evaluate(ctx, name, nil) == true }

	if !eval(c1, "a") || eval(c1, "b") {
		t.Fatal("clients do not start from the spec")
	}
	if _, err := s1.Apply(ctx, store.Change{Actor: "ops", Reason: "launch", Flags: map[string]json.RawMessage{"b": raw(`{"active":true}`)}}); err != nil {
		t.Fatal(err)
	}
	d := waitFor(t, time.Second, "b on for both clients", func() bool { return eval(c1, "b") && eval(c2, "b") })
	t.Logf("change propagated in %v", d)

	// Garbage for b, a valid change for a, in one version bump.
	rc := newClient(t, srv.Addr())
	rc.HSet(ctx, s1.Key("patches"), "b", `{"active":`, "a", `{"active":false}`)
	rc.Incr(ctx, s1.Key("version"))
	waitFor(t, 2*time.Second, "a off on both clients", func() bool { return !eval(c1, "a") && !eval(c2, "a") })
	if eval(c1, "b") || eval(c2, "b") {
		t.Fatal("a malformed patch for b kept it on: the spec switches it off")
	}
	for _, c := range []*runtime.Client{c1, c2} {
		var r *runtime.RefusedError
		if !errors.As(c.Health(), &r) || r.Flags["b"] == nil || len(r.Flags) != 1 {
			t.Fatalf("health %v, want b's patch refused", c.Health())
		}
	}

	// Outage.
	srv.Stop()
	waitFor(t, time.Second, "client health degraded", func() bool { return errors.Is(c2.Health(), redisstore.ErrDegraded) })
	if eval(c2, "a") || eval(c2, "b") {
		t.Fatal("state changed during the outage")
	}
	srv.Restart()
	d = waitFor(t, time.Second, "store healthy again", func() bool { return !errors.Is(c2.Health(), redisstore.ErrDegraded) && s2.Health() == nil })
	t.Logf("healthy %v after restart", d)
	if _, err := s1.Apply(ctx, store.Change{Actor: "ops", Flags: map[string]json.RawMessage{"a": raw(`{}`), "b": raw(`{}`)}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, time.Second, "back to the spec after recovery", func() bool { return eval(c2, "a") && !eval(c2, "b") && c2.Health() == nil })
}

// TestStartTimeoutSilentRedis: against a "Redis" that accepts connections
// and never replies, NewClient returns within the default start timeout
// (2s), serving the spec's values and reporting the store in Health.
func TestStartTimeoutSilentRedis(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c) // read nothing, answer nothing
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	// The client's own timeouts are longer than the start timeout.
	rc := redis.NewClient(&redis.Options{Addr: ln.Addr().String(), ReadTimeout: 3 * time.Second, MaxRetries: 0})
	t.Cleanup(func() { rc.Close() })
	s := newStoreOn(t, rc)
	t0 := time.Now()
	c, err := runtime.NewClient(flagimpl.MustLoadSpec("flags.json", []byte(twoFlags)), runtime.WithStore(s), runtime.WithLogger(discard))
	took := time.Since(t0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { go c.Close() }) // the store may still be waiting on the silent server
	if took < runtime.DefaultStartTimeout-100*time.Millisecond || took > runtime.DefaultStartTimeout+1500*time.Millisecond {
		t.Errorf("NewClient took %v, want about the default start timeout %v", took, runtime.DefaultStartTimeout)
	}
	if a, b := c.Evaluate(context.Background(), "a", nil), c.Evaluate(context.Background(), "b", nil); a != true || b != false {
		t.Errorf("a, b = %v, %v; want the spec's true, false", a, b)
	}
	if c.Health() == nil {
		t.Error("Health is nil while the store never answered")
	}
}
