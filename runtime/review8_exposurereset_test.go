package runtime_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/memstore"
)

// TestReview8PendingCountsDroppedByReset: counts a Client took before a
// reset, kept from a flush the store failed, are counts "an instance took
// before the reset and flushed after" (store.Store.ResetExposure): the
// reset must drop them. The next flush merges them into its own deltas
// at its own time, after the reset, so the store counts them since the
// reset.
func TestReview8PendingCountsDroppedByReset(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sp, err := runtime.LoadSpec("flags.json", []byte(exposureSpec))
		if err != nil {
			t.Fatal(err)
		}
		st := &failingStore{Store: memstore.New()}
		defer st.Close()
		c, err := runtime.NewClient(sp, runtime.WithStore(st), runtime.WithEnvironment("dev"),
			runtime.WithExposure(), runtime.WithFlushInterval(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		ctx := context.Background()
		for range 10 {
			c.Evaluate(ctx, "on_off", nil)
		}
		st.fail.Store(true)
		if err := c.Flush(ctx); err == nil { // takes the 10 counts, keeps them
			t.Fatal("Flush with the store failing: no error")
		}
		st.fail.Store(false)
		time.Sleep(time.Second)
		if err := st.ResetExposure(ctx, "on_off", "dev", time.Now()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second)
		c.Evaluate(ctx, "on_off", nil) // the only evaluation since the reset
		if err := c.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		es, err := st.Exposure(ctx, "on_off")
		if err != nil || len(es) != 1 {
			t.Fatalf("Exposure = %+v, %v", es, err)
		}
		if n := es[0].Variants["on"]; n != 1 {
			t.Errorf("after the reset: %d evaluations counted since it, want 1 (the 10 taken before it came back re-stamped with the later flush's time)", n)
		}
	})
}
