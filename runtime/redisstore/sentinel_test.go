package redisstore_test

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/flaggen/flaggen/internal/redistest"
	"github.com/flaggen/flaggen/runtime/store"
)

// TestSentinel runs two stores over Sentinel-managed clients through a
// failover: state survives, writes resume on the new master and still
// propagate.
func TestSentinel(t *testing.T) {
	t.Parallel() // its own servers; most of its time is waiting for the failover
	x := redistest.StartSentinel(t)
	ctx := context.Background()
	newFailover := func() redis.UniversalClient {
		o := fastOptions(x.Addr())
		o.MasterName = redistest.MasterName
		c := redis.NewUniversalClient(o)
		t.Cleanup(func() { c.Close() })
		if _, ok := c.(*redis.Client); !ok {
			t.Fatalf("UniversalClient with MasterName is %T, want a failover *redis.Client", c)
		}
		return c
	}
	a := newStoreOn(t, newFailover())
	b := newStoreOn(t, newFailover())
	v, err := a.Apply(ctx, store.Change{Actor: "t", Flags: map[string]json.RawMessage{"x": raw(`{"active":false}`)}})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, time.Second, "b at the first write", func() bool {
		st, err := b.Load(ctx)
		return err == nil && st.Version == v
	})

	// The replica must hold the first write before it takes over:
	// replication is asynchronous, and a write it missed is lost (a
	// failover that loses writes is TestFailoverToStaleReplica's).
	waitFor(t, 3*time.Second, "the replica at the first write", func() bool {
		cur, _ := redistest.Do(x.Replica.Addr(), "GET", a.Key("version"))
		return cur == strconv.FormatUint(v, 10)
	})
	x.Failover()
	// The write path moves to the new master once the clients learn of it.
	// Until Sentinel turns the old master into a replica it still takes
	// writes, which are lost then: only a write the new master holds counts
	// (a store that saw one of the lost ones takes the new master's state,
	// another history, when it reads it).
	var v2 uint64
	d := waitFor(t, 10*time.Second, "a write on the new master", func() bool {
		v2, err = a.Apply(ctx, store.Change{Actor: "t", Flags: map[string]json.RawMessage{"x": raw(`{"active":true}`)}})
		if err != nil {
			return false
		}
		cur, _ := redistest.Do(x.Replica.Addr(), "GET", a.Key("version"))
		return cur == strconv.FormatUint(v2, 10)
	})
	t.Logf("writes resumed %v after the failover", d)
	if v2 != v+1 {
		t.Fatalf("version after failover %d, want %d (state lost?)", v2, v+1)
	}
	waitFor(t, 3*time.Second, "b at the write after failover", func() bool {
		st, err := b.Load(ctx)
		return err == nil && st.Version == v2 && string(st.Flags["x"]) == `{"active":true}`
	})
	waitFor(t, 3*time.Second, "both healthy", func() bool { return a.Health() == nil && b.Health() == nil })
}
