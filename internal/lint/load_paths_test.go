package lint

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadOverlayErrorNames: a type error in an overlaid file is reported
// under the file's own name, never under the overlay's temporary backing
// file (which is gone when the user reads the message), and the same way
// whether the go command or go/packages applies the overlay (an added file
// keeps the overlay with go/packages).
func TestLoadOverlayErrorNames(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs the go command")
	}
	env := append(os.Environ(), "GOFLAGS=-mod=mod -trimpath", "GOWORK=off", "GOPROXY=off")
	dir := overlayModule(t)
	a := filepath.Join(dir, "a", "a.go")
	broken := []byte("package a\n\nfunc F() int { return \"\" }\n")
	extra := filepath.Join(dir, "a", "extra.go")
	for _, c := range []struct {
		name    string
		overlay map[string][]byte
	}{
		{"go command", map[string][]byte{a: broken}},
		{"go/packages", map[string][]byte{a: broken, extra: []byte("package a\n")}},
	} {
		_, err := load(Options{Dir: dir, Env: env, Overlay: c.overlay}, "./...")
		t.Logf("%s: %v", c.name, err)
		if err == nil || !strings.Contains(err.Error(), "a/a.go:3:") {
			t.Errorf("%s: err = %v, want a type error at a/a.go:3", c.name, err)
		}
		if err != nil && strings.Contains(err.Error(), os.TempDir()+string(filepath.Separator)) {
			t.Errorf("%s: the error names the overlay's temporary file:\n%v", c.name, err)
		}
	}
}

// TestLoadOverlaySymlink: an overlay that names a file through a symbolic
// link to the module's directory; go/packages matches overlaid files with
// os.SameFile, so the overlay applies.
func TestLoadOverlaySymlink(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs the go command")
	}
	env := append(os.Environ(), "GOFLAGS=-mod=mod -trimpath", "GOWORK=off", "GOPROXY=off")
	dir := overlayModule(t)
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(dir, link); err != nil {
		t.Skip(err)
	}
	b := filepath.Join(link, "b", "b.go")
	bad := []byte("package b\n\nvar X string = 1\n")
	// With a file the overlay adds, go/packages keeps the overlay.
	added := filepath.Join(dir, "b", "extra.go")
	for name, overlay := range map[string]map[string][]byte{
		"go command":  {b: bad},
		"go/packages": {b: bad, added: []byte("package b\n")},
	} {
		_, err := load(Options{Dir: dir, Env: env, Overlay: overlay}, "./b")
		t.Logf("%s: %v", name, err)
		if err == nil {
			t.Errorf("%s: b overlaid through a symbolic link with a type error: loaded without error, want the error", name)
		}
	}
}

// TestLoadOverlayDotDot: an overlay that names a file through a path with
// ".." applies.
func TestLoadOverlayDotDot(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs the go command")
	}
	env := append(os.Environ(), "GOFLAGS=-mod=mod -trimpath", "GOWORK=off", "GOPROXY=off")
	dir := overlayModule(t)
	b := dir + "/a/../b/./b.go"
	_, err := load(Options{Dir: dir, Env: env, Overlay: map[string][]byte{b: []byte("package b\n\nvar X string = 1\n")}}, "./b")
	if err == nil || !strings.Contains(err.Error(), "b/b.go:3:") {
		t.Errorf("b overlaid through a path with .. with a type error: err = %v, want it at b/b.go:3", err)
	}
}
