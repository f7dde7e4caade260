package ops

import (
	"context"
	"maps"
	"testing"
	"time"

	"github.com/flaggen/flaggen/runtime/store"
)

// TestFlagExposureOf: totals add the variants, and PerMinute divides the
// evaluations of the window's minutes by the time the window spans, from
// when counting began when that is later.
func TestFlagExposureOf(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 30, 30, 0, time.UTC)
	m := store.Minute(now)
	e := store.Exposure{Flag: "f", Env: "production", Variants: map[string]int64{"on": 30, "off": 10},
		Last: now.Add(-time.Second), Minutes: map[int64]int64{m: 10, m - 5: 12, m - 6: 1000, m + 1: 1000}}
	fe := FlagExposureOf(e, time.Time{}, now)
	if fe.Env != "production" || fe.Total != 40 || !fe.Last.Equal(e.Last) || !maps.Equal(fe.Variants, e.Variants) {
		t.Errorf("FlagExposureOf = %+v", fe)
	}
	// 22 evaluations in the minutes m-5 to m, over 5.5 minutes.
	if want := 22 / 5.5; fe.PerMinute != want {
		t.Errorf("PerMinute = %v, want %v", fe.PerMinute, want)
	}
	// Counting began 2 minutes ago: 22 over 2 minutes.
	if fe := FlagExposureOf(e, now.Add(-2*time.Minute), now); fe.PerMinute != 11 {
		t.Errorf("PerMinute since 2m = %v, want 11", fe.PerMinute)
	}
	// Began 10s ago: at least a minute.
	if fe := FlagExposureOf(e, now.Add(-10*time.Second), now); fe.PerMinute != 22 {
		t.Errorf("PerMinute since 10s = %v, want 22", fe.PerMinute)
	}
	if fe := FlagExposureOf(store.Exposure{Flag: "f", Env: "dev"}, time.Time{}, now); fe.Total != 0 || fe.PerMinute != 0 || fe.Variants == nil || !fe.Last.IsZero() {
		t.Errorf("FlagExposureOf(empty) = %+v", fe)
	}
}

// TestSessionExposure: a session reads what the store counted, per flag
// and environment, sorted by environment, on a Redis and on the memory
// store.
func TestSessionExposure(t *testing.T) {
	t.Run("redis", func(t *testing.T) { checkSessionExposure(t, openTest(t)) })
	t.Run("memory", func(t *testing.T) { checkSessionExposure(t, openMemoryTest(t, testSpec)) })
}

func checkSessionExposure(t *testing.T, s *Session) {
	st := s.Live
	ctx := context.Background()
	if got, _, err := s.Exposure(ctx, "other"); err != nil || len(got) != 0 {
		t.Errorf("Exposure before counting = %v, %v", got, err)
	}
	if since, err := s.ExposureSince(ctx, "production"); err != nil || !since.IsZero() {
		t.Errorf("ExposureSince before counting = %v, %v", since, err)
	}
	t0 := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	t1 := t0.Add(30 * time.Second)
	err := st.AddExposure(ctx, []store.ExposureDelta{
		{Flag: "other", Env: "staging", Variant: "on", Count: 3, Last: t1},
		{Flag: "other", Env: "production", Variant: "on", Count: 5, Last: t0},
		{Flag: "other", Env: "production", Variant: "off", Count: 2, Last: t1},
		{Flag: "new_ui", Env: "production", Variant: "off", Count: 1, Last: t0},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := s.Exposure(ctx, "other")
	if err != nil || len(got) != 2 {
		t.Fatalf("Exposure = %+v, %v", got, err)
	}
	if p := got[0]; p.Env != "production" || p.Total != 7 || p.Variants["on"] != 5 || p.Variants["off"] != 2 || !p.Last.Equal(t1) || p.PerMinute <= 0 {
		t.Errorf("production: %+v", p)
	}
	if g := got[1]; g.Env != "staging" || g.Total != 3 {
		t.Errorf("staging: %+v", g)
	}
	all, _, err := s.Exposures(ctx)
	if err != nil || len(all) != 2 || len(all["other"]) != 2 || len(all["new_ui"]) != 1 || all["new_ui"][0].Total != 1 {
		t.Errorf("Exposures = %+v, %v", all, err)
	}
	if since, err := s.ExposureSince(ctx, "production"); err != nil || !since.Equal(t0) {
		t.Errorf("ExposureSince = %v, %v; want %v", since, err, t0)
	}
}
