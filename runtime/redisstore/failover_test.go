package redisstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/flaggen/flaggen/internal/redistest"
	"github.com/flaggen/flaggen/runtime"
)

// TestIfEpochConflict checks that a compare-and-set prepared in one epoch
// is refused once Redis lost the namespace's data, even when the new
// epoch's version came back to the one the change was prepared at.
func TestIfEpochConflict(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	s := newStore(t, srv.Addr())
	for _, p := range []string{`{"active":true}`, `{"active":false}`} {
		if _, err := s.Apply(ctx, runtime.Change{Actor: "t", Flags: map[string]json.RawMessage{"x": raw(p)}}); err != nil {
			t.Fatal(err)
		}
	}
	old := mustLoad(t, s)
	if old.Version != 2 || old.Epoch == "" {
		t.Fatalf("before the loss: version %d, epoch %q; want 2 and an epoch", old.Version, old.Epoch)
	}

	if _, err := redistest.Do(srv.Addr(), "FLUSHALL"); err != nil {
		t.Fatal(err)
	}
	// Another instance writes twice: the new epoch is at version 2 again.
	other := newStore(t, srv.Addr())
	for _, p := range []string{`{"active":true}`, `{"tag":"new"}`} {
		if _, err := other.Apply(ctx, runtime.Change{Actor: "t", Flags: map[string]json.RawMessage{"y": raw(p)}}); err != nil {
			t.Fatal(err)
		}
	}
	cur := mustLoad(t, other)
	if cur.Version != old.Version || cur.Epoch == old.Epoch {
		t.Fatalf("after the loss: version %d, epoch %q; want %d in another epoch than %q", cur.Version, cur.Epoch, old.Version, old.Epoch)
	}

	_, err := s.Apply(ctx, runtime.Change{IfVersion: old.Version, IfEpoch: old.Epoch, Actor: "t", Flags: map[string]json.RawMessage{"x": raw(`{"active":true}`)}})
	if !errors.Is(err, runtime.ErrConflict) {
		t.Fatalf("a change prepared at version %d of the lost epoch: err %v, want ErrConflict", old.Version, err)
	}
	t.Logf("refused: %v", err)
	if st := mustLoad(t, other); st.Version != cur.Version || st.Flags["x"] != nil {
		t.Fatalf("the refused change wrote something: %d %s", st.Version, st.Flags)
	}

	// Without an epoch key (flushed again) a change of any epoch is refused
	// too; the current epoch passes.
	if _, err := redistest.Do(srv.Addr(), "DEL", other.Key("epoch")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Apply(ctx, runtime.Change{IfEpoch: cur.Epoch, Actor: "t", Flags: map[string]json.RawMessage{"x": raw(`{}`)}}); !errors.Is(err, runtime.ErrConflict) {
		t.Fatalf("a change of epoch %q to a namespace without one: err %v, want ErrConflict", cur.Epoch, err)
	}
	now := mustLoad(t, other)
	if _, err := s.Apply(ctx, runtime.Change{IfVersion: now.Version, IfEpoch: now.Epoch, Actor: "t", Flags: map[string]json.RawMessage{"x": raw(`{}`)}}); err != nil {
		t.Fatalf("a change prepared at the current state (%d, %q): %v", now.Version, now.Epoch, err)
	}
}
