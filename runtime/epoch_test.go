package runtime

import (
	"context"
	"encoding/json"
	"sync"
	"testing"

	"github.com/flaggen/flaggen/runtime/memstore"
	"github.com/flaggen/flaggen/runtime/store"
)

// epochStore serves a fixed State, replaced by the test.
type epochStore struct {
	store.Store
	mu sync.Mutex
	st store.State
}

func (s *epochStore) Load(ctx context.Context) (store.State, error) {
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
	backend := &epochStore{Store: memstore.New(), st: store.State{Version: 2, Epoch: "one", Flags: map[string]json.RawMessage{"a": json.RawMessage(`{"active":false}`)}}}
	c := newClient(t, s, WithStore(backend))
	ctx := context.Background()
	if got := c.Evaluate(ctx, "a", nil); got != false {
		t.Fatalf("a = %v at version 2 of epoch one; want false", got)
	}
	backend.mu.Lock()
	backend.st = store.State{Version: 2, Epoch: "two", Flags: map[string]json.RawMessage{"a": json.RawMessage(`{}`)}}
	backend.mu.Unlock()
	if err := c.reload(ctx); err != nil {
		t.Fatal(err)
	}
	if got := c.Evaluate(ctx, "a", nil); got != true {
		t.Fatalf("a = %v after version 2 of epoch two (a as in the spec); want true: the reload took it for the state it had", got)
	}
}

// applyRecorder is epochStore recording the Changes given to Apply.
type applyRecorder struct {
	*epochStore
	applied []store.Change
}

func (s *applyRecorder) Apply(ctx context.Context, ch store.Change) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.applied = append(s.applied, ch)
	return s.st.Version + 1, nil
}

// TestChangeCarriesEpoch: a live change is conditional on the epoch of the
// state it was prepared from as well as its version, so that it cannot
// land on a new epoch whose version came back to the same number.
func TestChangeCarriesEpoch(t *testing.T) {
	s, err := LoadSpec("flags.json", []byte(`{"flags": {"a": {"active": true}}}`))
	if err != nil {
		t.Fatal(err)
	}
	backend := &applyRecorder{epochStore: &epochStore{Store: memstore.New(), st: store.State{Version: 2, Epoch: "one", Flags: map[string]json.RawMessage{"a": json.RawMessage(`{}`)}}}}
	c := newClient(t, s, WithStore(backend))
	if err := c.Set(context.Background(), "a", json.RawMessage(`{"active":false}`), "ops", "kill"); err != nil {
		t.Fatal(err)
	}
	backend.mu.Lock()
	defer backend.mu.Unlock()
	if len(backend.applied) != 1 || backend.applied[0].IfVersion != 2 || backend.applied[0].IfEpoch != "one" {
		t.Fatalf("applied %+v; want one store.Change with IfVersion 2 and IfEpoch one", backend.applied)
	}
}
