package filestore_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flaggen/flaggen/runtime/filestore"
	"github.com/flaggen/flaggen/runtime/store"
	"github.com/flaggen/flaggen/runtime/storetest"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.TestStore(t, func(t *testing.T) store.Store {
		s, err := filestore.New(filepath.Join(t.TempDir(), "live.json"), nil)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestConformanceShared runs the shared-store checks over two stores of one
// file, as two processes would open it.
func TestConformanceShared(t *testing.T) {
	t.Parallel()
	storetest.TestShared(t, func(t *testing.T) (store.Store, store.Store) {
		path := filepath.Join(t.TempDir(), "live.json")
		a, err := filestore.New(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, err := filestore.New(path, nil)
		if err != nil {
			a.Close()
			t.Fatal(err)
		}
		return a, b
	})
}

func TestRejectsBrokenFileAtOpen(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "live.json")
	os.WriteFile(path, []byte(`{"flags": {"a": 3}}`), 0o644)
	if _, err := filestore.New(path, nil); err == nil || !strings.Contains(err.Error(), "flags.a") {
		t.Errorf("err = %v", err)
	}
}

// TestFailedWriteIsUndone: a change that cannot be written to the
// file is refused and leaves no trace in what the store serves.
func TestFailedWriteIsUndone(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "live")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := filestore.New(filepath.Join(dir, "state.json"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ctx := context.Background()
	if _, err := f.Apply(ctx, store.Change{Actor: "t", Flags: map[string]json.RawMessage{"a": json.RawMessage(`{"active":true}`)}}); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil { // the next write cannot land
		t.Fatal(err)
	}
	if _, err := f.Apply(ctx, store.Change{Actor: "t", Flags: map[string]json.RawMessage{"a": json.RawMessage(`{"active":false}`)}}); err == nil {
		t.Fatal("Apply succeeded with nowhere to write")
	}
	st, err := f.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Version != 1 || string(st.Flags["a"]) != `{"active":true}` {
		t.Fatalf("after a failed write the store serves version %d, a = %s; want version 1, the saved patch", st.Version, st.Flags["a"])
	}
	if audit, _ := f.Audit(ctx, "", 0); len(audit) != 1 {
		t.Fatalf("audit has %d entries after a failed write, want 1", len(audit))
	}
}

// TestRejectsExposureTimeOutOfRange: a file whose exposure "last" lies
// outside the years 2000 to 9999 is refused at open with an error naming
// the entry.
func TestRejectsExposureTimeOutOfRange(t *testing.T) {
	t.Parallel()
	for _, last := range []string{"1999-12-31T00:00:00Z", "1970-01-01T00:00:00Z"} {
		path := filepath.Join(t.TempDir(), "live.json")
		os.WriteFile(path, []byte(`{"flags": {}, "exposure": [{"flag": "a", "env": "production", "variants": {"on": 1}, "last": "`+last+`"}]}`), 0o644)
		_, err := filestore.New(path, nil)
		if err == nil || !strings.Contains(err.Error(), `exposure[0] (flag "a", env "production"): last: time `) ||
			!strings.Contains(err.Error(), "outside the years 2000 to 9999") {
			t.Errorf("last %s: err = %v", last, err)
		}
	}
}

// TestExposureResetKept: a reset (Exposure.Since) is kept in the file: a
// store opened on it later answers it and drops the deltas made before
// it; a "since" outside the years 2000 to 9999 is refused at open.
func TestExposureResetKept(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "live.json")
	a, err := filestore.New(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	at := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	if err := a.ResetExposure(ctx, "f", "production", at); err != nil {
		t.Fatal(err)
	}
	a.Close()
	b, err := filestore.New(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	err = b.AddExposure(ctx, []store.ExposureDelta{{Flag: "f", Env: "production", Variant: "on", Count: 3, Last: at.Add(-time.Second)}})
	if err != nil {
		t.Fatal(err)
	}
	es, err := b.Exposure(ctx, "f")
	if err != nil || len(es) != 1 || !es[0].Since.Equal(at) || len(es[0].Variants) != 0 {
		t.Errorf("Exposure(f) of a store reopened after a reset = %+v, %v", es, err)
	}

	os.WriteFile(path, []byte(`{"flags": {}, "exposure": [{"flag": "a", "env": "production", "variants": {}, "since": "1999-12-31T00:00:00Z"}]}`), 0o644)
	if _, err := filestore.New(path, nil); err == nil || !strings.Contains(err.Error(), `exposure[0] (flag "a", env "production"): since: time `) {
		t.Errorf("since in 1999: err = %v", err)
	}
}
