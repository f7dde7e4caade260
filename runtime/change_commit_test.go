package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"sync/atomic"
	"testing"
)

// loadFailsAfterApply is a store whose Load fails once a change is written.
type loadFailsAfterApply struct {
	Store
	applied atomic.Bool
}

func (s *loadFailsAfterApply) Apply(ctx context.Context, ch Change) (uint64, error) {
	v, err := s.Store.Apply(ctx, ch)
	if err == nil {
		s.applied.Store(true)
	}
	return v, err
}

func (s *loadFailsAfterApply) Load(ctx context.Context) (State, error) {
	if s.applied.Load() {
		return State{}, errors.New("store unreachable")
	}
	return s.Store.Load(ctx)
}

// TestChangeCommittedIsSuccess: once the store has taken a write, Change
// reports success even if reading the new state back fails, so callers do
// not retry a change that is already live.
func TestChangeCommittedIsSuccess(t *testing.T) {
	mem := NewMemoryStore()
	c := newTestClient(t, seedModel(t), WithStore(&loadFailsAfterApply{Store: mem}))
	if err := c.Set(context.Background(), "new_ui", json.RawMessage(`{"active": false}`), "t", "kill"); err != nil {
		t.Fatalf("Set after a committed write = %v, want nil", err)
	}
	st, err := mem.Load(context.Background())
	if err != nil || string(st.Flags["new_ui"]) != `{"active":false}` {
		t.Fatalf("stored patch = %s, %v", st.Flags["new_ui"], err)
	}
}
