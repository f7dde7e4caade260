package runtime

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
)

// epochStore serves a fixed State, replaced by the test.
type epochStore struct {
	Store
	mu sync.Mutex
	st State
}

func (s *epochStore) Load(ctx context.Context) (State, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st, nil
}

// TestReloadNewEpochSameVersion: a store that lost its data (a new epoch)
// may reach the version the Client last applied with other contents; the
// Client must apply it rather than take it for the state it has.
func TestReloadNewEpochSameVersion(t *testing.T) {
	s, err := LoadSpec("flags.json", []byte(`{"flags": {"a": {"active": true}}}`))
	if err != nil {
		t.Fatal(err)
	}
	store := &epochStore{Store: NewMemoryStore(), st: State{Version: 2, Epoch: "one", Flags: map[string]json.RawMessage{"a": json.RawMessage(`{"active":false}`)}}}
	c := newClient(t, s, WithStore(store))
	ctx := context.Background()
	if got := c.Evaluate(ctx, "a", nil); got != false {
		t.Fatalf("a = %v at version 2 of epoch one; want false", got)
	}
	store.mu.Lock()
	store.st = State{Version: 2, Epoch: "two", Flags: map[string]json.RawMessage{"a": json.RawMessage(`{}`)}}
	store.mu.Unlock()
	if err := c.reload(ctx); err != nil {
		t.Fatal(err)
	}
	if got := c.Evaluate(ctx, "a", nil); got != true {
		t.Fatalf("a = %v after version 2 of epoch two (a as in the spec); want true: the reload took it for the state it had", got)
	}
}
