package runtime

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/flaggen/flaggen/runtime/memstore"
	"github.com/flaggen/flaggen/runtime/store"
)

// reportingStore is a memory store that reports its own health.
type reportingStore struct {
	*memstore.Store
	err atomic.Pointer[error]
}

func (s *reportingStore) Health() error {
	if p := s.err.Load(); p != nil {
		return *p
	}
	return nil
}

// TestHealthFromStore: Client.Health reports the store's own Health error
// (e.g. only the change subscription down) as soon as the store knows,
// without waiting for a failed exchange, and through a ReadOnly view too.
func TestHealthFromStore(t *testing.T) {
	s := loadTestSpec(t, "../testdata/seed/flags.json")
	st := &reportingStore{Store: memstore.New()}
	c, err := NewClient(s, WithStore(st), WithLogger(quietLogger))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ro, err := NewClient(s, WithStore(store.ReadOnly(st)), WithLogger(quietLogger))
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if c.Health() != nil || ro.Health() != nil {
		t.Fatalf("health %v, %v; want nil", c.Health(), ro.Health())
	}
	before := c.Evaluate(context.Background(), "new_ui", nil)
	down := errors.New("change subscription down: connection refused")
	st.err.Store(&down)
	if !errors.Is(c.Health(), down) || !errors.Is(ro.Health(), down) {
		t.Errorf("health %v, %v; want the store's %v", c.Health(), ro.Health(), down)
	}
	if c.Evaluate(context.Background(), "new_ui", nil) != before {
		t.Error("evaluation changed")
	}
	st.err.Store(nil)
	if c.Health() != nil {
		t.Errorf("health %v after the store recovered", c.Health())
	}
}
