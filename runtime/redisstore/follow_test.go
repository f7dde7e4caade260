package redisstore_test

import (
	"context"
	"encoding/json"
	"fmt"
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

// loadCounter is a store counting its Loads; it keeps the Redis store's
// ChangeFeed.
type loadCounter struct {
	*redisstore.Store
	loads atomic.Int64
	seen  atomic.Uint64 // the highest version the Client was handed
}

func (s *loadCounter) Load(ctx context.Context) (store.State, error) {
	s.loads.Add(1)
	st, err := s.Store.Load(ctx)
	if err == nil {
		s.saw(st.Version)
	}
	return st, err
}

// ChangesSince records the version the Client reached through the feed.
func (s *loadCounter) ChangesSince(version uint64, epoch string) (store.State, bool) {
	st, ok := s.Store.ChangesSince(version, epoch)
	if ok {
		s.saw(st.Version)
	}
	return st, ok
}

// saw records that the Client was handed the state at version v.
func (s *loadCounter) saw(v uint64) {
	for {
		old := s.seen.Load()
		if v <= old || s.seen.CompareAndSwap(old, v) {
			return
		}
	}
}

// TestFollowChanges: a Client follows another writer's changes from the
// store's ChangeFeed, without loading the whole state, with the outcome of
// a load: a patch the spec refuses (bad, or closing a depends_on cycle)
// gives its flag alone the spec's definition until it is repaired, a
// deleted entry reverts its flag to the spec, and a change the feed cannot
// tell is loaded.
func TestFollowChanges(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	backend := &loadCounter{Store: newStore(t, srv.Addr(), redisstore.WithCheckInterval(time.Hour))}
	writer := newStore(t, srv.Addr())
	c, err := runtime.NewClient(flagimpl.MustLoadSpec("flags.json", []byte(`{"flags": {
		"a": {"active": true}, "b": {"active": false}, "c": {"active": true, "depends_on": ["a"]}}}`)),
		runtime.WithStore(backend), runtime.WithLogger(discard), runtime.WithResync(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	eval := func(name string) bool { return c.Evaluate(ctx, name, nil) == true }
	write := func(flags map[string]json.RawMessage) uint64 {
		t.Helper()
		v, err := writer.Apply(ctx, store.Change{Actor: "t", Flags: flags})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	// settled waits for the store's mirror to reach version v, reading
	// only the mirror: a Load that met Redis ahead of it would reload in
	// full and clear the change history the Client follows.
	var epoch string
	settled := func(v uint64) {
		t.Helper()
		waitFor(t, time.Second, "the store's mirror at the write", func() bool {
			got, ok := backend.Store.ChangesSince(v, epoch)
			return ok && got.Version == v
		})
	}
	write(map[string]json.RawMessage{"b": raw(`{"active":true}`)})
	waitFor(t, time.Second, "b on", func() bool { return eval("b") })
	_, now := awaitFollowing(t, backend.Store, writer)
	epoch = now.Epoch
	// The loads of the start (and of notifications from before the first
	// state) are over once the Client was handed the probe's state: later
	// notifications find every change in the feed.
	waitFor(t, time.Second, "the Client at the probe", func() bool { return backend.seen.Load() >= now.Version })
	loads := backend.loads.Load()

	// Refused patch for b (out of range) and a good one for a, in one write.
	// The store refuses to write it: by hand.
	v := handWrite(t, newClient(t, srv.Addr()), writer, map[string]string{"b": `{"percentage_rollout":500}`, "a": `{"active":false}`})
	waitFor(t, time.Second, "a off", func() bool { return !eval("a") })
	settled(v)
	if eval("b") {
		t.Fatal("b's refused patch kept b on: the spec switches it off")
	}
	if _, ok := c.Health().(*runtime.RefusedError); !ok {
		t.Fatalf("Health = %v, want b's refusal", c.Health())
	}

	// A cycle: a's patch is refused (a as in the spec: on), c keeps
	// depending on a, and the write to b applies beside it.
	write(map[string]json.RawMessage{"a": raw(`{"active":false,"depends_on":["c"]}`), "b": raw(`{"active":true}`)})
	waitFor(t, time.Second, "a refused alone", func() bool { return !eval("a") && !eval("c") && eval("b") })
	// Changes go on applying; the repair applies a's patch.
	write(map[string]json.RawMessage{"b": raw(`{"active":false}`)})
	waitFor(t, time.Second, "b off beside the refused a", func() bool { return !eval("b") })
	write(map[string]json.RawMessage{"c": raw(`{"depends_on":null}`), "a": raw(`{"depends_on":["c"]}`)})
	waitFor(t, time.Second, "the repaired state", func() bool { return eval("a") && eval("c") && !eval("b") && c.Health() == nil })

	// A deleted entry: back to the spec.
	write(map[string]json.RawMessage{"a": nil})
	waitFor(t, time.Second, "a as in the spec", func() bool { return eval("a") })
	if n := backend.loads.Load() - loads; n != 0 {
		t.Errorf("the client loaded the whole state %d times while following changes", n)
	}

	// A change made behind the feed's back is healed by a full load.
	rc := newClient(t, srv.Addr())
	rc.HSet(ctx, backend.Key("patches"), "b", `{"active":true}`)
	rc.Incr(ctx, backend.Key("version"))
	if _, err := backend.FullLoad(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, time.Second, "b on after the full reload", func() bool { return eval("b") })
	if backend.loads.Load() == loads {
		t.Error("the client did not load a state the feed could not tell")
	}
}

// handWrite writes flags (name → patch) to s's namespace as the write
// script does (one version, a new last change id, the change message) but
// unchecked, as only a hand-written script can: what the runtime does
// with a value that a store refuses to write. It returns the new version.
func handWrite(t *testing.T, rc redis.UniversalClient, s *redisstore.Store, flags map[string]string) uint64 {
	t.Helper()
	args := []any{s.Key("changes"), fmt.Sprint("HAND", time.Now().UnixNano())}
	for name, p := range flags {
		args = append(args, name, p)
	}
	v, err := redis.NewScript(`
local last = redis.call('GET', KEYS[3]) or ''
local f = {}
for i = 3, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  f[#f + 1] = cjson.encode(ARGV[i]) .. ':' .. ARGV[i + 1]
end
local v = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[3], ARGV[2])
redis.call('PUBLISH', ARGV[1], '{"v":' .. v .. ',"e":' .. cjson.encode(redis.call('GET', KEYS[4]) or '') ..
  ',"c":' .. cjson.encode(ARGV[2]) .. ',"p":' .. cjson.encode(last) .. ',"f":{' .. table.concat(f, ',') .. '}}')
return v
`).Run(context.Background(), rc, []string{s.Key("patches"), s.Key("version"), s.Key("lastchange"), s.Key("epoch")}, args...).Uint64()
	if err != nil {
		t.Fatal(err)
	}
	return v
}
