package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/flaggen/flaggen/runtime/memstore"
	"github.com/flaggen/flaggen/runtime/store"
)

// loadFailsAfterApply is a store whose Load fails once a change is written.
type loadFailsAfterApply struct {
	store.Store
	applied atomic.Bool
}

func (s *loadFailsAfterApply) Apply(ctx context.Context, ch store.Change) (uint64, error) {
	v, err := s.Store.Apply(ctx, ch)
	if err == nil {
		s.applied.Store(true)
	}
	return v, err
}

func (s *loadFailsAfterApply) Load(ctx context.Context) (store.State, error) {
	if s.applied.Load() {
		return store.State{}, errors.New("store unreachable")
	}
	return s.Store.Load(ctx)
}

// TestChangeCommittedIsSuccess: once the store has taken a write, Change
// reports success even if reading the new state back fails, so callers do
// not retry a change that is already live.
func TestChangeCommittedIsSuccess(t *testing.T) {
	mem := memstore.New()
	c := newTestClient(t, seedModel(t), WithStore(&loadFailsAfterApply{Store: mem}))
	if err := c.Set(context.Background(), "new_ui", json.RawMessage(`{"active": false}`), "t", "kill"); err != nil {
		t.Fatalf("Set after a committed write = %v, want nil", err)
	}
	st, err := mem.Load(context.Background())
	if err != nil || string(st.Flags["new_ui"]) != `{"active":false}` {
		t.Fatalf("stored patch = %s, %v", st.Flags["new_ui"], err)
	}
}
