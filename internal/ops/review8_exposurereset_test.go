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

// review8NoEnvSpec declares no environments: CheckEnv takes any name.
const review8NoEnvSpec = `{"flags": {"other": {"active": true}}}`

// TestReview8ResetUnknownEnvWhereSpecDeclaresNone: with a spec that
// declares no environments, a mistyped -env ("prodution") is taken: the
// counts in production are left as they are, and the store answers from
// then on an Exposure of the flag in an environment no app ever ran in
// (a reset's Since, which nothing deletes), shown by 'flaggen exposure'
// and the admin API. The environments the store counted in (or reset the
// flag in) are known: a reset elsewhere should be refused.
func TestReview8ResetUnknownEnvWhereSpecDeclaresNone(t *testing.T) {
	s := openMemoryTest(t, review8NoEnvSpec)
	ctx := context.Background()
	t0 := time.Now().Add(-time.Minute).UTC()
	if err := s.Live.AddExposure(ctx, []store.ExposureDelta{{Flag: "other", Env: "production", Variant: "on", Count: 5, Last: t0}}); err != nil {
		t.Fatal(err)
	}
	_, err := s.ResetExposure(ExposureReset{Flag: "other", Env: "prodution", Actor: "alice", Reason: "new rollout"})
	if err == nil {
		t.Errorf("ResetExposure in an environment nothing was ever counted in: no error")
	}
	got, _, err := s.Exposure(ctx, "other")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range got {
		if e.Env != "production" {
			t.Errorf("Exposure after the mistyped reset lists environment %q: %+v", e.Env, e)
		}
	}
}

// TestReview8ResetEnvControlCharacters: the admin API refuses an env
// holding a control character (CheckAuditText); the CLI, through
// ops.Session.ResetExposure, takes it (with a spec declaring no
// environments) and the store keeps a field named with it.
func TestReview8ResetEnvControlCharacters(t *testing.T) {
	s := openMemoryTest(t, review8NoEnvSpec)
	for _, env := range []string{"prod\x1b[2J", "prod\u202e", "prod\n"} {
		if _, err := s.ResetExposure(ExposureReset{Flag: "other", Env: env, Actor: "alice", Reason: "r"}); err == nil || !strings.Contains(err.Error(), "control character") {
			t.Errorf("ResetExposure in env %q: %v, want an error saying it holds a control character", env, err)
		}
	}
}

// TestReview8ResetOnReadOnlyStore: a session over a read-only store
// refuses the reset with store.ErrReadOnly and writes no audit entry.
func TestReview8ResetOnReadOnlyStore(t *testing.T) {
	mem := memstore.New()
	t.Cleanup(func() { mem.Close() })
	ctx := context.Background()
	if err := mem.RecordSpec(ctx, "flags.json", []byte(review8NoEnvSpec)); err != nil {
		t.Fatal(err)
	}
	sp, err := runtime.LoadSpec("flags.json", []byte(review8NoEnvSpec))
	if err != nil {
		t.Fatal(err)
	}
	s, err := OpenStore(store.ReadOnly(mem), "a read-only store", Config{Timeout: time.Second, Spec: &SpecFile{File: "flags.json", Spec: sp}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	_, err = s.ResetExposure(ExposureReset{Flag: "other", Actor: "alice", Reason: "r", Force: true})
	if !errors.Is(err, store.ErrReadOnly) {
		t.Errorf("ResetExposure on a read-only store: %v, want ErrReadOnly", err)
	}
	if trail, err := mem.Audit(ctx, "", 0); err != nil || len(trail) != 0 {
		t.Errorf("audit trail = %+v, %v", trail, err)
	}
}
