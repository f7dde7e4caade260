package lint

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestLoadOverlayCleanupAndConcurrency: concurrent loads with different
// overlays each see their own, and no overlay files stay behind, after
// loads that succeed, fail to type-check or fail to run.
func TestLoadOverlayCleanupAndConcurrency(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs the go command")
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	env := append(os.Environ(), "GOFLAGS=-mod=mod -trimpath", "GOWORK=off", "GOPROXY=off")
	dir := overlayModule(t)
	a := filepath.Join(dir, "a", "a.go")
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			src := "package a\n\nfunc F() int { return 1 }\n"
			if i%2 == 1 {
				src = "package a\n\nfunc F() string { return \"\" }\n"
			}
			pattern := "./b"
			if i == 4 {
				pattern = "./nosuch/..."
			}
			_, errs[i] = load(Options{Dir: dir, Env: env, Overlay: map[string][]byte{a: []byte(src)}}, pattern)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		switch {
		case i == 4:
			if err == nil {
				t.Errorf("load %d of no packages: no error", i)
			}
		case i%2 == 1:
			if err == nil || !strings.Contains(err.Error(), "b/b.go:5:") {
				t.Errorf("load %d with F returning a string: err = %v", i, err)
			}
		default:
			if err != nil {
				t.Errorf("load %d: %v", i, err)
			}
		}
	}
	entries, _ := os.ReadDir(tmp)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "flaggen-overlay-") {
			t.Errorf("%s stayed behind", e.Name())
		}
	}
}
