package redisstore_test

import (
	"errors"
	"maps"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flaggen/flaggen/internal/redistest"
	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/flagimpl"
	"github.com/flaggen/flaggen/runtime/redisstore"
	"github.com/flaggen/flaggen/runtime/store"
)

// TestExposureBadValues: a value in an exposure key that flaggen does not
// write there fails AddExposure (writing nothing) and Exposure with an
// error wrapping ErrMalformed that names the key; another flag's bad value
// fails no flag's read, and the read of every flag returns the well-formed
// entries with the error; nothing panics.
func TestExposureBadValues(t *testing.T) {
	srv := redistest.Start(t)
	rc := newClient(t, srv.Addr())
	s := newStoreOn(t, rc, redisstore.WithNamespace("exp"))
	ctx := t.Context()
	now := time.Now()
	delta := []store.ExposureDelta{{Flag: "f", Env: "production", Variant: "on", Count: 1, Last: now}}
	if err := s.AddExposure(ctx, delta); err != nil {
		t.Fatal(err)
	}
	counts, last, since, reset := s.Key("exposure:counts"), s.Key("exposure:last"), s.Key("exposure:since"), s.Key("exposure:reset")
	for _, bad := range []struct {
		name             string
		set              []any // HSET key field value (or SET key value when len 2)
		read, all, write bool  // Exposure of f, of every flag, AddExposure fail
	}{
		{"count not a number", []any{counts, "10:production1:f2:on", "many"}, true, true, true},
		{"count too large", []any{counts, "10:production1:f2:on", "12345678901234567890"}, true, true, true},
		{"another flag's count", []any{counts, "10:production1:g2:on", "many"}, false, true, false},
		{"field not flaggen's", []any{counts, "junk", "1"}, false, true, false},
		{"last not a number", []any{last, "10:production1:f", "yesterday"}, true, true, true},
		{"last past 9999", []any{last, "10:production1:f", "9999999999999999"}, true, true, true},
		{"last before 2000", []any{last, "10:production1:f", "-5"}, true, true, true},
		{"since not a number", []any{since, "production", "1.5"}, false, false, true},
		{"counts of another type", []any{counts, "x"}, true, true, true},
		{"reset not a number", []any{reset, "10:production1:f", "soon"}, true, true, true},
		{"reset past 9999", []any{reset, "10:production1:f", "9999999999999999"}, true, true, true},
		{"reset negative", []any{reset, "10:production1:f", "-5"}, true, true, true},
		{"another flag's reset", []any{reset, "10:production1:g", "soon"}, false, true, false},
		{"reset of another type", []any{reset, "x"}, true, true, true},
	} {
		t.Run(bad.name, func(t *testing.T) {
			saved := map[string]string{}
			for _, k := range []string{counts, last, since, reset} {
				v, err := rc.Dump(ctx, k).Result()
				if err == nil {
					saved[k] = v
				}
			}
			defer func() {
				rc.Del(ctx, reset)
				for k, v := range saved {
					rc.RestoreReplace(ctx, k, 0, v)
				}
			}()
			key := bad.set[0].(string)
			if len(bad.set) == 2 {
				rc.Del(ctx, key)
				if err := rc.Set(ctx, key, bad.set[1], 0).Err(); err != nil {
					t.Fatal(err)
				}
			} else if err := rc.HSet(ctx, key, bad.set[1], bad.set[2]).Err(); err != nil {
				t.Fatal(err)
			}
			_, err := s.Exposure(ctx, "f")
			if bad.read != (err != nil) || err != nil && (!errors.Is(err, redisstore.ErrMalformed) || !strings.Contains(err.Error(), key)) {
				t.Errorf("Exposure: %v (want an error naming %s: %v)", err, key, bad.read)
			}
			es, err := s.Exposure(ctx, "")
			if bad.all != (err != nil) || err != nil && (!errors.Is(err, redisstore.ErrMalformed) || !strings.Contains(err.Error(), key)) {
				t.Errorf("Exposure of every flag: %v (want an error naming %s: %v)", err, key, bad.all)
			}
			if len(bad.set) == 3 && (len(es) == 0 || es[0].Flag != "f" || es[0].Variants["on"] == 0 && es[0].Last.IsZero()) {
				t.Errorf("Exposure of every flag: %+v, want f's well-formed entries", es)
			}
			before, _ := rc.HGetAll(ctx, counts).Result()
			err = s.AddExposure(ctx, delta)
			if bad.write != (err != nil) || err != nil && (!errors.Is(err, redisstore.ErrMalformed) || !strings.Contains(err.Error(), key)) {
				t.Errorf("AddExposure: %v (want an error naming %s: %v)", err, key, bad.write)
			}
			if after, _ := rc.HGetAll(ctx, counts).Result(); err != nil && len(before) > 0 && before["10:production1:f2:on"] != after["10:production1:f2:on"] {
				t.Errorf("a refused AddExposure wrote: %v → %v", before, after)
			}
		})
	}
	if _, err := s.ExposureSince(ctx, "production"); err != nil {
		t.Errorf("ExposureSince after repair: %v", err)
	}
	rc.HSet(ctx, since, "production", "soon")
	if _, err := s.ExposureSince(ctx, "production"); !errors.Is(err, redisstore.ErrMalformed) || !strings.Contains(err.Error(), since) {
		t.Errorf("ExposureSince of a bad value: %v", err)
	}
	rc.Del(ctx, since)
	rc.Set(ctx, since, "x", 0)
	if _, err := s.ExposureSince(ctx, "production"); !errors.Is(err, redisstore.ErrMalformed) || !strings.Contains(err.Error(), since) {
		t.Errorf("ExposureSince of a string key: %v", err)
	}
}

