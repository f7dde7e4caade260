package runtime_test

import (
	"path/filepath"
	"testing"

	"github.com/flaggen/flaggen/runtime"
	"github.com/flaggen/flaggen/runtime/storetest"
)

func TestMemoryStoreConformance(t *testing.T) {
	storetest.TestStore(t, func(t *testing.T) runtime.Store { return runtime.NewMemoryStore() })
}

func TestFileStoreConformance(t *testing.T) {
	storetest.TestStore(t, func(t *testing.T) runtime.Store {
		s, err := runtime.NewFileStore(filepath.Join(t.TempDir(), "live.json"), nil)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
