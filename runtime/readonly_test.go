package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/flaggen/flaggen/runtime/memstore"
	"github.com/flaggen/flaggen/runtime/store"
)

// readOnlySpec is the spec of TestReadOnly.
const readOnlySpec = `{"flags": {"a": {"active": true}, "b": {"active": true}}}`

func TestReadOnly(t *testing.T) {
	s, err := LoadSpec("flags.json", []byte(readOnlySpec))
	if err != nil {
		t.Fatal(err)
	}
	mem := memstore.New()
	defer mem.Close()
	ro := store.ReadOnly(mem)
	c, err := NewClient(s, WithStore(ro), WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if st, _ := mem.Load(ctx); st.Version != 0 || len(st.Flags) != 0 {
		t.Errorf("a Client over a read-only store registered flags: %+v", st)
	}
	c.Evaluate(ctx, "nope", nil) // an unknown name is not recorded either
	if err := c.Set(ctx, "a", json.RawMessage(`{"active":false}`), "op", ""); !errors.Is(err, store.ErrReadOnly) {
		t.Errorf("Set through a read-only store: %v", err)
	}
	if st, _ := mem.Load(ctx); st.Version != 0 || len(st.Flags) != 0 {
		t.Errorf("the read-only store was written: %+v", st)
	}
	// Reads go through: a change made elsewhere is seen.
	if _, err := mem.Apply(ctx, store.Change{Actor: "op", Flags: map[string]json.RawMessage{"a": json.RawMessage(`{"active":false}`)}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return c.Evaluate(ctx, "a", nil) == false })
	if got := s.CloseFlags("aa"); len(got) == 0 || got[0] != "a" {
		t.Errorf("CloseFlags(aa) = %v", got)
	}
}
