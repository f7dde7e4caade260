package redisstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/flaggen/flaggen/internal/redistest"
	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/redisstore"
	"github.com/flaggen/flaggen/runtime/store"
)

// restoreActor prefixes the actor of a restore's audit entry.
const restoreActor = "flaggen-restore@"

// auditBy returns the namespace's audit entries whose actor starts with
// prefix, newest first.
func auditBy(t *testing.T, s *redisstore.Store, prefix string) []store.AuditEntry {
	t.Helper()
	all, err := s.Audit(context.Background(), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []store.AuditEntry
	for _, e := range all {
		if strings.HasPrefix(e.Actor, prefix) {
			out = append(out, e)
		}
	}
	return out
}

// TestKillSwitchSurvivesDataLoss kills Redis (or flushes it) under load,
// three instances evaluating and two of them writing, and checks that the
// kill switch stays engaged on every instance throughout (not once seen
// off its live state), that exactly one restore is audited, naming an
// instance and the version it held, and that a later operator write is not
// undone, even by a late restore from a higher version.
func TestKillSwitchSurvivesDataLoss(t *testing.T) {
	for _, tc := range []struct {
		name string
		lose func(t *testing.T, srv *redistest.Server)
	}{
		{"CrashWithoutPersistence", func(t *testing.T, srv *redistest.Server) { srv.Crash(); srv.Restart() }},
		{"FLUSHALL", func(t *testing.T, srv *redistest.Server) {
			if _, err := redistest.Do(srv.Addr(), "FLUSHALL"); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := redistest.Start(t)
			ctx := context.Background()
			var stores []*redisstore.Store
			var clients []*runtime.Client
			for range 3 {
				s := newStore(t, srv.Addr())
				stores = append(stores, s)
				clients = append(clients, newRuntime(t, s))
			}
			// The kill switch, then more versions.
			if err := clients[0].Set(ctx, "a", raw(`{"active":false}`), "ops", "kill switch"); err != nil {
				t.Fatal(err)
			}
			for i := range 4 {
				if err := clients[1].Set(ctx, "b", raw(fmt.Sprintf(`{"active":true,"percentage_rollout":%d}`, 10+i)), "ops", "ramp"); err != nil {
					t.Fatal(err)
				}
			}
			waitFor(t, time.Second, "a off and b at 13% on every instance", func() bool {
				for _, s := range stores {
					if st := mustLoad(t, s); string(st.Flags["b"]) != `{"active":true,"percentage_rollout":13}` {
						return false
					}
				}
				return every(clients, "a", false)()
			})
			held := mustLoad(t, stores[0])

			// Load: every instance evaluates a without pause; two write b.
			stop := make(chan struct{})
			var wg sync.WaitGroup
			var seenOn, evals, writes atomic.Int64
			for _, c := range clients {
				wg.Go(func() {
					for {
						select {
						case <-stop:
							return
						default:
						}
						if c.Evaluate(ctx, "a", nil) == true {
							seenOn.Add(1)
						}
						evals.Add(1)
						time.Sleep(100 * time.Microsecond) // pacing: leave the CPUs to Redis too
					}
				})
			}
			for i, c := range clients[1:] {
				wg.Go(func() {
					for n := 0; ; n++ {
						select {
						case <-stop:
							return
						default:
						}
						wctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
						err := c.Set(wctx, "b", raw(fmt.Sprintf(`{"active":true,"percentage_rollout":%d}`, 20+i*40+n%40)), "writer", "load")
						cancel()
						if err == nil {
							writes.Add(1)
						} else {
							time.Sleep(10 * time.Millisecond) // pacing while Redis is down
						}
					}
				})
			}
			t.Cleanup(func() {
				select {
				case <-stop:
				default:
					close(stop)
				}
				wg.Wait()
			})
			waitFor(t, time.Second, "writes before the loss", func() bool { return writes.Load() >= 5 })

			tc.lose(t, srv)
			lost := writes.Load()
			d := waitFor(t, 5*time.Second, "a restore audited, every instance healthy and in step, and writes going on", func() bool {
				if len(auditBy(t, stores[0], restoreActor)) == 0 || writes.Load() < lost+5 {
					return false
				}
				st, err := stores[0].FullLoad(ctx)
				if err != nil {
					return false
				}
				for i, s := range stores {
					if s.Health() != nil || clients[i].Health() != nil || mustLoad(t, s).Epoch != st.Epoch {
						return false
					}
				}
				return true
			})
			close(stop)
			wg.Wait()
			t.Logf("restored and writing again %v after the loss; %d evaluations, %d writes", d, evals.Load(), writes.Load())
			if n := seenOn.Load(); n != 0 {
				t.Fatalf("the kill switch was off (a on) in %d of %d evaluations", n, evals.Load())
			}
			if !every(clients, "a", false)() {
				t.Fatal("a is on after the restore")
			}
			// One restore, or more when an instance that held a later
			// version of the lost epoch (the writers' last change) came
			// after another's restore: the later version replaces the
			// earlier one's, as designed (doc.go, "Data loss"). Each names
			// an instance of the test and the version it restored, newer
			// entries from later versions; the first wrote the kill
			// switch back.
			restores := auditBy(t, stores[0], restoreActor) // newest first
			if len(restores) == 0 || len(restores) > len(stores) {
				t.Fatalf("%d restore entries, want 1 to %d: %+v", len(restores), len(stores), restores)
			}
			for i, r := range restores {
				inst := strings.TrimPrefix(r.Actor, restoreActor)
				named := false
				for _, s := range stores {
					named = named || s.Instance() == inst
				}
				// The restore is the version after the one restored, which
				// the writers took past the one held before the load began.
				want := "restored live state version " + strconv.FormatUint(r.Version-1, 10) + " "
				if !named || !strings.Contains(r.Reason, want) || !strings.Contains(r.Reason, "from instance "+inst) {
					t.Fatalf("restore entry %q / %q: want an instance of the test's and %q", r.Actor, r.Reason, want)
				}
				if i > 0 && restores[i-1].Version <= r.Version {
					t.Fatalf("restore entries %+v: a later one not from a later version", restores)
				}
			}
			if first := restores[len(restores)-1]; string(first.Flags["a"]) != `{"active":false}` {
				t.Fatalf("restore entry wrote a = %s, want the kill switch", first.Flags["a"])
			}
			r := restores[0]
			if r.Version <= held.Version+1 {
				t.Fatalf("restore at version %d, want past %d (held before the writers began)", r.Version, held.Version)
			}

			// A later operator write stands, even against a late restore
			// from a higher version of the lost epoch, which writes only
			// what no one wrote since the loss (here c; b is the
			// writers').
			if err := clients[2].Set(ctx, "a", raw(`{"active":true}`), "ops", "fixed"); err != nil {
				t.Fatal(err)
			}
			waitFor(t, time.Second, "a on everywhere", every(clients, "a", true))
			rc := newClient(t, srv.Addr())
			b := patchOf(t, rc, stores[0], "b")
			late := map[string]json.RawMessage{"a": raw(`{"active":false}`), "b": raw(`{"active":false}`), "c": raw(`{"active":true}`)}
			if got, err := stores[1].RestoreFrom(ctx, held.Epoch, r.Version+10, late); err != nil || got != "RESTORED" {
				t.Fatalf("a late restore from a higher version: %q, %v; want RESTORED", got, err)
			}
			if c := patchOf(t, rc, stores[0], "c"); c != `{"active":true}` || patchOf(t, rc, stores[0], "b") != b {
				t.Fatalf("a late restore: c %s (want restored), b %s (want the writers' %s)", c, patchOf(t, rc, stores[0], "b"), b)
			}
			if !every(clients, "a", true)() || patchOf(t, rc, stores[0], "a") != `{"active":true}` {
				t.Fatal("a late restore undid the operator's write of a")
			}
			for _, s := range stores {
				if _, err := s.FullLoad(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if n := len(auditBy(t, stores[0], restoreActor)); !every(clients, "a", true)() || n != len(restores)+1 {
				t.Fatalf("a store restored again after the operator's write: %d restore entries, want %d (the late one added)", n, len(restores)+1)
			}
		})
	}
}

// TestRestoreRules runs the restore script against each state of a
// namespace: the highest version wins, flags written since the loss are
// kept, registered defaults are replaced, a reset by an operator and a
// surviving audit trail are respected, and the mirror's own epoch is no
// loss.
func TestRestoreRules(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	// s drives the script by hand: it must not restore its own mirror.
	s := newStore(t, srv.Addr(), redisstore.WithCheckInterval(time.Hour), redisstore.WithRestoreOnDataLoss(false))
	rc := newClient(t, srv.Addr())
	held := map[string]json.RawMessage{"a": raw(`{"active":false}`), "b": raw(`{"active":true}`)}
	restoreFrom := func(epoch string, version uint64, flags map[string]json.RawMessage, want string) {
		t.Helper()
		got, err := s.RestoreFrom(ctx, epoch, version, flags)
		if err != nil || got != want {
			t.Fatalf("restore from %s version %d: %q, %v; want %q", epoch, version, got, err, want)
		}
	}
	patch := func(name string) string { t.Helper(); return patchOf(t, rc, s, name) }
	flush := func() {
		t.Helper()
		if err := rc.FlushAll(ctx).Err(); err != nil {
			t.Fatal(err)
		}
	}

	// An empty namespace takes the state; the version keeps counting.
	restoreFrom("E0", 5, held, "RESTORED")
	if patch("a") != `{"active":false}` || patch("b") != `{"active":true}` {
		t.Fatalf("after a restore: a %s, b %s", patch("a"), patch("b"))
	}
	if v, _ := rc.Get(ctx, s.Key("version")).Int(); v != 6 {
		t.Fatalf("version %d after restoring version 5, want 6", v)
	}
	epoch := rc.Get(ctx, s.Key("epoch")).Val()
	restoreFrom(epoch, 1, held, "SAME")
	restoreFrom("E0", 5, held, "HAVE")
	restoreFrom("E0", 4, held, "HAVE")

	// An operator's write after it stands; a higher version replaces the
	// rest.
	if _, err := s.Apply(ctx, store.Change{Actor: "ops", Reason: "fixed", Flags: map[string]json.RawMessage{"a": raw(`{"active":true}`)}}); err != nil {
		t.Fatal(err)
	}
	restoreFrom("E1", 9, map[string]json.RawMessage{"a": raw(`{"active":false}`), "b": raw(`{"percentage_rollout":5}`)}, "RESTORED")
	if patch("a") != `{"active":true}` || patch("b") != `{"percentage_rollout":5}` {
		t.Fatalf("after a higher restore: a %s (want the operator's), b %s", patch("a"), patch("b"))
	}
	if v, _ := rc.Get(ctx, s.Key("version")).Int(); v != 10 {
		t.Fatalf("version %d after restoring version 9, want 10", v)
	}
	if n := len(auditBy(t, s, restoreActor)); n != 2 {
		t.Fatalf("%d restore entries, want 2", n)
	}
	restoreFrom("E1", 12, map[string]json.RawMessage{"b": raw(`{"percentage_rollout":5}`)}, "NOCHANGE")
	restoreFrom("E1", 11, held, "HAVE") // NOCHANGE recorded version 12 all the same

	// Registered defaults are no operator's: they are replaced.
	flush()
	if err := newStore(t, srv.Addr()).Register(ctx, map[string]json.RawMessage{"a": raw(`{}`), "b": raw(`{}`)}); err != nil {
		t.Fatal(err)
	}
	restoreFrom("E2", 3, held, "RESTORED")
	if patch("a") != `{"active":false}` {
		t.Fatalf("a restore left a registered default: a %s", patch("a"))
	}

	// A reset by an operator is never undone.
	if _, err := s.ResetLive(ctx, "ops", "start from the spec"); err != nil {
		t.Fatal(err)
	}
	if n, _ := rc.HLen(ctx, s.Key("patches")).Result(); n != 0 {
		t.Fatalf("%d patches after ResetLive", n)
	}
	restoreFrom("E3", 100, held, "WIPED")

	// An audit trail that survived (DEL of the epoch key): no data loss.
	if err := rc.Del(ctx, s.Key("epoch"), s.Key("restored")).Err(); err != nil {
		t.Fatal(err)
	}
	_, err := rc.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i := range 1001 {
			p.XAdd(ctx, &redis.XAddArgs{Stream: s.Key("audit"), Values: []any{"version", i, "flags", `{}`}})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	restoreFrom("E4", 100, held, "AUDIT")
	flush()
	rc.XAdd(ctx, &redis.XAddArgs{Stream: s.Key("audit"), Values: []any{"version", 1, "flags", `{"a":`}})
	restoreFrom("E4", 100, held, "AUDIT")
	if n, _ := rc.HLen(ctx, s.Key("patches")).Result(); n != 0 {
		t.Fatalf("a refused restore wrote %d patches", n)
	}

	// A bad version key is refused by name, nothing written.
	flush()
	rc.Set(ctx, s.Key("version"), "abc", 0)
	if _, err := s.RestoreFrom(ctx, "E5", 3, held); err == nil || !strings.HasPrefix(err.Error(), "MALFORMED "+s.Key("version")) {
		t.Fatalf("restore over a bad version: %v, want an error naming %s", err, s.Key("version"))
	}
	if _, err := s.ResetLive(ctx, "ops", "x"); err == nil || !strings.Contains(err.Error(), s.Key("version")) {
		t.Fatalf("reset over a bad version: %v, want an error naming %s", err, s.Key("version"))
	}
	if n, _ := rc.HLen(ctx, s.Key("patches")).Result(); n != 0 {
		t.Fatalf("a failed restore wrote %d patches", n)
	}
}

// TestResetLiveNotUndone: an operator's reset to the spec reaches every
// instance, which register the spec's flags again and do not restore what
// they held; counters are cleared and the reset is audited.
func TestResetLiveNotUndone(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	s1, s2 := newStore(t, srv.Addr()), newStore(t, srv.Addr())
	clients := []*runtime.Client{newRuntime(t, s1), newRuntime(t, s2)}
	if err := clients[0].Set(ctx, "a", raw(`{"active":false}`), "ops", "kill switch"); err != nil {
		t.Fatal(err)
	}
	if _, err := s1.AddCounters(ctx, []store.CounterDelta{{Flag: "a", Name: "errors", Delta: 3}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, time.Second, "a off everywhere", every(clients, "a", false))
	before := mustLoad(t, s1)

	op := newStore(t, srv.Addr())
	v, err := op.ResetLive(ctx, "ops", "start from the spec")
	if err != nil {
		t.Fatal(err)
	}
	if v != before.Version+1 {
		t.Fatalf("reset at version %d, want %d", v, before.Version+1)
	}
	rc := newClient(t, srv.Addr())
	waitFor(t, 2*time.Second, "a on (the spec) everywhere, the spec's flags registered again", func() bool {
		n, err := rc.HLen(ctx, s1.Key("patches")).Result()
		return err == nil && n == 2 && every(clients, "a", true)()
	})
	for _, s := range []*redisstore.Store{s1, s2} {
		if _, err := s.FullLoad(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if !every(clients, "a", true)() || patchOf(t, rc, s1, "a") != `{}` {
		t.Fatalf("a reset was undone: a %s", patchOf(t, rc, s1, "a"))
	}
	if r := auditBy(t, s1, restoreActor); len(r) != 0 {
		t.Fatalf("restores after a reset: %+v", r)
	}
	resets := auditBy(t, s1, "ops")
	if len(resets) == 0 || resets[0].Reason != "start from the spec" || string(resets[0].Flags["a"]) != "null" {
		t.Fatalf("reset audit entry: %+v", resets)
	}
	if c, err := s1.Counters(ctx, "a"); err != nil || len(c) != 0 {
		t.Fatalf("counters after a reset: %v, %v", c, err)
	}
	for _, bad := range [][2]string{{"", "x"}, {"  ", "x"}, {"ops\nforged", "x"}, {"ops", "x\x1b[2J"}, {"ops", "a\u202eb"}} {
		before := auditBy(t, s1, "")
		if _, err := op.ResetLive(ctx, bad[0], bad[1]); err == nil {
			t.Fatalf("ResetLive(actor %q, reason %q) succeeded", bad[0], bad[1])
		}
		if after := auditBy(t, s1, ""); len(after) != len(before) {
			t.Fatalf("a refused ResetLive(actor %q, reason %q) wrote an audit entry", bad[0], bad[1])
		}
	}
	// Later writes apply as usual.
	if err := clients[1].Set(ctx, "b", raw(`{"active":true}`), "ops", "launch"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, time.Second, "b on everywhere", every(clients, "b", true))
}

func patchOf(t *testing.T, rc redis.UniversalClient, s *redisstore.Store, name string) string {
	t.Helper()
	p, err := rc.HGet(context.Background(), s.Key("patches"), name).Result()
	if err != nil && err != redis.Nil {
		t.Fatal(err)
	}
	return p
}
