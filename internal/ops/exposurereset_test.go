package ops

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/memstore"
	"github.com/flaggen/flaggen/runtime/store"
)

// TestSessionResetExposure: a reset restarts the flag's counts in one
// environment, says since when, drops late counts made before it, is
// audited with actor and reason without changing the flag's patch, and is
// refused (writing nothing) for an unknown flag or environment, a blank
// reason or actor, and a namespace where no app recorded its spec; on a
// Redis and on the memory store.
func TestSessionResetExposure(t *testing.T) {
	t.Run("redis", func(t *testing.T) {
		checkResetExposure(t, openTest(t), nil)
		if _, err := openTest(t, false).ResetExposure(ExposureReset{Flag: "other", Actor: "alice", Reason: "r"}); !errors.Is(err, ErrNotRecorded) {
			t.Errorf("ResetExposure where no app recorded its spec: %v", err)
		}
	})
	t.Run("memory", func(t *testing.T) {
		const src = `{"environments": ["production", "staging"], "flags": {"new_ui": {"active": true, "percentage_rollout": 50}, "other": {"active": true}}}`
		checkResetExposure(t, openMemoryTest(t, src), []string{"production", "staging"})
	})
}

// openMemoryTest opens a session on a fresh memory store, checked against
// the spec src, which an app recorded there.
func openMemoryTest(t *testing.T, src string) *Session {
	t.Helper()
	return openStoreTest(t, memstore.New(), src)
}

// openStoreTest is openMemoryTest on st, a fresh memory store (or one
// that wraps it).
func openStoreTest(t *testing.T, st interface {
	store.Store
	store.SpecRecorder
}, src string) *Session {
	t.Helper()
	t.Cleanup(func() { st.Close() })
	if err := st.RecordSpec(t.Context(), "flags.json", []byte(src)); err != nil {
		t.Fatal(err)
	}
	sp, err := runtime.LoadSpec("flags.json", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	s, err := OpenStore(st, "the memory store", Config{Timeout: time.Second, Spec: &SpecFile{File: "flags.json", Spec: sp}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func checkResetExposure(t *testing.T, s *Session, envs []string) {
	ctx := context.Background()
	t0 := time.Now().Add(-time.Minute).Truncate(time.Millisecond).UTC()
	err := s.Live.AddExposure(ctx, []store.ExposureDelta{
		{Flag: "other", Env: "production", Variant: "on", Count: 5, Last: t0},
		{Flag: "other", Env: "staging", Variant: "on", Count: 3, Last: t0},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []struct {
		r    ExposureReset
		want string
	}{
		{ExposureReset{Flag: "othr", Actor: "alice", Reason: "r"}, `unknown flag "othr" (did you mean other?)`},
		{ExposureReset{Flag: "other", Actor: "alice", Reason: " "}, "reason is required"},
		{ExposureReset{Flag: "other", Actor: " ", Reason: "r"}, "actor is blank"},
		{ExposureReset{Flag: "other", Actor: "alice", Reason: "a\nforged line"}, "control character"},
	} {
		if _, err := s.ResetExposure(bad.r); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("ResetExposure(%+v) = %v, want an error saying %q", bad.r, err, bad.want)
		}
	}
	if envs != nil {
		_, err := s.ResetExposure(ExposureReset{Flag: "other", Env: "qa", Actor: "alice", Reason: "r"})
		if err == nil || !strings.Contains(err.Error(), `unknown environment "qa" (environments: production, staging)`) {
			t.Errorf("ResetExposure in an undeclared environment: %v", err)
		}
	}
	if got, _, err := s.Exposure(ctx, "other"); err != nil || len(got) != 2 || got[0].Total != 5 || got[0].Reset {
		t.Fatalf("Exposure after refused resets = %+v, %v", got, err)
	}
	trail, err := s.Live.Audit(ctx, "", 0)
	if err != nil || len(trail) != 0 {
		t.Fatalf("audit trail after refused resets = %+v, %v", trail, err)
	}

	before, err := s.Live.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	at, err := s.ResetExposure(ExposureReset{Flag: "other", Env: "production", Actor: "alice", Reason: "rollout 10% → 50%"})
	if err != nil {
		t.Fatal(err)
	}
	if at.Before(t0) || time.Since(at) > time.Minute {
		t.Errorf("reset at %v", at)
	}
	got, _, err := s.Exposure(ctx, "other")
	if err != nil || len(got) != 2 {
		t.Fatalf("Exposure after the reset = %+v, %v", got, err)
	}
	if p := got[0]; p.Env != "production" || p.Total != 0 || !p.Last.IsZero() || !p.Since.Equal(at) || !p.Reset {
		t.Errorf("production after its reset: %+v", p)
	}
	if g := got[1]; g.Env != "staging" || g.Total != 3 || g.Reset || !g.Since.Equal(t0) {
		t.Errorf("staging after production's reset: %+v", g)
	}
	trail, err = s.Live.Audit(ctx, "other", 0)
	if err != nil || len(trail) != 1 {
		t.Fatalf("audit trail = %+v, %v", trail, err)
	}
	if e := trail[0]; e.Actor != "alice" || e.Reason != "exposure counts reset in production: rollout 10% → 50%" ||
		!store.IsNull(e.Flags["other"]) || !store.IsNull(e.Before["other"]) {
		t.Errorf("audit entry = %+v", e)
	}
	after, err := s.Live.Load(ctx)
	if err != nil || len(after.Flags) != len(before.Flags) || after.Flags["other"] != nil {
		t.Errorf("live state after the reset = %+v, %v; want the patches as they were (%+v)", after, err, before)
	}

	// Counts made before the reset and flushed after are dropped.
	err = s.Live.AddExposure(ctx, []store.ExposureDelta{
		{Flag: "other", Env: "production", Variant: "on", Count: 7, Last: t0},
		{Flag: "other", Env: "production", Variant: "off", Count: 2, Last: at},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, _, err := s.Exposure(ctx, "other"); err != nil || got[0].Total != 2 || got[0].Variants["off"] != 2 || !got[0].Since.Equal(at) {
		t.Errorf("production after late counts = %+v, %v", got, err)
	}

	// Every environment.
	at2, err := s.ResetExposure(ExposureReset{Flag: "other", Actor: "bob", Reason: "weights changed"})
	if err != nil {
		t.Fatal(err)
	}
	got, _, err = s.Exposure(ctx, "other")
	if err != nil || len(got) != 2 {
		t.Fatalf("Exposure after the reset everywhere = %+v, %v", got, err)
	}
	want := at2
	if at.After(at2) { // a reset never moves Since back
		want = at
	}
	for _, e := range got {
		if e.Total != 0 || !e.Reset || !e.Since.Equal(want) {
			t.Errorf("%s after the reset everywhere: %+v", e.Env, e)
		}
	}
	if trail, err := s.Live.Audit(ctx, "other", 1); err != nil || len(trail) != 1 || trail[0].Reason != "exposure counts reset in every environment: weights changed" {
		t.Errorf("audit entry = %+v, %v", trail, err)
	}
}
