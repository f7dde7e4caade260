package runtime

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestFileStoreFailedWriteIsUndone: a change that cannot be written to the
// file is refused and leaves no trace in what the store serves.
func TestFileStoreFailedWriteIsUndone(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "live")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := NewFileStore(filepath.Join(dir, "state.json"), quietLogger)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ctx := context.Background()
	if _, err := f.Apply(ctx, Change{Actor: "t", Flags: map[string]json.RawMessage{"a": json.RawMessage(`{"active":true}`)}}); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil { // the next write cannot land
		t.Fatal(err)
	}
	if _, err := f.Apply(ctx, Change{Actor: "t", Flags: map[string]json.RawMessage{"a": json.RawMessage(`{"active":false}`)}}); err == nil {
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
