package readme

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCIInstallsWhatAFreshMachineLacks runs .ci/run, which runs the
// README's make test on a clean clone, on a machine with a PATH that lacks
// redis-server, make, gcc (make test's -race needs cgo, so a C
// compiler), curl (the README's server walkthrough), chromium (the admin
// page's browser tests) and zsh and fish (completion tests), and on one that
// has them. It must install what is missing,
// with one apt-get, and then run make test. apt-get and the programs it
// installs are stand-ins that record their calls.
func TestCIInstallsWhatAFreshMachineLacks(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	tools := map[string]string{}
	for _, name := range []string{"dirname", "chmod"} {
		p, err := exec.LookPath(name)
		if err != nil {
			t.Skipf("no %s", name)
		}
		tools[name] = p
	}
	script := filepath.Join(repoRoot(t), ".ci", "run")
	for _, tc := range []struct {
		name string
		has  []string // programs on PATH at the start
		want string   // the calls recorded
	}{
		{"fresh", nil, "apt-get update\napt-get install -y redis-server make gcc libc6-dev curl chromium zsh fish\nmake test\n"},
		{"no gcc", []string{"redis-server", "redis-cli", "make", "curl", "chromium", "zsh", "fish"}, "apt-get update\napt-get install -y gcc libc6-dev\nmake test\n"},
		{"ready", []string{"redis-server", "redis-cli", "make", "gcc", "curl", "chromium", "zsh", "fish"}, "make test\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			bin := filepath.Join(dir, "bin")
			calls := filepath.Join(dir, "calls")
			if err := os.Mkdir(bin, 0o777); err != nil {
				t.Fatal(err)
			}
			// A stand-in program records its name and arguments.
			stub := "#!/bin/sh\necho \"${0##*/} $*\" >> '" + calls + "'\n"
			write := func(name, text string) {
				if err := os.WriteFile(filepath.Join(bin, name), []byte(text), 0o777); err != nil {
					t.Fatal(err)
				}
			}
			for _, name := range tc.has {
				write(name, stub)
			}
			if err := os.Symlink(tools["dirname"], filepath.Join(bin, "dirname")); err != nil {
				t.Fatal(err)
			}
			// apt-get records its call and installs a stand-in for each
			// program of the packages it is asked for.
			write("apt-get", stub+`[ "$1" = install ] || exit 0
for p in "$@"; do
	case "$p" in
	redis-server) progs="redis-server redis-cli" ;;
	make|gcc|curl|chromium|zsh|fish) progs="$p" ;;
	*) progs="" ;;
	esac
	for prog in $progs; do
		printf '%s' "$STUB" > '`+bin+`'/"$prog"
		'`+tools["chmod"]+`' +x '`+bin+`'/"$prog"
	done
done
`)
			cmd := exec.Command(bash, script)
			cmd.Env = []string{"PATH=" + bin, "HOME=" + dir, "CI=true", "STUB=" + stub}
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf(".ci/run: %v\n%s", err, out)
			}
			got, err := os.ReadFile(calls)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf(".ci/run called\n%s\nwant\n%s", got, tc.want)
			}
			if strings.Contains(string(out), "command not found") {
				t.Errorf(".ci/run: %s", out)
			}
		})
	}
}
