package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/flaggen/flaggen/runtime/memstore"
	"github.com/flaggen/flaggen/runtime/store"
)

func loadTestSpec(t testing.TB, path string) *Spec {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := LoadSpec(path, src)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newClient(t testing.TB, s *Spec, opts ...Option) *Client {
	t.Helper()
	opts = append([]Option{WithLogger(quietLogger)}, opts...)
	c, err := NewClient(s, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// syncBuffer is a log destination safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestSeedSpecParsedMatchesHandBuilt(t *testing.T) {
	s := loadTestSpec(t, "../testdata/seed/flags.json")
	c := newClient(t, s)
	h := newTestClient(t, seedModel(t))
	for uid := int64(1); uid < 2000; uid++ {
		for _, region := range []string{"US", "RO", "FR"} {
			a := []Value{Int(uid), String(region), String("premium"), Bool(uid%3 == 0)}
			for i := range s.m.Flags {
				if got, want := c.evalBool(i, a), h.evalBool(i, a); got != want {
					t.Fatalf("flag %d user %d %s: parsed spec %v, hand-built %v", i, uid, region, got, want)
				}
			}
		}
	}
}

func TestLiveChange(t *testing.T) {
	s := loadTestSpec(t, "../testdata/seed/flags.json")
	c := newClient(t, s)
	ctx := context.Background()
	newUI := s.byName["new_ui"]
	us := []Value{Int(5), String("US"), String("premium"), Bool(true)}
	fr := []Value{Int(5), String("FR"), String("premium"), Bool(true)}
	if c.evalBool(newUI, fr) {
		t.Fatal("new_ui on in FR")
	}
	if err := c.Set(ctx, "new_ui", json.RawMessage(`{"regions": ["FR"], "percentage_rollout": 100}`), "alice", "open FR"); err != nil {
		t.Fatal(err)
	}
	if !c.evalBool(newUI, fr) || c.evalBool(newUI, us) {
		t.Fatal("live regions not applied on return")
	}
	// Merge: a later patch keeps earlier fields; null removes a field.
	if err := c.Set(ctx, "new_ui", json.RawMessage(`{"regions": null}`), "bob", "everywhere"); err != nil {
		t.Fatal(err)
	}
	if !c.evalBool(newUI, us) || !c.evalBool(newUI, fr) {
		t.Fatal("regions: null did not remove the region check")
	}
	st, _ := c.Store().Load(ctx)
	if got := string(st.Flags["new_ui"]); got != `{"percentage_rollout":100,"regions":null}` {
		t.Errorf("stored patch %s", got)
	}
	// Refusals never reach the store or the snapshot.
	before := st.Version
	for _, bad := range []struct{ flag, patch, want string }{
		{"new_ui", `{"percentage_rollout": 150}`, "percentage_rollout"},
		{"new_ui", `{"type": "string"}`, "type"},
		{"new_ui", `{"depends_on": ["advanced_search"]}`, "cycle"},
		{"nope", `{"active": false}`, "unknown flag"},
		{"new_ui", `[1]`, "object"},
	} {
		err := c.Set(ctx, bad.flag, json.RawMessage(bad.patch), "mallory", "")
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("patch %s on %s: err %v, want it to mention %q", bad.patch, bad.flag, err, bad.want)
		}
	}
	if err := c.Set(ctx, "new_ui", json.RawMessage(`{"active": false}`), "", ""); err == nil {
		t.Error("change without actor accepted")
	}
	st, _ = c.Store().Load(ctx)
	if st.Version != before {
		t.Errorf("refused changes moved the version %d → %d", before, st.Version)
	}
	// Replace reverts to the spec.
	if err := c.Change(ctx, Edit{Actor: "carol", Flags: map[string]json.RawMessage{"new_ui": json.RawMessage(`{}`)}, Replace: true}); err != nil {
		t.Fatal(err)
	}
	if c.evalBool(newUI, fr) {
		t.Error("replace with {} did not revert to the spec")
	}
	audit, err := c.Audit(ctx, "new_ui", 0)
	if err != nil || len(audit) != 3 || audit[0].Actor != "carol" || audit[2].Actor != "alice" || audit[2].Reason != "open FR" {
		t.Errorf("audit %+v, %v", audit, err)
	}
}

func TestRelease(t *testing.T) {
	s := loadTestSpec(t, "../testdata/demo/flags.json")
	backend := memstore.New()
	c := newClient(t, s, WithStore(backend))
	ctx := context.Background()
	if on, total, err := c.ReleaseStatus("winter_launch"); err != nil || on != 2 || total != 2 {
		t.Fatalf("status %d of %d, %v", on, total, err)
	}
	if err := c.SetRelease(ctx, "winter_launch", false, "ops", ""); err != nil {
		t.Fatal(err)
	}
	if on, total, _ := c.ReleaseStatus("winter_launch"); on != 0 || total != 2 {
		t.Errorf("after release off: %d of %d", on, total)
	}
	audit, _ := backend.Audit(ctx, "", 1)
	if len(audit) != 1 || len(audit[0].Flags) != 2 || audit[0].Reason != "release winter_launch off" {
		t.Errorf("release is not one audited change: %+v", audit)
	}
	// A second client on the same store follows.
	c2 := newClient(t, s, WithStore(backend))
	if on, _, _ := c2.ReleaseStatus("winter_launch"); on != 0 {
		t.Error("second client does not see the release")
	}
	if err := c.SetRelease(ctx, "winter_launch", true, "ops", ""); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { on, _, _ := c2.ReleaseStatus("winter_launch"); return on == 2 })
	if err := c.SetRelease(ctx, "nope", true, "ops", ""); err == nil {
		t.Error("unknown release accepted")
	}
}

