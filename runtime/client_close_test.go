package runtime

import (
	"context"
	"encoding/json"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/flaggen/flaggen/runtime/memstore"
	"github.com/flaggen/flaggen/runtime/store"
)

// blockingRegister is a store whose Register blocks until its context ends.
type blockingRegister struct {
	store.Store
	armed    atomic.Bool
	returned atomic.Bool
	entered  chan struct{}
}

func (s *blockingRegister) Register(ctx context.Context, flags map[string]json.RawMessage) error {
	if !s.armed.Load() {
		return s.Store.Register(ctx, flags)
	}
	close(s.entered)
	<-ctx.Done()
	time.Sleep(50 * time.Millisecond) // a store slow to unwind after cancellation (the test's fake clock)
	s.returned.Store(true)
	return ctx.Err()
}

// TestCloseWaitsForBackgroundWork: goroutines the client starts (here the
// registration of an unknown name) are over when Close returns.
func TestCloseWaitsForBackgroundWork(t *testing.T) {
	// A synctest bubble: the store's slow unwinding takes fake time.
	synctest.Test(t, func(t *testing.T) {
		backend := &blockingRegister{Store: memstore.New(), entered: make(chan struct{})}
		c, err := NewClient(mustLoadSpec("flags.json", []byte(`{"flags": {"a": {"active": true}}}`)),
			WithStore(backend), WithLogger(quietLogger))
		if err != nil {
			t.Fatal(err)
		}
		backend.armed.Store(true)
		if got := c.Evaluate(context.Background(), "not_in_spec", nil); got != false {
			t.Fatalf("unknown flag = %v", got)
		}
		<-backend.entered
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		if !backend.returned.Load() {
			t.Fatal("Close returned while the client's registration goroutine was still running")
		}
	})
}
