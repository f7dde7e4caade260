package runtime

import (
	"context"
	"encoding/json"
	"sync/atomic"
	"testing"
	"time"
)

// blockingRegister is a store whose Register blocks until its context ends.
type blockingRegister struct {
	Store
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
	time.Sleep(50 * time.Millisecond) // a store slow to unwind after cancellation
	s.returned.Store(true)
	return ctx.Err()
}

// TestCloseWaitsForBackgroundWork: goroutines the client starts (here the
// registration of an unknown name) are over when Close returns.
func TestCloseWaitsForBackgroundWork(t *testing.T) {
	store := &blockingRegister{Store: NewMemoryStore(), entered: make(chan struct{})}
	c, err := NewClient(mustLoadSpec("flags.json", []byte(`{"flags": {"a": {"active": true}}}`)),
		WithStore(store), WithLogger(quietLogger))
	if err != nil {
		t.Fatal(err)
	}
	store.armed.Store(true)
	if got := c.Evaluate(context.Background(), "not_in_spec", nil); got != false {
		t.Fatalf("unknown flag = %v", got)
	}
	<-store.entered
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if !store.returned.Load() {
		t.Fatal("Close returned while the client's registration goroutine was still running")
	}
}
