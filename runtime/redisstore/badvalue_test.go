package redisstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/flaggen/flaggen/internal/redistest"
	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/flagimpl"
	"github.com/flaggen/flaggen/runtime/redisstore"
	"github.com/flaggen/flaggen/runtime/store"
)

// commandCalls returns how many times Redis ran each command so far
// (INFO commandstats), by lower-case name.
func commandCalls(t *testing.T, rc redis.UniversalClient) map[string]int64 {
	t.Helper()
	info, err := rc.Info(context.Background(), "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for line := range strings.Lines(info) {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":")
		name, found := strings.CutPrefix(name, "cmdstat_")
		if !ok || !found {
			continue
		}
		calls, _, _ := strings.Cut(strings.TrimPrefix(rest, "calls="), ",")
		n, _ := strconv.ParseInt(calls, 10, 64)
		out[name] = n
	}
	return out
}

// total sums the calls of every command but INFO (the test's own polling).
func total(m map[string]int64) (n int64) {
	for name, c := range m {
		if name != "info" {
			n += c
		}
	}
	return n
}

// lineCount counts log lines written to a syncBuffer.
func lineCount(b *syncBuffer) int { return strings.Count(b.String(), "\n") }

// TestBadHeadValueBounded sets each head key (version, epoch, last change)
// to a value that is not one while a store and a runtime Client follow the
// namespace: the store must keep serving its last state, report the value
// in Health, retry with a bounded number of commands and log lines (no busy
// loop), and recover once the value is repaired. The cases run in
// parallel, each on a redis-server of its own: the command counts it
// checks are the server's, so they must be the case's alone.
func TestBadHeadValueBounded(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		key, value string
		list       bool // an RPUSH list instead of a string
		incr       bool // and INCR the version
	}{
		{"version", "abc", false, false},
		{"version", "-5", false, false},
		{"version", "18446744073709551616", false, false}, // 2^64
		{"version", "100000000000000", false, false},      // 10^14: Lua would print 1e+14
		{"version", " 7", false, false},
		{"version", "7", true, false},
		{"epoch", strings.Repeat("e", 10000), false, false},
		{"epoch", "a\nforged", false, false},
		{"lastchange", "", false, false},
		{"lastchange", "x\x1b[31m", false, false},
		{"lastchange", "x", true, false},
		{"patches", "x", false, true},
	} {
		t.Run(fmt.Sprintf("%s=%.20q/list=%v", tc.key, tc.value, tc.list), func(t *testing.T) {
			t.Parallel()
			srv := redistest.Start(t)
			rc := newClient(t, srv.Addr())
			ns := "bad" + strconv.Itoa(int(time.Now().UnixNano()))
			var log syncBuffer
			logger := slog.New(slog.NewTextHandler(&log, nil))
			s := newStore(t, srv.Addr(), redisstore.WithNamespace(ns), redisstore.WithLogger(logger),
				redisstore.WithCheckInterval(200*time.Millisecond), redisstore.WithRetryInterval(5*time.Millisecond))
			c, err := runtime.NewClient(flagimpl.MustLoadSpec("flags.json", []byte(twoFlags)), runtime.WithStore(s), runtime.WithLogger(logger))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close() })
			if _, err := s.Apply(ctx, store.Change{Actor: "ops", Flags: map[string]json.RawMessage{"b": raw(`{"active":true}`)}}); err != nil {
				t.Fatal(err)
			}
			waitFor(t, 5*time.Second, "b on", func() bool { return c.Evaluate(ctx, "b", nil) == true })
			good, err := rc.Dump(ctx, s.Key(tc.key)).Result()
			if err != nil {
				t.Fatal(err)
			}

			before, lines := commandCalls(t, rc), lineCount(&log)
			if tc.list {
				err = rc.Del(ctx, s.Key(tc.key)).Err()
				if err == nil {
					err = rc.RPush(ctx, s.Key(tc.key), tc.value).Err()
				}
			} else {
				err = rc.Set(ctx, s.Key(tc.key), tc.value, 0).Err()
			}
			if err == nil && tc.incr {
				err = rc.Incr(ctx, s.Key("version")).Err()
			}
			if err != nil {
				t.Fatal(err)
			}
			waitFor(t, 5*time.Second, "Health reports the bad value", func() bool {
				err := s.Health()
				return err != nil && strings.Contains(err.Error(), s.Key(tc.key))
			})
			// Let the store look again K times (MGETs of the head): a busy
			// loop makes thousands of log lines and commands meanwhile.
			const k = 8
			waitFor(t, 30*time.Second, "the store retried", func() bool {
				return commandCalls(t, rc)["mget"]-before["mget"] >= k
			})
			after := commandCalls(t, rc)
			mgets := after["mget"] - before["mget"]
			if n := lineCount(&log) - lines; n > 3 {
				t.Errorf("%d log lines after %d looks at the bad value, want at most 3:\n%s", n, mgets, log.String())
			}
			// Each look costs one MGET and at most one full load (MULTI,
			// 3 GET, HGETALL, EXEC), not a storm of reloads.
			if n := total(after) - total(before); n > 7*mgets+10 {
				t.Errorf("%d commands for %d looks at the bad value: %v", n, mgets, after)
			}
			if c.Evaluate(ctx, "b", nil) != true {
				t.Error("the Client lost its last good state")
			}

			// Repaired, the store recovers and follows writes again.
			if err := rc.RestoreReplace(ctx, s.Key(tc.key), 0, good).Err(); err != nil {
				t.Fatal(err)
			}
			waitFor(t, 10*time.Second, "Health recovers", func() bool { return s.Health() == nil })
			if _, err := s.Apply(ctx, store.Change{Actor: "ops", Flags: map[string]json.RawMessage{"b": raw(`{"active":false}`)}}); err != nil {
				t.Fatal(err)
			}
			waitFor(t, 5*time.Second, "b off after the repair", func() bool { return c.Evaluate(ctx, "b", nil) == false })
		})
	}
}

// TestSetupRefusedIsNotMalformed: a server that refuses the connection's
// setup (here SELECT of a DB out of range) fails the load as unreachable
// data, never as a malformed value in the namespace.
func TestSetupRefusedIsNotMalformed(t *testing.T) {
	srv := redistest.Start(t)
	o := fastOptions(srv.Addr())
	o.DB = 99
	s := newStoreOn(t, redis.NewUniversalClient(o))
	_, err := s.Load(context.Background())
	if err == nil {
		t.Fatal("Load succeeded on DB 99")
	}
	if errors.Is(err, redisstore.ErrMalformed) {
		t.Fatalf("Load = %v; a refused SELECT is not a malformed value", err)
	}
	if !strings.Contains(err.Error(), "DB index is out of range") {
		t.Errorf("Load = %v; want the server's reply", err)
	}
}
