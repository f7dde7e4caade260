package redisstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/flaggen/flaggen/internal/redistest"
	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/flagimpl"
	"github.com/flaggen/flaggen/runtime/memstore"
	"github.com/flaggen/flaggen/runtime/store"
)

const fourFlags = `{"context": {"user_id": {"type": "int", "key": true}}, "flags": {
	"f0": {"active": true}, "f1": {"active": true}, "f2": {"active": true}, "f3": {"active": true}}}`

// TestConcurrentSets: 8 writers × 50 Client.Set calls, two writers per
// flag on different fields, each writer its own runtime.Client: no write
// is lost to ErrConflict; the final state holds every writer's last value
// and the audit trail every write.
func TestConcurrentSets(t *testing.T) {
	t.Run("memory", func(t *testing.T) {
		shared := memstore.New()
		t.Cleanup(func() { shared.Close() })
		concurrentSets(t, func(*testing.T) store.Store { return shared })
	})
	t.Run("redis", func(t *testing.T) {
		srv := redistest.Start(t)
		concurrentSets(t, func(t *testing.T) store.Store { return newStore(t, srv.Addr()) })
	})
}

func concurrentSets(t *testing.T, store func(*testing.T) store.Store) {
	const writers, sets = 8, 50
	sp := flagimpl.MustLoadSpec("flags.json", []byte(fourFlags))
	clients := make([]*runtime.Client, writers)
	for w := range clients {
		c, err := runtime.NewClient(sp, runtime.WithStore(store(t)), runtime.WithLogger(discard))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		clients[w] = c
	}
	field := func(w int) string { return []string{"percentage_rollout", "error_threshold"}[w/4] }
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, writers*sets)
	t0 := time.Now()
	for w, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 1; i <= sets; i++ {
				patch := fmt.Sprintf(`{%q: %d}`, field(w), i)
				if err := c.Set(ctx, fmt.Sprintf("f%d", w%4), json.RawMessage(patch), fmt.Sprintf("w%d", w), ""); err != nil {
					errs <- fmt.Errorf("writer %d set %d: %w", w, i, err)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	t.Logf("%d concurrent sets in %v", writers*sets, time.Since(t0))
	st, err := clients[0].Store().Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for f := 0; f < 4; f++ {
		name := fmt.Sprintf("f%d", f)
		var got map[string]int
		if err := json.Unmarshal(st.Flags[name], &got); err != nil {
			t.Fatalf("%s: %s: %v", name, st.Flags[name], err)
		}
		if got["percentage_rollout"] != sets || got["error_threshold"] != sets {
			t.Errorf("%s = %s, want both fields at %d", name, st.Flags[name], sets)
		}
	}
	audit, err := clients[0].Audit(ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, e := range audit {
		n[e.Actor]++
	}
	for w := 0; w < writers; w++ {
		if a := fmt.Sprintf("w%d", w); n[a] != sets {
			t.Errorf("audit has %d entries by %s, want %d", n[a], a, sets)
		}
	}
}