// TestResetExposureRedis: a reset is one script call; a hash of another
// type refuses it with an error wrapping ErrMalformed that names the key,
// writing nothing; a reset time flaggen does not write is replaced; only
// the flag's fields are deleted, whatever characters names hold.
func TestResetExposureRedis(t *testing.T) {
	srv := redistest.Start(t)
	rc := newClient(t, srv.Addr())
	s := newStoreOn(t, rc, redisstore.WithNamespace("exp"))
	ctx := t.Context()
	now := time.Now().Truncate(time.Millisecond).UTC()
	err := s.AddExposure(ctx, []store.ExposureDelta{
		{Flag: "f", Env: "production", Variant: "on", Count: 2, Last: now},
		{Flag: "1:f", Env: "production", Variant: "on", Count: 3, Last: now},
		{Flag: "f", Env: "production1:f", Variant: "on", Count: 4, Last: now},
	})
	if err != nil {
		t.Fatal(err)
	}
	counts, reset := s.Key("exposure:counts"), s.Key("exposure:reset")
	if err := s.ResetExposure(ctx, "f", "production", now); err != nil { // loads the script
		t.Fatal(err)
	}
	got, _ := rc.HGetAll(ctx, counts).Result()
	if want := map[string]string{"10:production3:1:f2:on": "3", "13:production1:f1:f2:on": "4"}; !maps.Equal(got, want) {
		t.Errorf("counts after resetting f in production = %v, want %v", got, want)
	}
	rc.HSet(ctx, reset, "10:production1:f", "soon")
	before := commandCalls(t, rc)
	if err := s.ResetExposure(ctx, "f", "production", now.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if n := commandCalls(t, rc)["evalsha"] - before["evalsha"]; n != 1 {
		t.Errorf("ResetExposure: %d EVALSHA calls, want 1", n)
	}
	if v, _ := rc.HGet(ctx, reset, "10:production1:f").Result(); v != strconv.FormatInt(now.Add(time.Second).UnixMilli(), 10) {
		t.Errorf("reset time after replacing a bad one = %q", v)
	}
	rc.Del(ctx, reset)
	rc.Set(ctx, reset, "x", 0)
	err = s.ResetExposure(ctx, "f", "", now)
	if !errors.Is(err, redisstore.ErrMalformed) || !strings.Contains(err.Error(), reset) {
		t.Errorf("ResetExposure over a string key: %v", err)
	}
	if after, _ := rc.HGetAll(ctx, counts).Result(); !maps.Equal(got, after) {
		t.Errorf("a refused reset wrote: %v → %v", got, after)
	}
}

// TestAddExposureOneRoundTrip: a batch of many flags is one script call.
func TestAddExposureOneRoundTrip(t *testing.T) {
	srv := redistest.Start(t)
	rc := newClient(t, srv.Addr())
	s := newStoreOn(t, rc, redisstore.WithNamespace("exp"))
	ctx := t.Context()
	var batch []store.ExposureDelta
	for i := range 200 {
		batch = append(batch, store.ExposureDelta{Flag: "f" + strings.Repeat("x", i%50), Env: "production", Variant: "on", Count: 1, Last: time.Now().Add(-time.Duration(i) * time.Second)})
	}
	if err := s.AddExposure(ctx, batch); err != nil { // loads the script
		t.Fatal(err)
	}
	before := commandCalls(t, rc)
	if err := s.AddExposure(ctx, batch); err != nil {
		t.Fatal(err)
	}
	after := commandCalls(t, rc)
	if n := after["evalsha"] - before["evalsha"]; n != 1 {
		t.Errorf("AddExposure of 200 deltas: %d EVALSHA calls, want 1", n)
	}
}

// TestMalformedExposureHoldsBackNoOtherFlag: a bad count under one flag's
// exposure field fails that flag's counts only: the other flag's are
// added, Flush names the bad flag, whose counts are kept and added once
// the value is repaired.
func TestMalformedExposureHoldsBackNoOtherFlag(t *testing.T) {
	srv := redistest.Start(t)
	rc := newClient(t, srv.Addr())
	s := newStoreOn(t, rc)
	ctx := t.Context()
	spec := flagimpl.MustLoadSpec("flags.json", []byte(`{"flags": {
		"banner":   {"active": true},
		"checkout": {"active": true}
	}}`))
	c, err := runtime.NewClient(spec, runtime.WithStore(s), runtime.WithLogger(discard),
		runtime.WithFlushInterval(time.Hour), runtime.WithExposure())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	bad := "10:production6:banner2:on"
	if err := rc.HSet(ctx, s.Key("exposure:counts"), bad, "abc").Err(); err != nil {
		t.Fatal(err)
	}
	c.Evaluate(ctx, "banner", nil)
	c.Evaluate(ctx, "checkout", nil)
	c.Evaluate(ctx, "checkout", nil)
	err = c.Flush(ctx)
	if err == nil || !strings.Contains(err.Error(), `"banner"`) || strings.Contains(err.Error(), `"checkout"`) {
		t.Fatalf("Flush = %v, want an error naming banner only", err)
	}
	es, err := s.Exposure(ctx, "checkout")
	if err != nil || len(es) != 1 || es[0].Variants["on"] != 2 {
		t.Fatalf("checkout's exposure: %+v, %v; want 2 on", es, err)
	}
	if err := rc.HDel(ctx, s.Key("exposure:counts"), bad).Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	es, err = s.Exposure(ctx, "banner")
	if err != nil || len(es) != 1 || es[0].Variants["on"] != 1 {
		t.Fatalf("banner's exposure after the repair: %+v, %v; want 1 on", es, err)
	}
	if es, _ := s.Exposure(ctx, "checkout"); len(es) != 1 || es[0].Variants["on"] != 2 {
		t.Fatalf("checkout's exposure after the repair: %+v (counted twice?)", es)
	}
}
