package runtime_test

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/flaggen/flaggen/internal/spec"
	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/memstore"
	"github.com/flaggen/flaggen/runtime/store"
	"github.com/flaggen/flaggen/runtime/storetest"
)

const exposureSpec = `{"flags": {
	"on_off": {"active": true},
	"color": {"type": "string", "active": true, "default": "red", "variants": {"red": 50, "blue": 50}}}}`

// failingStore fails AddExposure while fail is set.
type failingStore struct {
	*memstore.Store
	fail atomic.Bool
}

func (f *failingStore) AddExposure(ctx context.Context, d []store.ExposureDelta) error {
	if f.fail.Load() {
		return errors.New("store down")
	}
	return f.Store.AddExposure(ctx, d)
}

// TestExposureVariants: counts go to the variant served (on/off, the
// variant's name, the default's), pinned evaluations to PinnedVariant,
// names the spec lacks nowhere; a flush the store refuses keeps its
// counts for the next one, which writes them once.
func TestExposureVariants(t *testing.T) {
	sp, err := runtime.LoadSpec("flags.json", []byte(exposureSpec))
	if err != nil {
		t.Fatal(err)
	}
	st := &failingStore{Store: memstore.New()}
	defer st.Close()
	c, err := runtime.NewClient(sp, runtime.WithStore(st), runtime.WithEnvironment("dev"), runtime.WithExposure())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	want := map[string]int64{}
	for i := range 100 {
		a := []runtime.Value{runtime.Int(int64(i))}
		c.Evaluate(ctx, "on_off", a)
		want["dev/color/"+c.Evaluate(ctx, "color", a).(string)]++
	}
	want["dev/on_off/on"] = 100
	c.Evaluate(ctx, "color", nil) // no key: the default
	want["dev/color/red"]++
	c.Evaluate(ctx, "no_such_flag", nil)
	if err := c.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := storetest.ExposureTotals(t, st); !maps.Equal(got, want) || want["dev/color/red"] == 0 || want["dev/color/blue"] == 0 {
		t.Errorf("counts %v, want %v", got, want)
	}

	st.fail.Store(true)
	t.Run("pinned", func(t *testing.T) {
		runtime.ToggleNameAs(t, c, "on_off", false)
		c.Evaluate(ctx, "on_off", nil)
		c.Evaluate(ctx, "on_off", nil)
	})
	want["dev/on_off/"+runtime.PinnedVariant] = 2
	if err := c.Flush(ctx); err == nil {
		t.Fatal("Flush with the store failing: no error")
	}
	c.Evaluate(ctx, "on_off", nil)
	want["dev/on_off/on"]++
	st.fail.Store(false)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if got := storetest.ExposureTotals(t, st); !maps.Equal(got, want) {
		t.Errorf("after a failed flush and Close: counts %v, want %v", got, want)
	}
}

// TestEnvironmentNameChecked: NewClient refuses an environment under which
// evaluations could never be counted.
func TestEnvironmentNameChecked(t *testing.T) {
	sp, err := runtime.LoadSpec("flags.json", []byte(exposureSpec))
	if err != nil {
		t.Fatal(err)
	}
	for _, env := range []string{"", "prod\xff", "prod\n", "prod\x00"} {
		c, err := runtime.NewClient(sp, runtime.WithEnvironment(env), runtime.WithExposure())
		if err == nil {
			c.Close()
			t.Errorf("NewClient with environment %q: no error", env)
		}
	}
	c, err := runtime.NewClient(sp, runtime.WithEnvironment("préprod"), runtime.WithExposure())
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}

// TestPinnedVariantReserved: the spec check reserves PinnedVariant, so no
// variant's counts merge with a pinned flag's.
func TestPinnedVariantReserved(t *testing.T) {
	if runtime.PinnedVariant != spec.PinnedVariant {
		t.Fatalf("runtime.PinnedVariant %q, the spec reserves %q", runtime.PinnedVariant, spec.PinnedVariant)
	}
	_, err := runtime.LoadSpec("flags.json", []byte(`{"flags": {"c": {"type": "string", "default": "a", "variants": {"a": 50, "(pinned)": 50}}}}`))
	if err == nil || !strings.Contains(err.Error(), "reserved") {
		t.Fatalf("LoadSpec with a variant named (pinned): %v", err)
	}
}

// countingHandler counts the log records at level Warn and above.
type countingHandler struct{ n atomic.Int64 }

func (h *countingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *countingHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Level >= slog.LevelWarn {
		h.n.Add(1)
	}
	return nil
}
func (h *countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *countingHandler) WithGroup(string) slog.Handler      { return h }

// TestFlushFailureLoggedOnce: a store that keeps refusing the counts is
// logged once per run of the same failure, not at every flush.
func TestFlushFailureLoggedOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sp, err := runtime.LoadSpec("flags.json", []byte(exposureSpec))
		if err != nil {
			t.Fatal(err)
		}
		st := &failingStore{Store: memstore.New()}
		st.fail.Store(true)
		h := &countingHandler{}
		c, err := runtime.NewClient(sp, runtime.WithStore(st), runtime.WithExposure(),
			runtime.WithFlushInterval(time.Second), runtime.WithLogger(slog.New(h)))
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		for range 10 {
			c.Evaluate(ctx, "on_off", nil)
			time.Sleep(time.Second)
			synctest.Wait()
		}
		if n := h.n.Load(); n != 1 {
			t.Errorf("10 failed flushes logged %d times, want once", n)
		}
		st.fail.Store(false)
		c.Close()
	})
}
