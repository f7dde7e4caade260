package readme

import (
	"bytes"
	"context"
	"fmt"
	"go/parser"
	"go/token"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/flaggen/flaggen/internal/redistest"
)

// A README shell block says which session runs it with test=NAME. Each
// session runs its blocks in document order, every command of them, in a
// shell with the session's directory and environment; a command that
// exits non-zero fails the test. A block or command no session runs fails
// TestEveryREADMECommandIsRun.
//
//	```sh test=repo             run in the repository root
//	```sh test=make             make targets: see makeTargets
//	```sh test=tutorial         run in a new module in a temporary directory;
//	                            ```go file=PATH / ```json file=PATH blocks are
//	                            written there when the session reaches them,
//	                            into directories its commands made
//	```sh test=redis            run in the repository root against a throwaway
//	                            redis-server that replaces localhost:6379 in the
//	                            exported variables, with flaggen installed
//	                            into a temporary GOBIN on PATH
//	```sh test=redis background each command started twice, in the background
//	                            (the README's "in two terminals"), interrupted
//	                            at the end of the session
//	```sh test=serve            run in the repository root with flaggen
//	                            installed into a temporary GOBIN on PATH, no
//	                            Redis and no FLAGGEN_* variable but those the
//	                            README exports; its address 127.0.0.1:8016
//	                            becomes a free loopback port, in the commands
//	                            and in the output blocks compared with them
//	```sh test=serve background each command started once, in the background
//	                            (the README's own terminal, one server on
//	                            one port), interrupted at the end
//
//	```text output              exactly the stdout of the shell block before it
//	```text background-output   printed by every background command (within 15s)
var sessions = map[string]func(t *testing.T) *session{
	"repo":     repoSession,
	"make":     makeSession,
	"tutorial": tutorialSession,
	"redis":    redisSession,
	"serve":    serveSession,
}

// backgroundStarts is how many times a session that runs background
// blocks starts each of their commands.
var backgroundStarts = map[string]int{"redis": 2, "serve": 1}

// makeTargets are the make commands the README may show, each checked by
// its dry run and, where it is not this test's own caller, by running it.
var makeTargets = map[string]func(t *testing.T, s *session){
	// make test is the gate that runs this very test: running it here would
	// recurse, so check that its dry run is the gate the README describes.
	"make test": func(t *testing.T, s *session) {
		out := s.run("make --no-print-directory -n test")
		for _, want := range []string{"gofmt -l", "go vet ./...", "-run '^TestGeneratedFresh$' ./generated/", "go test -race -count=1 ./..."} {
			if !strings.Contains(out, want) {
				t.Errorf("make -n test does not run %q:\n%s", want, out)
			}
		}
	},
	// make bench runs every benchmark for a second each; run the same
	// command once per benchmark (-benchtime=1x) so that it must pass, with
	// -short, under which the benchmarks of large inputs (10,000 to 100,000
	// flags, 1,000 files) take small ones (internal/benchsize), and on the
	// packages that have benchmarks instead of ./... (the others would
	// only build and link test binaries that run nothing with -run '^$').
	"make bench": func(t *testing.T, s *session) {
		out := s.run("make --no-print-directory -n bench")
		cmd := strings.TrimSpace(out)
		if strings.Count(cmd, "\n") != 0 || !strings.HasPrefix(cmd, "go test ") || !strings.HasSuffix(cmd, "-bench . -benchmem ./...") {
			t.Fatalf("make -n bench = %q, want one go test -bench . -benchmem ./... command", out)
		}
		if testing.Short() {
			t.Log("-short: not running the benchmarks once")
			return
		}
		pkgs := benchPackages(t, s.dir)
		s.run(strings.TrimSuffix(cmd, "./...") + strings.Join(pkgs, " ") + " -benchtime=1x -short")
	},
}

// benchPackages returns the directories below root, as ./DIR patterns,
// whose test files declare a benchmark (a line starting "func Benchmark"),
// skipping those the go command skips (testdata, and names starting with
// "." or "_").
func benchPackages(t *testing.T, root string) []string {
	t.Helper()
	seen := map[string]bool{}
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.HasPrefix(src, []byte("func Benchmark")) || bytes.Contains(src, []byte("\nfunc Benchmark")) {
			rel, err := filepath.Rel(root, filepath.Dir(path))
			if err != nil {
				return err
			}
			seen["./"+filepath.ToSlash(rel)] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) == 0 {
		t.Fatalf("no benchmarks below %s", root)
	}
	pkgs := make([]string, 0, len(seen))
	for p := range seen {
		pkgs = append(pkgs, p)
	}
	slices.Sort(pkgs)
	return pkgs
}