// waitFor is a condition wait: it checks cond until it holds, failing the
// test after 3 s. The pause between checks only paces them; cond alone
// decides when the test goes on (in a synctest bubble the pause is on the
// fake clock).
func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 3s")
		}
		time.Sleep(5 * time.Millisecond) // paces the checks, orders nothing
	}
}

func TestUnknownFlagByName(t *testing.T) {
	s := loadTestSpec(t, "../testdata/seed/flags.json")
	var logs syncBuffer
	c := newClient(t, s, WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if v := c.Evaluate(ctx, "new_iu", nil); v != false {
			t.Fatalf("unknown flag = %v", v)
		}
	}
	if n := strings.Count(logs.String(), "unknown flag"); n != 1 {
		t.Errorf("warned %d times, want once: %s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "new_ui") {
		t.Errorf("warning does not suggest new_ui: %s", logs.String())
	}
	waitFor(t, func() bool {
		st, _ := c.Store().Load(ctx)
		return string(st.Flags["new_iu"]) == `{"active":false}`
	})
}

// blockingStore is a memory store whose Register waits for its context
// (a store that does not answer) or fails, as told.
type blockingStore struct {
	*memstore.Store
	mode atomic.Int32 // 0: normal, 1: block until ctx done, 2: fail
}

func (s *blockingStore) Register(ctx context.Context, flags map[string]json.RawMessage) error {
	switch s.mode.Load() {
	case 1:
		<-ctx.Done()
		return ctx.Err()
	case 2:
		return errors.New("store down")
	}
	return s.Store.Register(ctx, flags)
}

// TestUnknownFlagNeverBlocks: asking for an unknown name never waits on
// the store; a registration that failed is retried after a reload.
func TestUnknownFlagNeverBlocks(t *testing.T) {
	// A synctest bubble: the timeouts and resyncs run on a fake clock.
	synctest.Test(t, func(t *testing.T) {
		s := loadTestSpec(t, "../testdata/seed/flags.json")
		st := &blockingStore{Store: memstore.New()}
		c := newClient(t, s, WithStore(st), WithLogger(quietLogger), WithStartTimeout(time.Second), WithResync(20*time.Millisecond))
		ctx := context.Background()
		st.mode.Store(1)
		t0 := time.Now()
		if v := c.Evaluate(ctx, "ghost", nil); v != false {
			t.Fatalf("unknown flag = %v", v)
		}
		if d := time.Since(t0); d > 500*time.Millisecond { // waiting would take the 1 s timeout
			t.Errorf("Evaluate of an unknown name took %v: it waited on the store", d)
		}
		st.mode.Store(2)
		time.Sleep(1500 * time.Millisecond) // the blocked registration times out (1 s)
		synctest.Wait()
		if got, _ := st.Load(ctx); got.Flags["ghost"] != nil {
			t.Fatal("registered while the store was down")
		}
		st.mode.Store(0)
		waitFor(t, func() bool {
			got, _ := st.Load(ctx)
			return string(got.Flags["ghost"]) == `{"active":false}`
		})
	})
}

func TestRegisterDoesNotOverwrite(t *testing.T) {
	s := loadTestSpec(t, "../testdata/seed/flags.json")
	backend := memstore.New()
	ctx := context.Background()
	backend.Register(ctx, map[string]json.RawMessage{"new_ui": json.RawMessage(`{"active":false}`)})
	c := newClient(t, s, WithStore(backend))
	if v, ok := c.constBool(s.byName["new_ui"]); !ok || v {
		t.Error("live state at start not applied")
	}
	st, _ := backend.Load(ctx)
	if string(st.Flags["new_ui"]) != `{"active":false}` || string(st.Flags["advanced_search"]) != `{}` {
		t.Errorf("registration: %v", st.Flags)
	}
}

func TestStoreDownAtStart(t *testing.T) {
	s := loadTestSpec(t, "../testdata/seed/flags.json")
	backend := memstore.New()
	backend.Close()
	c := newClient(t, s, WithStore(backend), WithLogger(slog.New(slog.NewTextHandler(&syncBuffer{}, nil))))
	if !errors.Is(c.Health(), store.ErrClosed) {
		t.Errorf("health = %v", c.Health())
	}
	if !c.evalBool(s.byName["new_ui"], []Value{Int(123), String("US")}) {
		t.Error("not evaluating from the spec")
	}
}

func TestParseContext(t *testing.T) {
	s := loadTestSpec(t, "../testdata/demo/flags.json")
	a, err := s.ParseContext([]byte(`{"user_id": 123, "region": "US", "beta_program": true, "cart_total": 60, "device": null}`))
	if err != nil {
		t.Fatal(err)
	}
	if a[0] != Int(123) || a[1] != String("US") || a[3] != Bool(true) || a[7] != Float(60) || !a[4].IsAbsent() {
		t.Errorf("values %v", a)
	}
	for in, want := range map[string]string{
		`{"userid": 1}`:            `undeclared attribute "userid"`,
		`{"user_id": "x"}`:         "user_id: want an int, got a string",
		`{"user_id": 1.5}`:         "want an int",
		`{"account_type": "gold"}`: `"gold" is not one of "free", "premium", "enterprise"`,
		`{"beta_program": 1}`:      "want a bool",
		`[1]`:                      "JSON object",
	} {
		if _, err := s.ParseContext([]byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseContext(%s): %v, want %q", in, err, want)
		}
	}
}

func TestEvaluateAllDemo(t *testing.T) {
	s := loadTestSpec(t, "../testdata/demo/flags.json")
	c := newClient(t, s)
	a, err := s.ParseContext([]byte(`{"user_id": 123, "region": "US", "account_type": "premium", "beta_program": true, "device": "ios", "app_version": "2.4.1", "cart_total": 80}`))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]any{}
	for _, e := range c.EvaluateAll(context.Background(), a) {
		got[e.Flag] = e.Value
		if e.Step == "" || e.Reason == "" {
			t.Errorf("%s: empty explanation %+v", e.Flag, e)
		}
	}
	want := map[string]any{"new_ui": true, "advanced_search": true, "maintenance_mode": false, "discount_rate": 0.1, "native_share": true, "legacy_export": true}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if _, err := json.Marshal(c.EvaluateAll(context.Background(), a)); err != nil {
		t.Error(err)
	}
}
