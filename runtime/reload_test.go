package runtime

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/flaggen/flaggen/runtime/memstore"
	"github.com/flaggen/flaggen/runtime/store"
)

// gatedStore holds the first Load armed with a gated context after the
// state is read, until the gate opens: a reload that read old state and is
// slow to apply it. held is closed when that Load waits at the gate. (The
// context keeps the Client's own follower out of the gate.)
type gatedStore struct {
	store.Store
	armed atomic.Bool
	held  chan struct{}
	gate  chan struct{}
}

type gated struct{}

func (s *gatedStore) Load(ctx context.Context) (store.State, error) {
	st, err := s.Store.Load(ctx)
	if ctx.Value(gated{}) != nil && s.armed.CompareAndSwap(true, false) {
		close(s.held)
		<-s.gate
	}
	return st, err
}

// TestReloadsApplyInOrder: a reload that loaded state earlier never
// overwrites state a later reload applied (e.g. a write's own reload racing
// the background follower's).
func TestReloadsApplyInOrder(t *testing.T) {
	// A synctest bubble: synctest.Wait returns once the second reload is
	// blocked (waiting for the first, as it must) or done (a broken client
	// that let it apply first, which the check below catches).
	synctest.Test(t, func(t *testing.T) {
		s, err := LoadSpec("flags.json", []byte(`{"flags": {"a": {"active": true}}}`))
		if err != nil {
			t.Fatal(err)
		}
		mem := memstore.New()
		backend := &gatedStore{Store: mem, held: make(chan struct{}), gate: make(chan struct{})}
		c := newClient(t, s, WithStore(backend))
		ctx := context.Background()

		backend.armed.Store(true)
		var wg sync.WaitGroup
		wg.Go(func() { _ = c.reload(context.WithValue(ctx, gated{}, true)) }) // reads a on, then waits at the gate
		<-backend.held
		if _, err := mem.Apply(ctx, store.Change{Actor: "t", Reason: "off", Flags: map[string]json.RawMessage{"a": json.RawMessage(`{"active":false}`)}}); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()                     // the Client's follower is done with the change (or waits for the gated reload too)
		wg.Go(func() { _ = c.reload(ctx) }) // reads a off
		synctest.Wait()
		close(backend.gate)
		wg.Wait()
		if got := c.Evaluate(ctx, "a", nil); got != false {
			t.Fatalf("a = %v after the reloads: an earlier-loaded state replaced a later one", got)
		}
	})
}
