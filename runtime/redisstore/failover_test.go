package redisstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/flaggen/flaggen/internal/redistest"
	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/redisstore"
	"github.com/flaggen/flaggen/runtime/store"
)

// TestIfEpochConflict checks that a compare-and-set prepared in one epoch
// is refused once Redis lost the namespace's data, even when the new
// epoch's version came back to the one the change was prepared at (s does
// not restore its state, which would move the version past it).
func TestIfEpochConflict(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	s := newStore(t, srv.Addr(), redisstore.WithRestoreOnDataLoss(false))
	for _, p := range []string{`{"active":true}`, `{"active":false}`} {
		if _, err := s.Apply(ctx, store.Change{Actor: "t", Flags: map[string]json.RawMessage{"x": raw(p)}}); err != nil {
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
	for _, p := range []string{`{"active":true}`, `{"percentage_rollout":50}`} {
		if _, err := other.Apply(ctx, store.Change{Actor: "t", Flags: map[string]json.RawMessage{"y": raw(p)}}); err != nil {
			t.Fatal(err)
		}
	}
	cur := mustLoad(t, other)
	if cur.Version != old.Version || cur.Epoch == old.Epoch {
		t.Fatalf("after the loss: version %d, epoch %q; want %d in another epoch than %q", cur.Version, cur.Epoch, old.Version, old.Epoch)
	}

	_, err := s.Apply(ctx, store.Change{IfVersion: old.Version, IfEpoch: old.Epoch, Actor: "t", Flags: map[string]json.RawMessage{"x": raw(`{"active":true}`)}})
	if !errors.Is(err, store.ErrConflict) {
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
	if _, err := s.Apply(ctx, store.Change{IfEpoch: cur.Epoch, Actor: "t", Flags: map[string]json.RawMessage{"x": raw(`{}`)}}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a change of epoch %q to a namespace without one: err %v, want ErrConflict", cur.Epoch, err)
	}
	now := mustLoad(t, other)
	if _, err := s.Apply(ctx, store.Change{IfVersion: now.Version, IfEpoch: now.Epoch, Actor: "t", Flags: map[string]json.RawMessage{"x": raw(`{}`)}}); err != nil {
		t.Fatalf("a change prepared at the current state (%d, %q): %v", now.Version, now.Epoch, err)
	}
}

// nsKeys are the keys of a namespace's live state that a replica holds.
var nsKeys = []string{"patches", "version", "epoch", "lastchange"}

// snapshot DUMPs s's namespace's live-state keys ("" for an absent key).
func snapshot(t *testing.T, rc redis.UniversalClient, s *redisstore.Store) map[string]string {
	t.Helper()
	snap := map[string]string{}
	for _, k := range nsKeys {
		v, err := rc.Dump(context.Background(), s.Key(k)).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			t.Fatal(err)
		}
		snap[k] = v
	}
	return snap
}

// restore puts a snapshot back in one MULTI (absent keys are deleted) and
// publishes nothing: the state of a replica promoted by a failover.
func restore(t *testing.T, rc redis.UniversalClient, s *redisstore.Store, snap map[string]string) {
	t.Helper()
	ctx := context.Background()
	_, err := rc.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range nsKeys {
			if snap[k] == "" {
				p.Del(ctx, s.Key(k))
			} else {
				p.RestoreReplace(ctx, s.Key(k), 0, snap[k])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// every returns whether flag name evaluates to want on every client.
func every(clients []*runtime.Client, name string, want bool) func() bool {
	return func() bool {
		for _, c := range clients {
			if (c.Evaluate(context.Background(), name, nil) == true) != want {
				return false
			}
		}
		return true
	}
}

// missWrites turns b on through clients[0] and snapshots the live state
// there (what a replica holds), then writes b off three times (the writes
// the replica misses) and returns the snapshot and the state after them.
func missWrites(t *testing.T, clients []*runtime.Client, rc redis.UniversalClient, s *redisstore.Store) (map[string]string, store.State) {
	t.Helper()
	ctx := context.Background()
	if err := clients[0].Set(ctx, "b", raw(`{"active":true}`), "ops", "launch"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, time.Second, "b on everywhere", every(clients, "b", true))
	snap := snapshot(t, rc, s)
	for range 3 {
		if err := clients[0].Set(ctx, "b", raw(`{"active":false}`), "ops", "roll back"); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, time.Second, "b off everywhere", every(clients, "b", false))
	return snap, mustLoad(t, s)
}

// TestFailoverToStaleReplica checks that runtime Clients follow Redis to a
// replica that missed writes (same epoch, lower version, no message): each
// store finds it by itself within its check interval, or at the next
// write, logs it once, and the kill switch written afterwards takes effect
// everywhere although its version is not above the lost ones; also when
// the replica's version came back to the lost one with other contents.
func TestFailoverToStaleReplica(t *testing.T) {
	const check = 200 * time.Millisecond
	for _, tc := range []struct {
		name string
		// failover replaces the live state with snap, the state before the
		// writes the replica missed, or a later state of it.
		failover func(t *testing.T, rc redis.UniversalClient, s *redisstore.Store, snap map[string]string, lost uint64)
		// killAtOnce writes the kill switch before any check can run.
		killAtOnce bool
	}{
		{"LowerVersion", func(t *testing.T, rc redis.UniversalClient, s *redisstore.Store, snap map[string]string, lost uint64) {
			restore(t, rc, s, snap)
		}, false},
		{"LowerVersionKillAtOnce", func(t *testing.T, rc redis.UniversalClient, s *redisstore.Store, snap map[string]string, lost uint64) {
			restore(t, rc, s, snap)
		}, true},
		{"EqualVersion", func(t *testing.T, rc redis.UniversalClient, s *redisstore.Store, snap map[string]string, lost uint64) {
			// The replica, on its own server, takes writes up to the lost
			// version: b on again, unseen by the apps.
			replica := redistest.Start(t)
			rrc := newClient(t, replica.Addr())
			restore(t, rrc, s, snap)
			w := newStore(t, replica.Addr(), redisstore.WithNamespace(s.Namespace()))
			for v := uint64(0); v < lost; {
				var err error
				if v, err = w.Apply(context.Background(), store.Change{Actor: "t", Flags: map[string]json.RawMessage{"b": raw(`{"active":true}`)}}); err != nil {
					t.Fatal(err)
				}
			}
			restore(t, rc, s, snapshot(t, rrc, s))
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := redistest.Start(t)
			ctx := context.Background()
			rc := newClient(t, srv.Addr())
			var stores []*redisstore.Store
			var clients []*runtime.Client
			var logs []*syncBuffer
			for range 3 {
				l := &syncBuffer{}
				s := newStore(t, srv.Addr(), redisstore.WithCheckInterval(check), redisstore.WithLogger(slog.New(slog.NewTextHandler(l, nil))))
				stores, clients, logs = append(stores, s), append(clients, newRuntime(t, s)), append(logs, l)
			}
			snap, lost := missWrites(t, clients, rc, stores[0])

			tc.failover(t, rc, stores[0], snap, lost.Version)
			start := time.Now()
			if !tc.killAtOnce {
				d := waitFor(t, 2*check, "b on everywhere (the replica's state)", every(clients, "b", true))
				t.Logf("every client took the replica's state %v after the failover (check interval %v)", d, check)
			}
			if err := clients[1].Set(ctx, "a", raw(`{"active":false}`), "ops", "kill switch"); err != nil {
				t.Fatal(err)
			}
			st := mustLoad(t, stores[1])
			if st.Version > lost.Version+1 || st.Epoch == lost.Epoch {
				t.Fatalf("kill switch at version %d of epoch %q; want at most %d (the lost version %d + 1), in a new epoch", st.Version, st.Epoch, lost.Version+1, lost.Version)
			}
			waitFor(t, time.Second, "a off and b on everywhere", func() bool { return every(clients, "a", false)() && every(clients, "b", true)() })
			t.Logf("kill switch at version %d (lost: %d) everywhere %v after the failover", st.Version, lost.Version, time.Since(start))
			for i, s := range stores {
				if _, ok := s.ChangesSince(lost.Version, lost.Epoch); ok {
					t.Errorf("store %d: ChangesSince(%d, %q) answered across the failover", i, lost.Version, lost.Epoch)
				}
				if got := mustLoad(t, s); got.Version != st.Version || got.Epoch != st.Epoch {
					t.Errorf("store %d at %d %q; want %d %q", i, got.Version, got.Epoch, st.Version, st.Epoch)
				}
			}

			// Each store logged the failover once: a store that only took
			// the lost changes from messages, never confirmed by a read of
			// Redis, cannot tell a failover from forged messages and says
			// that Redis does not confirm them.
			for i, l := range logs {
				out := l.String()
				if n := strings.Count(out, "failed over to a replica that missed writes") + strings.Count(out, "does not confirm the change messages"); n != 1 || strings.Contains(out, "old_epoch=") {
					t.Errorf("store %d logged %d failovers (want 1) or a data loss:\n%s", i, n, out)
				}
			}
			// A failover is no data loss: nothing is restored over it.
			if r := auditBy(t, stores[0], restoreActor); len(r) != 0 {
				t.Errorf("restored over a failover: %+v", r)
			}

			// Later changes keep arriving.
			if err := clients[2].Set(ctx, "b", raw(`{"active":false}`), "ops", "off again"); err != nil {
				t.Fatal(err)
			}
			waitFor(t, time.Second, "b off everywhere", every(clients, "b", false))
		})
	}
}

// TestFailoverSeenInMessages: stores whose periodic check is far off
// follow a failover to a replica that missed writes as soon as a change of
// the replica's history reaches them, though its version is below theirs
// and its writer (started after the failover) noticed nothing.
func TestFailoverSeenInMessages(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	rc := newClient(t, srv.Addr())
	s1 := newStore(t, srv.Addr(), redisstore.WithCheckInterval(time.Hour))
	s2 := newStore(t, srv.Addr(), redisstore.WithCheckInterval(time.Hour))
	clients := []*runtime.Client{newRuntime(t, s1), newRuntime(t, s2)}
	snap, st := missWrites(t, clients, rc, s1)
	lost := st.Version

	restore(t, rc, s1, snap)
	w := newStore(t, srv.Addr(), redisstore.WithCheckInterval(time.Hour))
	v, err := w.Apply(ctx, store.Change{Actor: "ops", Reason: "kill switch", Flags: map[string]json.RawMessage{"a": raw(`{"active":false}`)}})
	if err != nil {
		t.Fatal(err)
	}
	if v >= lost {
		t.Fatalf("kill switch at version %d, not below the lost %d", v, lost)
	}
	d := waitFor(t, time.Second, "a off and b on for both", func() bool { return every(clients, "a", false)() && every(clients, "b", true)() })
	t.Logf("kill switch at version %d (lost: %d) reached both in %v", v, lost, d)
}

// TestOldReleaseWriter: writes of an earlier release, which set no last
// change id (the key keeps the id of an earlier write) and publish none,
// mixed with this release's, are no history change.
func TestOldReleaseWriter(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	rc := newClient(t, srv.Addr())
	logs := &syncBuffer{}
	log := redisstore.WithLogger(slog.New(slog.NewTextHandler(logs, nil)))
	s1 := newStore(t, srv.Addr(), redisstore.WithCheckInterval(20*time.Millisecond), log)
	s2 := newStore(t, srv.Addr(), redisstore.WithCheckInterval(20*time.Millisecond), log)
	apply := func(s *redisstore.Store, flag, p string) {
		t.Helper()
		if _, err := s.Apply(ctx, store.Change{Actor: "t", Flags: map[string]json.RawMessage{flag: raw(p)}}); err != nil {
			t.Fatal(err)
		}
	}
	// oldWrite is what the earlier release's script does.
	oldWrite := func(flag, p string, publish bool) {
		t.Helper()
		rc.HSet(ctx, s1.Key("patches"), flag, p)
		v := rc.Incr(ctx, s1.Key("version")).Val()
		if publish {
			msg := `{"v":` + strconv.FormatInt(v, 10) + `,"e":"` + rc.Get(ctx, s1.Key("epoch")).Val() + `","f":{"` + flag + `":` + p + `}}`
			rc.Publish(ctx, s1.Key("changes"), msg)
		}
	}
	inStep := func(v uint64) func() bool {
		return func() bool {
			a, b := mustLoad(t, s1), mustLoad(t, s2)
			return a.Version == v && b.Version == v
		}
	}
	apply(s1, "x", `{"active":true}`)
	epoch := mustLoad(t, s1).Epoch
	oldWrite("x", `{"active":false}`, true)
	waitFor(t, time.Second, "both at 2", inStep(2))
	s1.Check(ctx) // the periodic checks compare
	s2.Check(ctx)
	apply(s2, "y", `{}`)
	waitFor(t, time.Second, "both at 3", inStep(3))
	oldWrite("x", `{}`, false)
	waitFor(t, time.Second, "both at 4", inStep(4))
	apply(s1, "z", `{}`)
	waitFor(t, time.Second, "both at 5", inStep(5))
	s1.Check(ctx)
	s2.Check(ctx)
	for i, s := range []*redisstore.Store{s1, s2} {
		if st := mustLoad(t, s); st.Version != 5 || st.Epoch != epoch || string(st.Flags["x"]) != `{}` || st.Flags["y"] == nil || st.Flags["z"] == nil {
			t.Errorf("store %d: %d %q %s; want 5 in epoch %q with x {}, y and z", i+1, st.Version, st.Epoch, st.Flags, epoch)
		}
	}
	if l := logs.String(); strings.Contains(l, "old_epoch") || strings.Contains(l, "failed over") {
		t.Fatalf("a history change was logged:\n%s", l)
	}
}

// TestIfVersionOtherHistory: a change prepared at a version the mirror
// holds is refused when Redis reached that version by other changes (a
// failover the store has not noticed yet), and passes once it is prepared
// from the state the store then loads.
func TestIfVersionOtherHistory(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	s := newStore(t, srv.Addr(), redisstore.WithCheckInterval(time.Hour))
	if _, err := s.Apply(ctx, store.Change{Actor: "t", Flags: map[string]json.RawMessage{"x": raw(`{"active":true}`)}}); err != nil {
		t.Fatal(err)
	}
	st := mustLoad(t, s)
	rc := newClient(t, srv.Addr())
	rc.Set(ctx, s.Key("lastchange"), "another", 0) // the same version, reached by another change
	_, err := s.Apply(ctx, store.Change{IfVersion: st.Version, IfEpoch: st.Epoch, Actor: "t", Flags: map[string]json.RawMessage{"x": raw(`{}`)}})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a change prepared at version %d of another history: err %v, want ErrConflict", st.Version, err)
	}
	now := mustLoad(t, s)
	if now.Version != st.Version || now.Epoch == st.Epoch {
		t.Fatalf("after the other history: %d %q; want %d in another reported epoch than %q", now.Version, now.Epoch, st.Version, st.Epoch)
	}
	// The store refuses a change of the epoch it reported before.
	if _, err := s.Apply(ctx, store.Change{IfVersion: st.Version, IfEpoch: st.Epoch, Actor: "t", Flags: map[string]json.RawMessage{"x": raw(`{}`)}}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a change of the epoch reported before: err %v, want ErrConflict", err)
	}
	if _, err := s.Apply(ctx, store.Change{IfVersion: now.Version, IfEpoch: now.Epoch, Actor: "t", Flags: map[string]json.RawMessage{"x": raw(`{}`)}}); err != nil {
		t.Fatalf("a change prepared from the state loaded now: %v", err)
	}
}