// plan assigns every block of the README to a session, and checks that no
// shell command is left without one.
func plan(blocks []*Block) (map[string][]*Block, []string, error) {
	byName := map[string][]*Block{}
	var order []string
	add := func(name string, b *Block) {
		if _, ok := byName[name]; !ok {
			order = append(order, name)
		}
		byName[name] = append(byName[name], b)
	}
	var errs []string
	var prev *Block // the previous non-text block
	for _, b := range blocks {
		where := fmt.Sprintf("README.md:%d", b.Line)
		switch b.Lang {
		case "sh":
			name := b.Attrs["test"]
			if _, ok := sessions[name]; !ok {
				errs = append(errs, fmt.Sprintf("%s: shell block with test=%q: no test runs it (sessions: %v)", where, name, sessionNames()))
				break
			}
			for k := range b.Attrs {
				if k != "test" && !(k == "background" && backgroundStarts[name] > 0) {
					errs = append(errs, fmt.Sprintf("%s: unknown attribute %q on a test=%s block", where, k, name))
				}
			}
			if name == "make" {
				for _, cmd := range Commands(b.Body) {
					if makeTargets[cmd] == nil {
						errs = append(errs, fmt.Sprintf("%s: %q: no test runs this make command", where, cmd))
					}
				}
			}
			if len(Commands(b.Body)) == 0 {
				errs = append(errs, fmt.Sprintf("%s: shell block without a command", where))
			}
			add(name, b)
			prev = b
		case "text":
			switch {
			case b.Has("output") && len(b.Attrs) == 1:
				if prev == nil || prev.Lang != "sh" || prev.Has("background") {
					errs = append(errs, fmt.Sprintf("%s: output block not right after a foreground shell block", where))
					break
				}
				add(prev.Attrs["test"], b)
			case b.Has("background-output") && len(b.Attrs) == 1:
				if !slices.ContainsFunc(byName["redis"], func(x *Block) bool { return x.Has("background") }) {
					errs = append(errs, fmt.Sprintf("%s: background-output before any background block", where))
					break
				}
				add("redis", b)
			case len(b.Attrs) != 0:
				errs = append(errs, fmt.Sprintf("%s: unknown text block attributes %v", where, b.Attrs))
			}
		case "go", "json":
			if file, ok := b.Attrs["file"]; ok {
				if file == "" || filepath.IsAbs(file) || filepath.Clean(file) != file || strings.HasPrefix(file, "..") || len(b.Attrs) != 1 {
					errs = append(errs, fmt.Sprintf("%s: bad file block %v", where, b.Attrs))
					break
				}
				add("tutorial", b)
				prev = b
				break
			}
			if len(b.Attrs) != 0 {
				errs = append(errs, fmt.Sprintf("%s: unknown attributes %v", where, b.Attrs))
			}
			if b.Lang == "go" {
				if err := parseGoSnippet(b.Body); err != nil {
					errs = append(errs, fmt.Sprintf("%s: Go snippet does not parse: %v", where, err))
				}
			}
			prev = b
		default:
			errs = append(errs, fmt.Sprintf("%s: code block of language %q: write shell commands as ```sh test=SESSION so that a test runs them, other code as go, json or text", where, b.Lang))
		}
	}
	for name := range sessions {
		if _, ok := byName[name]; !ok {
			errs = append(errs, fmt.Sprintf("session %q runs no README block: remove it or use it", name))
		}
	}
	if len(errs) > 0 {
		return nil, nil, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return byName, order, nil
}

func sessionNames() []string {
	var names []string
	for n := range sessions {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// parseGoSnippet parses a Go file, or statements as a function body.
func parseGoSnippet(src string) error {
	fset := token.NewFileSet()
	if strings.HasPrefix(strings.TrimSpace(src), "package ") {
		_, err := parser.ParseFile(fset, "snippet.go", src, 0)
		return err
	}
	_, err := parser.ParseFile(fset, "snippet.go", "package p\nfunc _() {\n"+src+"\n}\n", 0)
	return err
}

func readme(t *testing.T) []*Block {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return blocks
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// TestEveryREADMECommandIsRun fails for a shell block or command that no
// session of TestREADME runs, and for output blocks it cannot check.
func TestEveryREADMECommandIsRun(t *testing.T) {
	if _, _, err := plan(readme(t)); err != nil {
		t.Error(err)
	}
}

// TestPlanRejectsUncoveredCommands: the checks above can fail.
func TestPlanRejectsUncoveredCommands(t *testing.T) {
	for _, doc := range []string{
		"```sh\ngo run .\n```\n",
		"```bash\nflaggen ls\n```\n",
		"```sh test=nope\nflaggen ls\n```\n",
		"```sh test=make\nmake clean\n```\n",
		"```sh test=repo background\ngo run ./examples/shop -watch\n```\n",
		"```text output\nhello\n```\n",
		"```go\nfunc {\n```\n",
	} {
		blocks, err := Parse([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := plan(blocks); err == nil {
			t.Errorf("plan accepted:\n%s", doc)
		}
	}
	if got := Commands("a \\\n  b\n# c\n\nd # e\n"); !slices.Equal(got, []string{"a  b", "d # e"}) {
		t.Errorf("Commands = %q", got)
	}
}

// TestREADME runs every session of the README. The sessions share no
// directory, environment or server (each has its own session value, and
// the tutorial and redis sessions their own directories, GOBIN and
// redis-server), so all but the make session run in parallel, overlapping
// the go command's single-threaded steps and the waits on the shops and
// Redis. The make session runs first and alone: it runs the benchmarks,
// whose start-up timings should not compete with the other sessions.
func TestREADME(t *testing.T) {
	byName, order, err := plan(readme(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range order {
		t.Run(name, func(t *testing.T) {
			if name != "make" {
				t.Parallel()
			}
			s := sessions[name](t)
			for _, b := range byName[name] {
				s.block(b)
			}
			s.stop()
		})
	}
}

// session is one shell session: a directory and environment that carry
// over from command to command, as in a terminal.
type session struct {
	t       *testing.T
	dir     string
	env     map[string]string     // overrides of os.Environ
	rewrite func(v string) string // applied to exported values
	hook    func(cmd string)      // runs before each command
	special func(cmd string) bool // runs a command itself
	starts  int                   // how many times a background command starts
	ready   string                // what a background command prints (on stdout or stderr) when it is ready
	stopped string                // what it prints last after Ctrl-C (stdout), or at all (stderr)
	stdout  string                // of the last foreground block
	bg      []*background
	state   string // a file the shell writes its final directory to
	// placeholders are README words that the test replaces, in commands
	// and in the output blocks compared with them, each with what the
	// test writes instead: the tutorial's /path/to/flaggen, which the
	// reader replaces too, and serve's fixed address, which a test cannot
	// rely on being free; used records which the README used.
	placeholders map[string]string
	used         map[string]bool
}

// substitute replaces the session's placeholders in cmd.
func (s *session) substitute(cmd string) string {
	for k, v := range s.placeholders {
		if strings.Contains(cmd, k) {
			s.used[k] = true
			cmd = strings.ReplaceAll(cmd, k, v)
		}
	}
	return cmd
}

// newSession returns a session in dir. Its go commands build with
// -trimpath (added to $GOFLAGS), so that the go command's cache serves
// what the tutorial builds in a new temporary directory, and what a new
// clone of this repository builds, when the files are the same.
func newSession(t *testing.T, dir string) *session {
	env := map[string]string{"GOFLAGS": strings.TrimSpace(os.Getenv("GOFLAGS") + " -trimpath")}
	return &session{t: t, dir: dir, env: env, state: filepath.Join(t.TempDir(), "pwd")}
}

func (s *session) environ() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if _, ok := s.env[k]; !ok {
			env = append(env, kv)
		}
	}
	for k, v := range s.env {
		env = append(env, k+"="+v)
	}
	return env
}

// block runs one README block of the session.
func (s *session) block(b *Block) {
	t := s.t
	t.Helper()
	where := fmt.Sprintf("README.md:%d", b.Line)
	switch {
	case b.Lang == "sh":
		var out strings.Builder
		for _, cmd := range Commands(b.Body) {
			cmd = s.substitute(cmd)
			switch {
			case strings.HasPrefix(cmd, "export "):
				s.export(where, cmd)
			case s.special != nil && s.special(cmd):
			case b.Has("background"):
				s.startBackground(where, cmd)
			default:
				if s.hook != nil {
					s.hook(cmd)
				}
				out.WriteString(s.runAt(where, cmd))
			}
		}
		s.stdout = out.String()
	case b.Attrs["file"] != "":
		// As a reader saves the file: into a directory the README's
		// commands have made.
		p := filepath.Join(s.dir, filepath.FromSlash(b.Attrs["file"]))
		if fi, err := os.Stat(filepath.Dir(p)); err != nil || !fi.IsDir() {
			t.Fatalf("%s: file %s: the README's commands have not made its directory (mkdir): %v", where, b.Attrs["file"], err)
		}
		if err := os.WriteFile(p, []byte(b.Body), 0o666); err != nil {
			t.Fatal(err)
		}
	case b.Has("output"):
		if s.stdout != s.substitute(b.Body) {
			t.Errorf("%s: the README shows\n%s\nbut the commands before it printed\n%s", where, b.Body, s.stdout)
		}
	case b.Has("background-output"):
		for i, p := range s.bg {
			waitFor(t, 15*time.Second, func() bool { return strings.Contains(p.out.String(), b.Body) },
				func() string {
					return fmt.Sprintf("%s: background command %d (%s) did not print\n%s\nstdout:\n%s\nstderr:\n%s", where, i, p.cmd, b.Body, p.out, p.errs)
				})
		}
	}
}

// export applies "export K=V …" to the session's environment.
func (s *session) export(where, cmd string) {
	for _, kv := range strings.Fields(strings.TrimPrefix(cmd, "export ")) {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || strings.ContainsAny(v, `'"$`) {
			s.t.Fatalf("%s: %q: the test reads only plain export K=V lines", where, cmd)
		}
		if s.rewrite != nil {
			v = s.rewrite(v)
		}
		s.env[k] = v
	}
}

// run runs cmd in the session's shell and returns its stdout.
func (s *session) run(cmd string) string { return s.runAt("test", cmd) }

func (s *session) runAt(where, cmd string) string {
	t := s.t
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	script := cmd + "\n__rc=$?\npwd > '" + s.state + "'\nexit $__rc\n"
	c := exec.CommandContext(ctx, "bash", "-c", script)
	c.Dir, c.Env = s.dir, s.environ()
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	start := time.Now()
	err := c.Run()
	t.Logf("%s: $ %s (%v)", where, cmd, time.Since(start).Round(time.Millisecond))
	if err != nil {
		t.Fatalf("%s: %s: %v\nstdout:\n%s\nstderr:\n%s", where, cmd, err, stdout.String(), stderr.String())
	}
	if dir, err := os.ReadFile(s.state); err == nil {
		s.dir = strings.TrimSpace(string(dir))
	}
	return stdout.String()
}

// background is a command running in its own process group.
type background struct {
	cmd       string
	c         *exec.Cmd
	out, errs *syncBuffer
	done      chan struct{}
}

// startBackground starts cmd s.starts times and waits until each is ready.
func (s *session) startBackground(where, cmd string) {
	t := s.t
	t.Helper()
	var started []*background
	for range s.starts {
		p := &background{cmd: cmd, out: &syncBuffer{}, errs: &syncBuffer{}, done: make(chan struct{})}
		p.c = exec.Command("bash", "-c", cmd)
		p.c.Dir, p.c.Env = s.dir, s.environ()
		p.c.Stdout, p.c.Stderr = p.out, p.errs
		p.c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := p.c.Start(); err != nil {
			t.Fatalf("%s: %s: %v", where, cmd, err)
		}
		go func() { p.c.Wait(); close(p.done) }()
		s.bg = append(s.bg, p)
		started = append(started, p)
		t.Logf("%s: $ %s &", where, cmd)
	}
	for _, p := range started {
		waitFor(t, 2*time.Minute, func() bool {
			select {
			case <-p.done:
				return true
			default:
				return strings.Contains(p.out.String(), s.ready) || strings.Contains(p.errs.String(), s.ready)
			}
		}, func() string { return "" })
		select {
		case <-p.done:
			t.Fatalf("%s: %s exited early: %v\nstdout:\n%s\nstderr:\n%s", where, cmd, p.c.ProcessState, p.out, p.errs)
		default:
		}
	}
}

// stop interrupts the background commands as Ctrl-C would and checks that
// each ends cleanly.
func (s *session) stop() {
	for k := range s.placeholders {
		if !s.used[k] {
			s.t.Errorf("no README command of this session uses the placeholder %q: drop it from the test", k)
		}
	}
	for _, p := range s.bg {
		syscall.Kill(-p.c.Process.Pid, syscall.SIGINT)
	}
	for _, p := range s.bg {
		select {
		case <-p.done:
		case <-time.After(15 * time.Second):
			syscall.Kill(-p.c.Process.Pid, syscall.SIGKILL)
			<-p.done
			s.t.Errorf("%s: still running 15s after Ctrl-C\nstdout:\n%s\nstderr:\n%s", p.cmd, p.out, p.errs)
			continue
		}
		if !strings.HasSuffix(p.out.String(), s.stopped) && !strings.Contains(p.errs.String(), s.stopped) {
			s.t.Errorf("%s: did not exit as after Ctrl-C:\nstdout:\n%s\nstderr:\n%s", p.cmd, p.out, p.errs)
		}
	}
}

func waitFor(t *testing.T, d time.Duration, cond func() bool, msg func() string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", d, msg())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// The sessions.

func repoSession(t *testing.T) *session {
	return newSession(t, repoRoot(t))
}

func makeSession(t *testing.T) *session {
	s := newSession(t, repoRoot(t))
	s.special = func(cmd string) bool {
		makeTargets[cmd](t, s)
		return true
	}
	return s
}

// tutorialSession is a new directory outside this repository, where the
// tutorial's commands run exactly as written, in the test's own environment
// (its module proxy and checksum database: a reader's), except that
// /path/to/flaggen, which the README asks the reader to replace with their
// checkout's path, is this checkout.
func tutorialSession(t *testing.T) *session {
	if testing.Short() {
		t.Skip("-short: the tutorial builds and tests a new module")
	}
	s := newSession(t, t.TempDir())
	s.placeholders = map[string]string{"/path/to/flaggen": repoRoot(t)}
	s.used = map[string]bool{}
	return s
}

// redisSession runs against a throwaway redis-server: the README's
// localhost:6379 becomes its address (redistest never uses 6379, so a
// developer's own Redis is never touched).
func redisSession(t *testing.T) *session {
	if testing.Short() {
		t.Skip("-short: the Redis walkthrough builds the shop and the CLI")
	}
	srv := redistest.Start(t)
	s := newSession(t, repoRoot(t))
	bin := t.TempDir()
	s.env["GOBIN"] = bin
	s.env["PATH"] = bin + string(os.PathListSeparator) + os.Getenv("PATH")
	s.env["USER"] = "readme-test"
	s.starts, s.ready, s.stopped = backgroundStarts["redis"], "(Ctrl-C to stop).\n", "Exiting main program...\n"
	s.rewrite = func(v string) string {
		v = strings.ReplaceAll(v, "localhost:6379", srv.Addr())
		if strings.Contains(v, ":6379") {
			t.Fatalf("exported value %q would reach a Redis on the default port", v)
		}
		return v
	}
	return s
}

// serveSession runs the server walkthrough: flaggen installed into a
// temporary GOBIN, the embedded memory store (the FLAGGEN_* variables of
// the test's own environment are cleared, so no Redis of the developer's
// is reached), and the README's 127.0.0.1:8016 replaced by a free
// loopback port, so that neither a server of the developer's nor another
// run of this test on the same machine is met.
func serveSession(t *testing.T) *session {
	if testing.Short() {
		t.Skip("-short: the server walkthrough builds the CLI")
	}
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatalf("the README's server walkthrough needs curl: %v", err)
	}
	s := newSession(t, repoRoot(t))
	bin := t.TempDir()
	s.env["GOBIN"] = bin
	s.env["PATH"] = bin + string(os.PathListSeparator) + os.Getenv("PATH")
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "FLAGGEN_") {
			s.env[k] = ""
		}
	}
	s.starts, s.ready, s.stopped = backgroundStarts["serve"], `msg="flaggen serve: listening"`, `msg="flaggen serve: stopped"`
	s.placeholders = map[string]string{"127.0.0.1:8016": freeAddr(t)}
	s.used = map[string]bool{}
	return s
}

// freeAddr returns a loopback address whose port was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
