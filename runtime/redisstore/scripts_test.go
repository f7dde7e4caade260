package redisstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/flaggen/flaggen/internal/redistest"
	"github.com/flaggen/flaggen/runtime/redisstore"
	"github.com/flaggen/flaggen/runtime/store"
)

// dumpNamespace returns every key of s's namespace with its DUMP.
func dumpNamespace(t *testing.T, rc redis.UniversalClient, s *redisstore.Store) map[string]string {
	t.Helper()
	ctx := context.Background()
	keys, err := rc.Keys(ctx, "flaggen:{"+s.Namespace()+"}:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]string, len(keys))
	for _, k := range keys {
		d, err := rc.Dump(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		out[k] = d
	}
	return out
}

// TestWritesAllOrNothing makes each key a write touches malformed (another
// type, or a value the write cannot work with) and checks that the write
// fails, saying so, and that nothing changed: no key, no version, no audit
// entry, no message.
func TestWritesAllOrNothing(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	rc := newClient(t, srv.Addr())

	apply := func(s *redisstore.Store) error {
		_, err := s.Apply(ctx, store.Change{Actor: "ops", Reason: "r", ResetCounters: []string{"a"},
			Flags: map[string]json.RawMessage{"a": raw(`{"active":false}`), "b": nil}})
		return err
	}
	merge := func(s *redisstore.Store) error {
		_, err := s.Merge(ctx, store.Change{Actor: "ops", Flags: map[string]json.RawMessage{"a": raw(`{"active":false}`)}})
		return err
	}
	register := func(s *redisstore.Store) error {
		return s.Register(ctx, map[string]json.RawMessage{"c": raw(`{}`)})
	}
	counters := func(s *redisstore.Store) error {
		_, err := s.AddCounters(ctx, []store.CounterDelta{{Flag: "b", Name: "errors", Delta: 1}, {Flag: "a", Name: "errors", Delta: 1}})
		return err
	}
	feedback := func(s *redisstore.Store) error {
		return s.AppendFeedback(ctx, "a", store.Feedback{Text: "x"})
	}
	restore := func(s *redisstore.Store) error {
		_, err := s.RestoreFrom(ctx, "LOST", 50, map[string]json.RawMessage{"b": raw(`{"active":false}`)})
		return err
	}
	reset := func(s *redisstore.Store) error {
		_, err := s.ResetLive(ctx, "ops", "start over", "a")
		return err
	}
	asString := func(key string) error { return rc.Set(ctx, key, "x", 0).Err() }
	maxID := func(key string) error {
		// The largest stream id: XADD * has none left.
		return rc.XAdd(ctx, &redis.XAddArgs{Stream: key, ID: "18446744073709551615-18446744073709551615", Values: []any{"k", "v"}}).Err()
	}
	asList := func(key string) error {
		if err := rc.Del(ctx, key).Err(); err != nil {
			return err
		}
		return rc.RPush(ctx, key, "x").Err()
	}
	setTo := func(v string) func(string) error {
		return func(key string) error { return rc.Set(ctx, key, v, 0).Err() }
	}
	for _, tc := range []struct {
		name  string
		write func(*redisstore.Store) error
		key   string
		spoil func(key string) error
	}{
		{"apply", apply, "patches", asString},
		{"apply", apply, "version", asList},
		{"apply", apply, "version", setTo("abc")},
		{"apply", apply, "version", setTo("9223372036854775807")}, // INCR overflows
		// Lua prints versions from 10^14 on as 1e+14: in the change
		// message, and ResetLive would write it into the version key.
		{"apply", apply, "version", setTo("99999999999999")},
		{"reset", reset, "version", setTo("123456789012345678")},
		{"apply", apply, "audit", asString},
		{"apply", apply, "audit", maxID},
		{"apply", apply, "epoch", asList},
		{"apply", apply, "lastchange", asList},
		{"merge", merge, "patches", asString},
		{"merge", merge, "version", setTo("-1")},
		{"merge", merge, "audit", asString},
		{"register", register, "patches", asString},
		{"register", register, "version", asList},
		{"register", register, "version", setTo("1.5")},
		{"register", register, "epoch", asList},
		{"register", register, "lastchange", asList},
		{"counters", counters, "counters:a", asString},
		{"counters", counters, "counters:a", func(key string) error { return rc.HSet(ctx, key, "errors", "x").Err() }},
		{"counters", counters, "counters:a", func(key string) error { return rc.HSet(ctx, key, "errors", "9223372036854775807").Err() }},
		{"feedback", feedback, "feedback:a", asString},
		// A half-written reset (patches deleted, a new epoch without its
		// marker) would be undone by the next restore.
		{"restore", restore, "lastchange", asList},
		{"restore", restore, "audit", maxID},
		{"restore", restore, "restored", asString},
		{"restore", restore, "version", setTo("99999999999999999999")},
		{"reset", reset, "audit", maxID},
		{"reset", reset, "audit", asString},
		{"reset", reset, "restored", asString},
		{"reset", reset, "version", setTo("99999999999999999999")},
	} {
		t.Run(fmt.Sprintf("%s/%s", tc.name, tc.key), func(t *testing.T) {
			s := newStore(t, srv.Addr(), redisstore.WithNamespace(fmt.Sprint("atomic", time.Now().UnixNano())))
			if err := s.Register(ctx, map[string]json.RawMessage{"a": raw(`{}`), "b": raw(`{"active":true}`)}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Apply(ctx, store.Change{Actor: "ops", Flags: map[string]json.RawMessage{"a": raw(`{"active":true}`)}}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.AddCounters(ctx, []store.CounterDelta{{Flag: "a", Name: "slow", Delta: 2}, {Flag: "b", Name: "errors", Delta: 3}}); err != nil {
				t.Fatal(err)
			}
			if err := tc.spoil(s.Key(tc.key)); err != nil {
				t.Fatal(err)
			}
			before, pubs := dumpNamespace(t, rc, s), commandCalls(t, rc)["publish"]
			err := tc.write(s)
			if err == nil {
				t.Fatal("the write succeeded")
			}
			if !errors.Is(err, redisstore.ErrMalformed) && tc.name != "feedback" && !strings.Contains(err.Error(), "OVERFLOW") &&
				!strings.HasPrefix(err.Error(), "MALFORMED ") {
				t.Errorf("err = %v; want ErrMalformed", err)
			}
			t.Logf("err: %v", err)
			if after := dumpNamespace(t, rc, s); !maps.Equal(before, after) {
				for k := range after {
					if before[k] != after[k] {
						t.Errorf("%s changed", k)
					}
				}
				for k := range before {
					if _, ok := after[k]; !ok {
						t.Errorf("%s deleted", k)
					}
				}
			}
			if n := commandCalls(t, rc)["publish"]; n != pubs {
				t.Errorf("a failed write published %d messages", n-pubs)
			}
		})
	}
}
