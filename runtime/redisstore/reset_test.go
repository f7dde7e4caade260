package redisstore_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/flaggen/flaggen/internal/redistest"
	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/redisstore"
	"github.com/flaggen/flaggen/runtime/store"
)

// TestDataLoss checks that, with restores turned off
// (WithRestoreOnDataLoss(false)), the kill switch keeps working after Redis
// lost the namespace's data, whose version then counts from 1 again: two
// runtime Clients over two stores recover (healthy), fall back to the
// spec, re-register the spec's flags, restore nothing, and follow changes
// made afterwards even when their versions are below the lost ones.
//
// After a crash the clients first recover (the dropped subscription makes
// each store resync), then the kill switch is used. A FLUSHALL drops no
// connection: the kill switch is used at once, before any periodic check
// noticed the loss, and must still reach both clients within 1s.
func TestDataLoss(t *testing.T) {
	for _, tc := range []struct {
		name         string
		lose         func(t *testing.T, srv *redistest.Server)
		recoverFirst bool
	}{
		{"CrashWithoutPersistence", func(t *testing.T, srv *redistest.Server) {
			srv.Crash()
			srv.Restart()
		}, true},
		{"FLUSHALL", func(t *testing.T, srv *redistest.Server) {
			if _, err := redistest.Do(srv.Addr(), "FLUSHALL"); err != nil {
				t.Fatal(err)
			}
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := redistest.Start(t)
			ctx := context.Background()
			logs := &syncBuffer{}
			s1 := newStore(t, srv.Addr(), redisstore.WithLogger(slog.New(slog.NewTextHandler(logs, nil))), redisstore.WithRestoreOnDataLoss(false))
			s2 := newStore(t, srv.Addr(), redisstore.WithRestoreOnDataLoss(false))
			c1, c2 := newRuntime(t, s1), newRuntime(t, s2)
			eval := func(c *runtime.Client, name string) bool { return c.Evaluate(ctx, name, nil) == true }

			// Live state before the loss: b on, then several more versions,
			// so that the old version is well above what follows the loss.
			for i := 0; i < 5; i++ {
				if err := c1.Set(ctx, "b", raw(`{"active":true}`), "ops", "launch"); err != nil {
					t.Fatal(err)
				}
			}
			waitFor(t, time.Second, "b on for both clients", func() bool { return eval(c1, "b") && eval(c2, "b") })
			before := mustLoad(t, s2).Version

			tc.lose(t, srv)

			// Both fall back to the spec (b off) and become healthy.
			recovered := func() bool {
				return c1.Health() == nil && c2.Health() == nil && s1.Health() == nil && s2.Health() == nil &&
					!eval(c1, "b") && !eval(c2, "b")
			}
			if tc.recoverFirst {
				d := waitFor(t, time.Second, "both clients healthy and back to the spec", recovered)
				t.Logf("recovered in %v", d)
			}

			// The kill switch: a write at a low version reaches both.
			start := time.Now()
			if err := c2.Set(ctx, "a", raw(`{"active":false}`), "ops", "kill switch"); err != nil {
				t.Fatal(err)
			}
			v := mustLoad(t, s2).Version
			if v >= before {
				t.Fatalf("version after the loss = %d, not below the lost %d: the test does not exercise a version going back", v, before)
			}
			waitFor(t, time.Second, "a off for both clients", func() bool { return !eval(c1, "a") && !eval(c2, "a") })
			t.Logf("version %d (lost: %d) reached both clients in %v", v, before, time.Since(start))
			waitFor(t, time.Second, "both clients healthy and back to the spec", recovered)
			// The spec's flags are registered again (flaggen ls lists them).
			rc := newClient(t, srv.Addr())
			waitFor(t, time.Second, "spec flags registered again", func() bool {
				n, err := rc.HLen(ctx, s1.Key("patches")).Result()
				return err == nil && n == 2
			})
			// And further changes, past the old version, keep arriving.
			for i := 0; i < int(before); i++ {
				if err := c2.Set(ctx, "b", raw(`{"active":true}`), "ops", "relaunch"); err != nil {
					t.Fatal(err)
				}
			}
			if err := c2.Change(ctx, runtime.Edit{Actor: "ops", Reason: "back on", Replace: true, Flags: map[string]json.RawMessage{"a": raw(`{}`)}}); err != nil {
				t.Fatal(err)
			}
			waitFor(t, time.Second, "a on and b on for both clients", func() bool {
				return eval(c1, "a") && eval(c2, "a") && eval(c1, "b") && eval(c2, "b")
			})
			if st1, st2 := mustLoad(t, s1), mustLoad(t, s2); st1.Version != st2.Version || st1.Version <= before {
				t.Fatalf("stores at versions %d and %d; want equal, past %d", st1.Version, st2.Version, before)
			}
			if l := logs.String(); !strings.Contains(l, "lost") || !strings.Contains(l, "old_epoch") {
				t.Fatalf("no warning about the lost live state in the log:\n%s", l)
			}
			if r := auditBy(t, s1, restoreActor); len(r) != 0 {
				t.Fatalf("restored with WithRestoreOnDataLoss(false): %+v", r)
			}
		})
	}
}

