package storetest

import (
	"fmt"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/flaggen/flaggen/runtime/store"
)

// testExposure checks the evaluation counts: totals by variant, the last
// evaluation as a maximum, minute counts, when counting began as a
// minimum, names that hold the store's separators kept apart, a refused
// batch writing nothing, and concurrent batches all added.
func testExposure(t *testing.T, s store.Store) {
	ctx := t.Context()
	if es, err := s.Exposure(ctx, ""); err != nil || len(es) != 0 {
		t.Fatalf("Exposure of an empty store = %v, %v", es, err)
	}
	if since, err := s.ExposureSince(ctx, "production"); err != nil || !since.IsZero() {
		t.Fatalf("ExposureSince of an empty store = %v, %v", since, err)
	}
	if err := s.AddExposure(ctx, nil); err != nil {
		t.Fatalf("AddExposure(nil) = %v", err)
	}
	now := time.Now().Truncate(time.Millisecond).UTC()
	t0, t1 := now.Add(-3*time.Minute), now.Add(-time.Minute)
	batch := []store.ExposureDelta{
		{Flag: "a", Env: "production", Variant: "on", Count: 5, Last: t0},
		{Flag: "a", Env: "production", Variant: "on", Count: 2, Last: t1},
		{Flag: "a", Env: "production", Variant: "off", Count: 1, Last: t0},
		{Flag: "a", Env: "dev", Variant: "on", Count: 4, Last: t1},
		// Names that hold separators: each its own entry.
		{Flag: "1:b", Env: "x", Variant: "2:c", Count: 1, Last: t1},
		{Flag: "b", Env: "x:1", Variant: "c", Count: 2, Last: t1},
		{Flag: "b", Env: "x", Variant: "1:c", Count: 3, Last: t1},
	}
	if err := s.AddExposure(ctx, batch); err != nil {
		t.Fatal(err)
	}
	es, err := s.Exposure(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	want := []store.Exposure{
		{Flag: "a", Env: "dev", Variants: map[string]int64{"on": 4}, Last: t1, Minutes: map[int64]int64{store.Minute(t1): 4}},
		{Flag: "a", Env: "production", Variants: map[string]int64{"on": 7, "off": 1}, Last: t1,
			Minutes: map[int64]int64{store.Minute(t0): 6, store.Minute(t1): 2}},
	}
	checkExposures(t, "Exposure(a)", es, want)
	// A delta flushed late moves Last back never, and when counting began
	// to its time.
	early := now.Add(-10 * time.Minute)
	if err := s.AddExposure(ctx, []store.ExposureDelta{{Flag: "a", Env: "production", Variant: "on", Count: 1, Last: early}}); err != nil {
		t.Fatal(err)
	}
	want[1].Variants["on"], want[1].Minutes[store.Minute(early)] = 8, 1
	es, err = s.Exposure(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	checkExposures(t, "Exposure(a) after a late delta", es, want)
	if since, err := s.ExposureSince(ctx, "production"); err != nil || !since.Equal(early) {
		t.Errorf("ExposureSince(production) = %v, %v; want %v", since, err, early)
	}
	if since, err := s.ExposureSince(ctx, "dev"); err != nil || !since.Equal(t1) {
		t.Errorf("ExposureSince(dev) = %v, %v; want %v", since, err, t1)
	}
	all, err := s.Exposure(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	checkExposures(t, "Exposure(\"\")", all, []store.Exposure{
		{Flag: "1:b", Env: "x", Variants: map[string]int64{"2:c": 1}, Last: t1, Minutes: map[int64]int64{store.Minute(t1): 1}},
		want[0], want[1],
		{Flag: "b", Env: "x", Variants: map[string]int64{"1:c": 3}, Last: t1, Minutes: map[int64]int64{store.Minute(t1): 3}},
		{Flag: "b", Env: "x:1", Variants: map[string]int64{"c": 2}, Last: t1, Minutes: map[int64]int64{store.Minute(t1): 2}},
	})

	// A batch with one bad delta writes nothing.
	for _, bad := range []store.ExposureDelta{
		{Flag: "a", Env: "production", Variant: "on", Count: 0, Last: now},
		{Flag: "a", Env: "production", Variant: "on", Count: -1, Last: now},
		{Flag: "a", Env: "", Variant: "on", Count: 1, Last: now},
		{Flag: "", Env: "production", Variant: "on", Count: 1, Last: now},
		{Flag: "a", Env: "production", Variant: "on", Count: 1},
		{Flag: "a", Env: "production", Variant: "on", Count: 1, Last: time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC)},
		{Flag: "a", Env: "production", Variant: "on", Count: 1, Last: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		err := s.AddExposure(ctx, []store.ExposureDelta{{Flag: "c", Env: "production", Variant: "on", Count: 1, Last: now}, bad})
		if err == nil {
			t.Errorf("AddExposure with %+v: no error", bad)
		}
	}
	if es, err := s.Exposure(ctx, "c"); err != nil || len(es) != 0 {
		t.Errorf("Exposure(c) after refused batches = %v, %v", es, err)
	}

	// A total above MaxExposureCount is refused, the batch writing nothing.
	big := []store.ExposureDelta{{Flag: "big", Env: "production", Variant: "on", Count: store.MaxExposureCount - 1, Last: now}}
	if err := s.AddExposure(ctx, big); err != nil {
		t.Fatal(err)
	}
	for _, n := range []int64{2, store.MaxExposureCount} {
		err := s.AddExposure(ctx, []store.ExposureDelta{{Flag: "c", Env: "production", Variant: "on", Count: 1, Last: now},
			{Flag: "big", Env: "production", Variant: "on", Count: n, Last: now}})
		if err == nil {
			t.Errorf("AddExposure of %d to a total of MaxExposureCount-1: no error", n)
		}
	}
	if err := s.AddExposure(ctx, []store.ExposureDelta{{Flag: "big", Env: "production", Variant: "on", Count: 1, Last: now}}); err != nil {
		t.Errorf("AddExposure up to MaxExposureCount: %v", err)
	}
	if es, err := s.Exposure(ctx, "big"); err != nil || len(es) != 1 || es[0].Variants["on"] != store.MaxExposureCount {
		t.Errorf("Exposure(big) = %v, %v; want MaxExposureCount", es, err)
	}
	if es, err := s.Exposure(ctx, "c"); err != nil || len(es) != 0 {
		t.Errorf("Exposure(c) after refused batches = %v, %v", es, err)
	}

	// Concurrent batches: every count lands.
	const workers, batches = 4, 25
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for range batches {
				err := s.AddExposure(ctx, []store.ExposureDelta{
					{Flag: "n", Env: "production", Variant: "on", Count: 1, Last: now},
					{Flag: "n", Env: "production", Variant: fmt.Sprint("v", w), Count: 2, Last: now},
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	es, err = s.Exposure(ctx, "n")
	if err != nil || len(es) != 1 {
		t.Fatalf("Exposure(n) = %v, %v", es, err)
	}
	if got := es[0].Variants; got["on"] != workers*batches || got["v0"] != 2*batches || got["v3"] != 2*batches {
		t.Errorf("concurrent totals = %v", got)
	}
}

// testExposureReset checks ResetExposure: the flag's counts, minutes and
// last time gone in the environment reset (others' and other
// environments' kept), Since set and never moved back, deltas made before
// the reset dropped (within a batch too), env "" resetting every
// environment counted, and refused arguments.
func testExposureReset(t *testing.T, s store.Store) {
	ctx := t.Context()
	now := time.Now().Truncate(time.Millisecond).UTC()
	t0, r, t1 := now.Add(-3*time.Minute), now.Add(-2*time.Minute), now.Add(-time.Minute)
	err := s.AddExposure(ctx, []store.ExposureDelta{
		{Flag: "a", Env: "production", Variant: "on", Count: 5, Last: t0},
		{Flag: "a", Env: "production", Variant: "off", Count: 1, Last: t0},
		{Flag: "a", Env: "dev", Variant: "on", Count: 4, Last: t1},
		{Flag: "b", Env: "production", Variant: "on", Count: 2, Last: t1},
		{Flag: "b", Env: "staging", Variant: "on", Count: 1, Last: t1},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ResetExposure(ctx, "a", "production", r); err != nil {
		t.Fatal(err)
	}
	dev := store.Exposure{Flag: "a", Env: "dev", Variants: map[string]int64{"on": 4}, Last: t1, Minutes: map[int64]int64{store.Minute(t1): 4}}
	wantExposure(t, s, "a", "Exposure(a) after its reset in production", []store.Exposure{
		dev, {Flag: "a", Env: "production", Variants: map[string]int64{}, Since: r}})
	bProd := store.Exposure{Flag: "b", Env: "production", Variants: map[string]int64{"on": 2}, Last: t1, Minutes: map[int64]int64{store.Minute(t1): 2}}
	bStaging := store.Exposure{Flag: "b", Env: "staging", Variants: map[string]int64{"on": 1}, Last: t1, Minutes: map[int64]int64{store.Minute(t1): 1}}
	wantExposure(t, s, "b", "Exposure(b) after a's reset", []store.Exposure{bProd, bStaging})
	if since, err := s.ExposureSince(ctx, "production"); err != nil || !since.Equal(t0) {
		t.Errorf("ExposureSince(production) after a reset = %v, %v; want %v (the environment's, kept)", since, err, t0)
	}

	// Deltas of a made before the reset (flushed late) are dropped, in
	// the same batch as deltas made at or after it, which count.
	err = s.AddExposure(ctx, []store.ExposureDelta{
		{Flag: "a", Env: "production", Variant: "on", Count: 3, Last: t0},
		{Flag: "a", Env: "production", Variant: "off", Count: 2, Last: t1},
		{Flag: "a", Env: "production", Variant: "on", Count: 1, Last: r},
		{Flag: "b", Env: "production", Variant: "on", Count: 1, Last: t0},
	})
	if err != nil {
		t.Fatal(err)
	}
	prod := store.Exposure{Flag: "a", Env: "production", Variants: map[string]int64{"off": 2, "on": 1}, Last: t1, Since: r,
		Minutes: map[int64]int64{store.Minute(t1): 2, store.Minute(r): 1}}
	wantExposure(t, s, "a", "Exposure(a) after deltas from before and after its reset", []store.Exposure{dev, prod})
	bProd.Variants["on"], bProd.Minutes[store.Minute(t0)] = 3, 1
	wantExposure(t, s, "b", "Exposure(b) after a delta from before a's reset", []store.Exposure{bProd, bStaging})

	// A delta made only before the reset: a batch of it adds nothing.
	if err := s.AddExposure(ctx, []store.ExposureDelta{{Flag: "a", Env: "production", Variant: "on", Count: 9, Last: t0}}); err != nil {
		t.Fatal(err)
	}
	// A reset at an earlier time deletes the counts but keeps the later Since.
	if err := s.ResetExposure(ctx, "a", "production", t0); err != nil {
		t.Fatal(err)
	}
	wantExposure(t, s, "a", "Exposure(a) after an earlier reset", []store.Exposure{
		dev, {Flag: "a", Env: "production", Variants: map[string]int64{}, Since: r}})

	// A reset in an environment never counted is held too.
	if err := s.ResetExposure(ctx, "a", "qa", r); err != nil {
		t.Fatal(err)
	}
	// env "": every environment counted (staging, where only b was) and
	// every one a was reset in (qa).
	if err := s.ResetExposure(ctx, "a", "", now); err != nil {
		t.Fatal(err)
	}
	var want []store.Exposure
	for _, env := range []string{"dev", "production", "qa", "staging"} {
		want = append(want, store.Exposure{Flag: "a", Env: env, Variants: map[string]int64{}, Since: now})
	}
	wantExposure(t, s, "a", "Exposure(a) after its reset in every environment", want)
	wantExposure(t, s, "b", "Exposure(b) after a's reset in every environment", []store.Exposure{bProd, bStaging})

	for _, bad := range []struct {
		flag, env string
		at        time.Time
	}{
		{"", "production", now},
		{"a", "production", time.Time{}},
		{"a", "production", time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC)},
		{"a", "production", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"a\xff", "production", now},
		{"b", "\xff", now},
	} {
		if err := s.ResetExposure(ctx, bad.flag, bad.env, bad.at); err == nil {
			t.Errorf("ResetExposure(%q, %q, %v): no error", bad.flag, bad.env, bad.at)
		}
	}
	wantExposure(t, s, "b", "Exposure(b) after refused resets", []store.Exposure{bProd, bStaging})
}

// wantExposure checks what s holds of flag's exposure (Exposure(flag))
// against want; what names the check.
func wantExposure(t *testing.T, s store.Store, flag, what string, want []store.Exposure) {
	t.Helper()
	es, err := s.Exposure(t.Context(), flag)
	if err != nil {
		t.Fatal(err)
	}
	checkExposures(t, what, es, want)
}

// checkExposures compares exposures, times with Equal.
func checkExposures(t *testing.T, what string, got, want []store.Exposure) {
	t.Helper()
	ok := len(got) == len(want)
	for i := 0; ok && i < len(got); i++ {
		g, w := got[i], want[i]
		ok = g.Flag == w.Flag && g.Env == w.Env && g.Last.Equal(w.Last) && g.Since.Equal(w.Since) && maps.Equal(g.Variants, w.Variants) && maps.Equal(g.Minutes, w.Minutes)
	}
	if !ok {
		t.Errorf("%s =\n%+v\nwant\n%+v", what, got, want)
	}
}

// ExposureTotals returns every total s holds (Exposure of every flag),
// keyed "ENV/FLAG/VARIANT": for tests that compare them with the
// evaluations they made.
func ExposureTotals(t testing.TB, s store.Store) map[string]int64 {
	t.Helper()
	es, err := s.Exposure(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, e := range es {
		for v, n := range e.Variants {
			out[e.Env+"/"+e.Flag+"/"+v] = n
		}
	}
	return out
}
