package ops

import (
	"context"
	"testing"
	"time"

	"github.com/flaggen/flaggen/runtime/memstore"
	"github.com/flaggen/flaggen/runtime/store"
)

// clockStore is a memory store whose clock (store.Clock) reads at.
type clockStore struct {
	*memstore.Store
	at time.Time
}

func (c *clockStore) Now() time.Time { return c.at }

// TestResetExposureStoreClock: the reset is stamped by the store's clock
// (the Redis server's: store.Clock), as the apps stamp their counts, not
// by the operator's machine's.
func TestResetExposureStoreClock(t *testing.T) {
	const src = `{"flags": {"f": {"active": true}}}`
	at := time.Date(2026, 12, 5, 9, 30, 0, 123456789, time.UTC)
	st := &clockStore{Store: memstore.New(), at: at}
	s := openStoreTest(t, st, src)
	if err := st.AddExposure(t.Context(), []store.ExposureDelta{{Flag: "f", Env: "production", Variant: "on", Count: 1, Last: at.Add(-time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.ResetExposure(ExposureReset{Flag: "f", Env: "production", Actor: "alice", Reason: "new split"})
	if want := at.Truncate(time.Millisecond); err != nil || !got.Equal(want) {
		t.Fatalf("ResetExposure = %v, %v; want the store's time %v", got, err, want)
	}
	es, err := st.Exposure(context.Background(), "f")
	if err != nil || len(es) != 1 || !es[0].Since.Equal(at.Truncate(time.Millisecond)) {
		t.Errorf("Exposure = %+v, %v; want since %v", es, err, at)
	}
}
