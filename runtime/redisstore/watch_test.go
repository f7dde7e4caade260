package redisstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/flaggen/flaggen/internal/redistest"
	"github.com/flaggen/flaggen/runtime/redisstore"
	"github.com/flaggen/flaggen/runtime/store"
)

// TestForgedMessageLogged publishes a change message that the write script
// did not (the next version, with a change id Redis does not hold): a store
// applies messages without a round trip, so it takes it, but its next check
// finds that Redis does not confirm it, says so (not a failover), and
// returns to what Redis holds; real changes still propagate.
func TestForgedMessageLogged(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	rc := newClient(t, srv.Addr())
	var log syncBuffer
	s := newStore(t, srv.Addr(), redisstore.WithLogger(slog.New(slog.NewTextHandler(&log, nil))),
		redisstore.WithCheckInterval(100*time.Millisecond))
	c := newRuntime(t, s)
	w := newStore(t, srv.Addr())
	if _, err := w.Apply(ctx, store.Change{Actor: "ops", Flags: map[string]json.RawMessage{"b": raw(`{"active":true}`)}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 2*time.Second, "b on", func() bool { return c.Evaluate(ctx, "b", nil) == true })
	st := mustLoad(t, w)
	last, err := rc.Get(ctx, s.Key("lastchange")).Result()
	if err != nil {
		t.Fatal(err)
	}
	forged := fmt.Sprintf(`{"v":%d,"e":%q,"c":"FORGED","p":%q,"f":{"b":{"active":false}}}`, st.Version+1, st.Epoch, last)
	if err := rc.Publish(ctx, s.Key("changes"), forged).Err(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Log(log.String())
		}
	})
	waitFor(t, 5*time.Second, "the forged message logged", func() bool { return strings.Contains(log.String(), "does not confirm") })
	waitFor(t, 2*time.Second, "b on again (what Redis holds)", func() bool { return c.Evaluate(ctx, "b", nil) == true })
	if got := mustLoad(t, s); got.Version != st.Version {
		t.Fatalf("after the forged message the store is at %d; want %d", got.Version, st.Version)
	}
	if out := log.String(); strings.Contains(out, "failed over") || strings.Contains(out, "lost this namespace") {
		t.Fatalf("a forged message was taken for a failover or data loss:\n%s", out)
	}
	if _, err := w.Apply(ctx, store.Change{Actor: "ops", Flags: map[string]json.RawMessage{"b": raw(`{"active":false}`)}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 2*time.Second, "b off", func() bool { return c.Evaluate(ctx, "b", nil) == false })
}
