package runtime

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/flaggen/flaggen/runtime/memstore"
	"github.com/flaggen/flaggen/runtime/store"
)

// flakyRecorder fails RecordSpec while down is set.
type flakyRecorder struct {
	*memstore.Store
	down  atomic.Bool
	calls atomic.Int32
}

func (f *flakyRecorder) RecordSpec(ctx context.Context, file string, src []byte) error {
	f.calls.Add(1)
	if f.down.Load() {
		return errors.New("connection refused")
	}
	return f.Store.RecordSpec(ctx, file, src)
}

func TestClientRecordsSpec(t *testing.T) {
	const path = "../testdata/seed/flags.json"
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := loadTestSpec(t, path)
	backend := memstore.New()
	defer backend.Close()
	c, err := NewClient(s, WithStore(backend), WithLogger(quietLogger))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	file, src, ok, err := backend.RecordedSpec(t.Context())
	if err != nil || !ok || file != path || string(src) != string(want) {
		t.Fatalf("RecordedSpec after NewClient = %q, %d bytes, %v, %v; want %q, the file's %d bytes", file, len(src), ok, err, path, len(want))
	}
	if f, b := s.Source(); f != path || string(b) != string(want) {
		t.Errorf("Spec.Source() = %q, %d bytes", f, len(b))
	}
}

func TestReadOnlyClientRecordsNoSpec(t *testing.T) {
	backend := memstore.New()
	defer backend.Close()
	if _, ok := store.ReadOnly(backend).(store.SpecRecorder); ok {
		t.Fatal("store.ReadOnly(store) implements store.SpecRecorder: a read-only Client could record its spec")
	}
	c, err := NewClient(loadTestSpec(t, "../testdata/seed/flags.json"), WithStore(store.ReadOnly(backend)), WithLogger(quietLogger))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, _, ok, err := backend.RecordedSpec(t.Context()); ok || err != nil {
		t.Fatalf("a Client over store.ReadOnly(store) recorded its spec (ok %v, err %v)", ok, err)
	}
}

// A store that cannot record at start (Redis down) gets the spec after a
// later successful reload; the failure is logged once, and NewClient
// succeeds.
func TestClientRecordsSpecAfterFailure(t *testing.T) {
	// In a synctest bubble the resyncs run on a fake clock: each pause below
	// lets a known number of them run, then synctest.Wait lets them finish.
	synctest.Test(t, func(t *testing.T) {
		backend := &flakyRecorder{Store: memstore.New()}
		defer backend.Close()
		backend.down.Store(true)
		var logs syncBuffer
		c, err := NewClient(loadTestSpec(t, "../testdata/seed/flags.json"), WithStore(backend),
			WithLogger(slog.New(slog.NewTextHandler(&logs, nil))), WithResync(20*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.Health(); err != nil {
			t.Fatalf("a failed spec record made the Client unhealthy: %v", err)
		}
		time.Sleep(100 * time.Millisecond) // five failing resyncs
		synctest.Wait()
		if n := backend.calls.Load(); n < 5 {
			t.Fatalf("RecordSpec tried %d times over five resyncs", n)
		}
		if n := strings.Count(logs.String(), "cannot record the spec"); n != 1 {
			t.Errorf("the record failure was logged %d times at warning level, want once:\n%s", n, logs.String())
		}
		backend.down.Store(false)
		time.Sleep(20 * time.Millisecond) // the next resync
		synctest.Wait()
		if _, _, ok, _ := backend.RecordedSpec(t.Context()); !ok {
			t.Fatal("spec not recorded at the first resync after the store recovered")
		}
		n := backend.calls.Load()
		time.Sleep(100 * time.Millisecond) // five more resyncs
		synctest.Wait()
		if m := backend.calls.Load(); m != n {
			t.Errorf("RecordSpec called %d more times after it succeeded", m-n)
		}
	})
}
