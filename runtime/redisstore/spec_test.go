package redisstore_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/flaggen/flaggen/internal/redistest"
	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/flagimpl"
	"github.com/flaggen/flaggen/runtime/redisstore"
	"github.com/flaggen/flaggen/runtime/store"
)

// TestClientRecordsSpec: a runtime.Client records its spec in
// flaggen:{NS}:spec, readable with redis-cli and by any other store of the
// namespace.
func TestClientRecordsSpec(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, srv.Addr(), redisstore.WithNamespace("shop"))
	before := time.Now().UTC().Add(-time.Second)
	newRuntime(t, s)
	key := "flaggen:{shop}:spec"
	if k := s.Key("spec"); k != key {
		t.Errorf("Key(spec) = %q, want %q", k, key)
	}
	for field, want := range map[string]string{"file": "flags.json", "source": twoFlags, "sha256": store.SpecSHA256([]byte(twoFlags))} {
		if got, err := redistest.Do(srv.Addr(), "HGET", key, field); err != nil || got != want {
			t.Errorf("HGET %s %s = %q, %v; want %q", key, field, got, err, want)
		}
	}
	ts, err := redistest.Do(srv.Addr(), "HGET", key, "time")
	if tm, perr := time.Parse(time.RFC3339Nano, ts); err != nil || perr != nil || tm.Before(before) || tm.After(time.Now().Add(time.Second)) {
		t.Errorf("HGET %s time = %q, %v, %v", key, ts, err, perr)
	}
	if n, err := redistest.Do(srv.Addr(), "HLEN", key); err != nil || n != "4" {
		t.Errorf("HLEN %s = %q, %v; want 4 fields", key, n, err)
	}
	other := newStore(t, srv.Addr(), redisstore.WithNamespace("shop"))
	if file, src, ok, err := other.RecordedSpec(context.Background()); err != nil || !ok || file != "flags.json" || string(src) != twoFlags {
		t.Errorf("RecordedSpec from another store = %q, %q, %v, %v", file, src, ok, err)
	}
	// Another namespace has none.
	if _, _, ok, err := newStore(t, srv.Addr(), redisstore.WithNamespace("else")).RecordedSpec(context.Background()); ok || err != nil {
		t.Errorf("namespace else: ok %v, err %v; want nothing recorded", ok, err)
	}
	// Edited by hand: the fingerprint no longer matches.
	if _, err := redistest.Do(srv.Addr(), "HSET", key, "source", "{}"); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := other.RecordedSpec(context.Background()); err == nil {
		t.Error("RecordedSpec accepted a source that does not match its sha256")
	}
}

// TestSpecRecordedAfterOutage: an app that starts while Redis is down
// registers its flags and records its spec once Redis answers, and does
// both again after Redis lost its data.
func TestSpecRecordedAfterOutage(t *testing.T) {
	srv := redistest.Start(t)
	addr := srv.Addr()
	srv.Stop()
	s := newStore(t, addr, redisstore.WithRetryInterval(50*time.Millisecond))
	c, err := runtime.NewClient(flagimpl.MustLoadSpec("flags.json", []byte(twoFlags)), runtime.WithStore(s),
		runtime.WithLogger(discard), runtime.WithStartTimeout(200*time.Millisecond), runtime.WithResync(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	srv.Restart()
	waitFor(t, 3*time.Second, "spec recorded after Redis came up", func() bool {
		_, src, ok, _ := s.RecordedSpec(context.Background())
		return ok && string(src) == twoFlags
	})
	registered := func() bool {
		st, err := s.FullLoad(context.Background())
		return err == nil && string(st.Flags["a"]) == "{}" && string(st.Flags["b"]) == "{}"
	}
	waitFor(t, 3*time.Second, "flags registered after Redis came up", registered)
	if _, err := redistest.Do(addr, "FLUSHALL"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 3*time.Second, "flags registered and spec recorded again after FLUSHALL", func() bool {
		_, src, ok, _ := s.RecordedSpec(context.Background())
		return ok && string(src) == twoFlags && registered()
	})
}

// TestWritesCheckedAgainstSpec: a store given no spec refuses every patch
// (a null one, deleting an entry, passes), and Merge refuses what the
// spec refuses, writing nothing.
func TestWritesCheckedAgainstSpec(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	s, err := redisstore.New(newClient(t, srv.Addr()), redisstore.WithLogger(discard))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Apply(ctx, store.Change{Actor: "t", Flags: map[string]json.RawMessage{"a": raw(`{"active":false}`)}}); err == nil || !strings.Contains(err.Error(), "UseSpec") {
		t.Fatalf("Apply without a spec: err %v; want a refusal saying to call UseSpec", err)
	}
	if err := s.Register(ctx, map[string]json.RawMessage{"a": raw(`{"active":false}`)}); err == nil {
		t.Fatal("Register of a patch other than {} without a spec: no error")
	}
	if err := s.Register(ctx, map[string]json.RawMessage{"a": raw(`{}`)}); err != nil {
		t.Fatalf("Register of {} without a spec: %v", err)
	}
	if _, err := s.Apply(ctx, store.Change{Actor: "t", Flags: map[string]json.RawMessage{"a": nil}}); err != nil {
		t.Fatalf("deleting an entry without a spec: %v", err)
	}
	s.UseSpec(testSpec)
	v := mustLoad(t, s).Version
	for _, p := range []string{`{"percentage_rollout":101}`, `{"nope":1}`, `{"active":"no"}`} {
		if _, err := s.Merge(ctx, store.Change{Actor: "t", Flags: map[string]json.RawMessage{"a": raw(p)}}); err == nil {
			t.Errorf("Merge %s: no error", p)
		}
	}
	if _, err := s.Merge(ctx, store.Change{Actor: "t", Flags: map[string]json.RawMessage{"a": raw(`{"active":false,"percentage_rollout":null}`)}}); err != nil {
		t.Fatalf("a valid Merge: %v", err)
	}
	if got := mustLoad(t, s).Version; got != v+1 {
		t.Fatalf("version %d after refused merges and one valid; want %d", got, v+1)
	}
}
