package lint

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

func TestGitLastChange(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	dir := t.TempDir()
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_COMMITTER_DATE=2024-03-04T05:06:07Z", "GIT_AUTHOR_DATE=2024-03-04T05:06:07Z")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	file := filepath.Join(dir, "flags.json")
	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(file, []byte(s), 0o666); err != nil {
			t.Fatal(err)
		}
	}
	git("init", "-q")
	write("{}")
	if _, ok := GitLastChange(file); ok {
		t.Error("untracked file: ok = true")
	}
	git("add", "flags.json")
	git("commit", "-q", "-m", "spec")
	got, ok := GitLastChange(file)
	if want := time.Date(2024, 3, 4, 5, 6, 7, 0, time.UTC); !ok || !got.Equal(want) {
		t.Errorf("committed file: got %v, %v; want %v, true", got, ok, want)
	}
	write(`{"flags": {}}`)
	if _, ok := GitLastChange(file); ok {
		t.Error("modified file: ok = true")
	}
	if _, ok := GitLastChange(filepath.Join(t.TempDir(), "flags.json")); ok {
		t.Error("file outside git: ok = true")
	}
}