// TestStaleLoadKeepsMirror checks that within one epoch a full load that
// read an older version than the mirror's while a change raced it cannot
// move the mirror back, while a lower version read without a race (a
// failover to a replica that missed writes) or a load of a new epoch
// resets it.
func TestStaleLoadKeepsMirror(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	s := newStore(t, srv.Addr(), redisstore.WithCheckInterval(time.Hour))
	mustLoad(t, s)
	if _, err := s.Apply(ctx, store.Change{Actor: "t", Flags: map[string]json.RawMessage{"x": raw(`{"active":true}`)}}); err != nil {
		t.Fatal(err)
	}
	// A load that read version 1 completes after the mirror moved to 2.
	stale, err := s.FullLoadDelayed(ctx, func() {
		if _, err := s.Apply(ctx, store.Change{Actor: "t", Flags: map[string]json.RawMessage{"x": raw(`{"active":false}`)}}); err != nil {
			t.Error(err)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if stale.Version != 2 || string(stale.Flags["x"]) != `{"active":false}` {
		t.Fatalf("stale load returned %d %s; want the mirror's newer state (2, x off)", stale.Version, stale.Flags)
	}
	if st := mustLoad(t, s); st.Version != 2 || string(st.Flags["x"]) != `{"active":false}` {
		t.Fatalf("after a stale load: %d %s; want 2, x off", st.Version, st.Flags)
	}

	// Without a race, a lower version of the same epoch is what Redis
	// holds after a failover to a replica that missed writes: taken, under
	// a new epoch. Another epoch is taken too: Redis lost the data.
	rc := newClient(t, srv.Addr())
	rc.Set(ctx, s.Key("version"), 1, 0)
	rc.HSet(ctx, s.Key("patches"), "x", `{"active":true}`)
	if st, err := s.FullLoad(ctx); err != nil || st.Version != 1 || st.Epoch == stale.Epoch || string(st.Flags["x"]) != `{"active":true}` {
		t.Fatalf("after Redis went back to version 1 in epoch %q: %d %q %s, %v; want 1 in a new epoch, x on", stale.Epoch, st.Version, st.Epoch, st.Flags, err)
	}
	rc.Set(ctx, s.Key("epoch"), "another", 0)
	if st, err := s.FullLoad(ctx); err != nil || st.Version != 1 || st.Epoch != "another" || string(st.Flags["x"]) != `{"active":true}` {
		t.Fatalf("after a new epoch at version 1: %d %q %s, %v; want 1, another, x on", st.Version, st.Epoch, st.Flags, err)
	}
	if _, err := s.Apply(ctx, store.Change{Actor: "t", Flags: map[string]json.RawMessage{"y": raw(`{}`)}}); err != nil {
		t.Fatal(err)
	}
	if st := mustLoad(t, s); st.Version != 2 || string(st.Flags["x"]) != `{"active":true}` || st.Flags["y"] == nil {
		t.Fatalf("after a write at version 2: %d %s; want 2 with x on and y", st.Version, st.Flags)
	}
}
