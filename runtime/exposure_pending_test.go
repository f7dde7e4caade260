package runtime

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flaggen/flaggen/runtime/memstore"
	"github.com/flaggen/flaggen/runtime/store"
)

// exposureDownStore is a memory store whose AddExposure fails while down is set.
type exposureDownStore struct {
	*memstore.Store
	down atomic.Bool
}

func (s *exposureDownStore) AddExposure(ctx context.Context, ds []store.ExposureDelta) error {
	if s.down.Load() {
		return errors.New("store down")
	}
	return s.Store.AddExposure(ctx, ds)
}

// TestPendingExposureBounded: through an outage of 100 minutes with a
// flush every 10 s, the counts kept stay within one entry per flush of
// the current minute, one per past minute of the last hour and one for
// the rest, per counter; when the store is back, every count arrives,
// each past minute's in its minute, the total exact.
func TestPendingExposureBounded(t *testing.T) {
	s := mustLoadSpec("flags.json", []byte(`{"flags": {"f": {"active": true}}}`))
	e := newExposure(s.m)
	st := &exposureDownStore{Store: memstore.New()}
	defer st.Close()
	st.down.Store(true)
	t0 := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	const flushes = 600 // 100 minutes
	for i := range flushes {
		e.counts[e.first[0]+1].Add(1) // f served on
		now := t0.Add(time.Duration(i) * 10 * time.Second)
		if err := e.flush(context.Background(), st, s.m, "production", now); err == nil {
			t.Fatal("flush with the store down: no error")
		}
		if n, most := len(e.pending), 6+60+1; n > most {
			t.Fatalf("after %d flushes: %d counts kept, want at most %d", i+1, n, most)
		}
	}
	st.down.Store(false)
	end := t0.Add(flushes * 10 * time.Second)
	if err := e.flush(context.Background(), st, s.m, "production", end); err != nil {
		t.Fatal(err)
	}
	es, err := st.Exposure(context.Background(), "f")
	if err != nil || len(es) != 1 || es[0].Variants["on"] != flushes {
		t.Fatalf("Exposure = %+v, %v; want %d on", es, err, flushes)
	}
	// The last flush's minute holds its 6 flushes' counts, 6 each minute.
	last := store.Minute(t0.Add((flushes - 1) * 10 * time.Second))
	if got := es[0].Minutes[last]; got != 6 {
		t.Errorf("minute of the last failed flush: %d counts, want 6", got)
	}
	if len(e.pending) != 0 {
		t.Errorf("%d counts still kept after a successful flush", len(e.pending))
	}
}

// clockedStore is a memory store whose clock (store.Clock) reads at.
type clockedStore struct {
	*memstore.Store
	at time.Time
}

func (c *clockedStore) Now() time.Time { return c.at }

// TestFlushStoreClock: a Client stamps its counts by its store's clock
// (store.Clock: the Redis server's), so that they compare with a reset
// stamped by another machine.
func TestFlushStoreClock(t *testing.T) {
	s := mustLoadSpec("flags.json", []byte(`{"flags": {"f": {"active": true}}}`))
	at := time.Date(2026, 12, 5, 9, 30, 0, 0, time.UTC)
	st := &clockedStore{Store: memstore.New(), at: at}
	defer st.Close()
	c := newClient(t, s, WithStore(st), WithExposure(), WithFlushInterval(time.Hour))
	c.Evaluate(context.Background(), "f", nil)
	if err := c.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	es, err := st.Exposure(context.Background(), "f")
	if err != nil || len(es) != 1 || !es[0].Last.Equal(at) {
		t.Errorf("Exposure = %+v, %v; want last evaluated at the store's time %v", es, err, at)
	}
}
