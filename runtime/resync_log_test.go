package runtime

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/flaggen/flaggen/runtime/memstore"
	"github.com/flaggen/flaggen/runtime/store"
)

// downStore is a memory store whose Load fails while down is set.
type downStore struct {
	*memstore.Store
	down atomic.Bool
}

func (s *downStore) Load(ctx context.Context) (store.State, error) {
	if s.down.Load() {
		return store.State{}, errors.New("connection refused")
	}
	return s.Store.Load(ctx)
}

// TestResyncFailureLoggedOncePerOutage: a store that stays down is
// warned about once, not at every resync, and its recovery once; a second
// outage warns again.
func TestResyncFailureLoggedOncePerOutage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var logs syncBuffer
		st := &downStore{Store: memstore.New()}
		c, err := NewClient(mustLoadSpec("flags.json", []byte(`{"flags": {"a": {"active": true}}}`)),
			WithStore(st), WithResync(time.Second), WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		const warn, back = "flaggen: reloading live state", "flaggen: live state reloaded again"
		for outage := 1; outage <= 2; outage++ {
			st.down.Store(true)
			time.Sleep(10*time.Second + time.Millisecond) // ten resyncs on the bubble's clock
			synctest.Wait()
			if n := strings.Count(logs.String(), warn); n != outage {
				t.Fatalf("outage %d: %d warnings, want %d:\n%s", outage, n, outage, logs.String())
			}
			if c.Health() == nil {
				t.Fatalf("outage %d: Health nil while the store is down", outage)
			}
			st.down.Store(false)
			time.Sleep(3 * time.Second)
			synctest.Wait()
			if n := strings.Count(logs.String(), back); n != outage {
				t.Fatalf("outage %d: %d recovery records, want %d:\n%s", outage, n, outage, logs.String())
			}
		}
	})
}
