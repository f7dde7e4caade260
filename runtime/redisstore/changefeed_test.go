package redisstore_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/flaggen/flaggen/internal/redistest"
	"github.com/flaggen/flaggen/runtime/redisstore"
	"github.com/flaggen/flaggen/runtime/store"
)

var _ store.ChangeFeed = (*redisstore.Store)(nil)

// TestChangesSince: the store tells the changes since any state its mirror
// went through one version at a time (the latest patch of each changed
// flag, nil for a deleted entry), and says it cannot after a full reload
// moved the mirror, for another epoch, or a version it does not know.
func TestChangesSince(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	s := newStore(t, srv.Addr(), redisstore.WithCheckInterval(time.Hour))
	writer := newStore(t, srv.Addr())
	if err := s.Register(ctx, map[string]json.RawMessage{"a": raw(`{}`), "b": raw(`{}`), "c": raw(`{}`)}); err != nil {
		t.Fatal(err)
	}
	from, st0 := awaitFollowing(t, s, writer)
	for _, ch := range []map[string]json.RawMessage{
		{"a": raw(`{"active":false}`)},
		{"b": raw(`{"active":true}`), "a": raw(`{"active":true}`)},
		{"c": nil},
	} {
		if _, err := writer.Apply(ctx, store.Change{Actor: "t", Flags: ch}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, time.Second, "the mirror at the last write", func() bool {
		got, ok := s.ChangesSince(st0.Version, st0.Epoch)
		return ok && got.Version == st0.Version+3
	})
	got, ok := s.ChangesSince(st0.Version, st0.Epoch)
	if !ok || got.Version != st0.Version+3 || got.Epoch != st0.Epoch || len(got.Flags) != 3 ||
		string(got.Flags["a"]) != `{"active":true}` || string(got.Flags["b"]) != `{"active":true}` || got.Flags["c"] != nil {
		t.Fatalf("ChangesSince(%d) = %+v, %v", st0.Version, got, ok)
	}
	if got, ok := s.ChangesSince(st0.Version+2, st0.Epoch); !ok || len(got.Flags) != 1 {
		t.Fatalf("ChangesSince(last but one) = %+v, %v", got, ok)
	}
	if got, ok := s.ChangesSince(st0.Version+3, st0.Epoch); !ok || len(got.Flags) != 0 || got.Version != st0.Version+3 {
		t.Fatalf("ChangesSince(current) = %+v, %v", got, ok)
	}
	for _, tc := range []struct {
		v uint64
		e string
	}{{st0.Version + 4, st0.Epoch}, {st0.Version, "another epoch"}, {from.Version - 1, st0.Epoch}} {
		if _, ok := s.ChangesSince(tc.v, tc.e); ok {
			t.Errorf("ChangesSince(%d, %q) answered", tc.v, tc.e)
		}
	}
	// A change the mirror did not see as a message: the full reload that
	// heals it forgets the changes before it.
	rc := newClient(t, srv.Addr())
	rc.HSet(ctx, s.Key("patches"), "a", `{}`)
	rc.Incr(ctx, s.Key("version"))
	st := mustLoad(t, s)
	if _, ok := s.ChangesSince(st0.Version, st0.Epoch); ok {
		t.Error("ChangesSince answered across a full reload")
	}
	if got, ok := s.ChangesSince(st.Version, st.Epoch); !ok || len(got.Flags) != 0 {
		t.Errorf("ChangesSince(reloaded state) = %+v, %v", got, ok)
	}
	srv.Stop()
	waitFor(t, time.Second, "degraded", func() bool { return s.Health() != nil })
	if _, ok := s.ChangesSince(st.Version, st.Epoch); ok {
		t.Error("ChangesSince answered while degraded")
	}
}

// awaitFollowing waits until s follows change messages and returns the
// state its change history answers from (from) and the mirror's (now). A store's start (the
// full load after it subscribes) and a Load that meets Redis ahead of the
// mirror reload in full, which clears the history ChangesSince answers
// from; once the message of another store's probe write has been applied
// on top of the mirror with no Load in between, later messages extend the
// history.
func awaitFollowing(t *testing.T, s, writer *redisstore.Store) (from, now store.State) {
	t.Helper()
	ctx := t.Context()
	w, err := s.Watch(ctx) // subscribed when it returns: every change s applies from now on wakes it
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.After(5 * time.Second)
	for {
		st := mustLoad(t, s)
		probe, err := writer.Apply(ctx, store.Change{Actor: "t", Flags: map[string]json.RawMessage{"zz_probe": raw(`{}`)}})
		if err != nil {
			t.Fatal(err)
		}
		// Until the probe's message reaches s's mirror, or a full reload of
		// the mirror clears the history from st (then: again).
		for {
			got, ok := s.ChangesSince(st.Version, st.Epoch)
			if ok && got.Version >= probe {
				return store.State{Version: st.Version, Epoch: st.Epoch}, store.State{Version: got.Version, Epoch: st.Epoch}
			}
			if !ok {
				break
			}
			select {
			case <-w:
			case <-deadline:
				t.Fatalf("the store does not follow messages (ChangesSince from %d never reached the probe at %d)", st.Version, probe)
			}
		}
	}
}
