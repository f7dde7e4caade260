package remove

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/flaggen/flaggen/internal/benchsize"
)

// bigModule writes a module of files Go files in packages of 50, every one
// of which branches on flag big_flag, and returns its directory.
func bigModule(b *testing.B, files int) string {
	dir := b.TempDir()
	initModule(b, dir, "github.com/flaggen/flaggen/removetest/big")
	if err := os.MkdirAll(filepath.Join(dir, "flags"), 0o755); err != nil {
		b.Fatal(err)
	}
	spec := `{"flags": {"big_flag": {"active": true}, "other": {"active": true, "percentage_rollout": 50}}}`
	if err := os.WriteFile(filepath.Join(dir, "flags", "flags.json"), []byte(spec), 0o644); err != nil {
		b.Fatal(err)
	}
	generate(b, filepath.Join(dir, "flags"))
	for i := range files {
		pkg := fmt.Sprintf("p%02d", i/50)
		if err := os.MkdirAll(filepath.Join(dir, pkg), 0o755); err != nil {
			b.Fatal(err)
		}
		src := fmt.Sprintf(`package %s

import (
	"context"

	"github.com/flaggen/flaggen/removetest/big/flags"
)

// F%d picks a number by big_flag.
func F%d(ctx context.Context, f *flags.Flags, c *flags.Context) int {
	if f.BigFlag(ctx, c) && f.Other(ctx, c) {
		return %d
	} else if !f.BigFlag(ctx, c) {
		return -1
	}
	return 0
}
`, pkg, i, i, i)
		if err := os.WriteFile(filepath.Join(dir, pkg, fmt.Sprintf("f%04d.go", i)), []byte(src), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return dir
}

// BenchmarkRemove1000Files plans and applies the removal of a flag every
// one of 1,000 Go files (20 packages) uses: loading and type-checking the
// module, rewriting, regenerating, and type-checking the result again
// before writing. The files are restored between iterations, untimed.
func BenchmarkRemove1000Files(b *testing.B) {
	n := benchsize.N(1000)
	dir := bigModule(b, n)
	opt := Options{Dir: dir, Spec: "flags/flags.json", Flag: "big_flag", Keep: "on", Env: goEnv()}
	for b.Loop() {
		p, err := New(opt)
		if err != nil {
			b.Fatal(err)
		}
		if len(p.Files) != n+2 {
			b.Fatalf("%d files changed, want %d", len(p.Files), n+2)
		}
		if err := p.Apply(); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		for _, f := range p.Files {
			if err := os.WriteFile(f.Name, f.Old, 0o644); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
	}
}
