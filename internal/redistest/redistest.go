package redistest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// RequireEnv is the environment variable that turns a missing redis-server
// from a skip into a test failure.
const RequireEnv = "FLAGGEN_REQUIRE_REDIS"

// startTimeout bounds how long a server may take to answer PING.
const startTimeout = 10 * time.Second

// Require skips tb (or fails it when FLAGGEN_REQUIRE_REDIS=1) unless every
// named program (default: redis-server) is on PATH. It returns the path of
// the first program.
func Require(tb testing.TB, programs ...string) string {
	tb.Helper()
	if len(programs) == 0 {
		programs = []string{"redis-server"}
	}
	var first string
	for i, p := range programs {
		path, err := exec.LookPath(p)
		if err != nil {
			msg := fmt.Sprintf("redistest: %s not found on PATH: this test needs a real Redis; "+
				"install it (apt-get install redis-server) and run FLAGGEN_REQUIRE_REDIS=1 make test", p)
			if os.Getenv(RequireEnv) == "1" {
				tb.Fatal(msg + " (" + RequireEnv + "=1, so this is a failure, not a skip)")
				return ""
			}
			tb.Skip(msg)
			return ""
		}
		if i == 0 {
			first = path
		}
	}
	return first
}

// Server is one redis-server process owned by a test.
type Server struct {
	tb       testing.TB
	bin      string
	dir      string
	port     int
	busPort  int // cluster bus port; 0 when not a cluster node (-1: pick one)
	extra    []string
	conf     string // config file, first argument (Sentinel)
	sentinel bool   // a Sentinel: its config file carries the settings

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has been reaped
}

// Start starts a redis-server on a free loopback port in a temporary
// directory with no background persistence, waits until it answers PING and
// registers its teardown with tb.Cleanup.
func Start(tb testing.TB) *Server {
	tb.Helper()
	return startWith(tb, Require(tb))
}

// startWith starts program bin as Start does, with extra arguments.
func startWith(tb testing.TB, bin string, extra ...string) *Server {
	tb.Helper()
	s := &Server{tb: tb, bin: bin, dir: tb.TempDir(), extra: extra}
	s.startFresh()
	tb.Cleanup(s.kill)
	return s
}

// startFresh picks free ports and starts the server, retrying when another
// process grabbed the port between choosing and binding it.
func (s *Server) startFresh() {
	s.tb.Helper()
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		s.port, err = freePort()
		if err != nil {
			break
		}
		if s.busPort != 0 {
			for s.busPort, err = freePort(); err == nil && s.busPort == s.port; {
				s.busPort, err = freePort()
			}
			if err != nil {
				break
			}
		}
		if err = s.start(); err == nil {
			return
		}
	}
	s.tb.Fatalf("redistest: cannot start redis-server: %v", err)
}

// Addr returns the server's "127.0.0.1:port" address; it stays the same
// across Restart.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// Port returns the server's TCP port.
func (s *Server) Port() int { return s.port }

func (s *Server) args() []string {
	if s.sentinel {
		return append([]string{s.conf}, s.extra...)
	}
	a := []string{
		"--port", strconv.Itoa(s.port),
		"--bind", "127.0.0.1",
		"--protected-mode", "no",
		"--dir", s.dir,
		"--save", "",
		"--appendonly", "no",
		"--dbfilename", "dump.rdb",
		"--daemonize", "no",
		"--logfile", filepath.Join(s.dir, "redis.log"),
	}
	if s.busPort != 0 {
		a = append(a,
			"--cluster-enabled", "yes",
			"--cluster-config-file", filepath.Join(s.dir, "nodes.conf"),
			"--cluster-port", strconv.Itoa(s.busPort),
			"--cluster-node-timeout", "2000",
		)
	}
	return append(a, s.extra...)
}

func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.port == 6379 {
		return errors.New("refusing to use port 6379")
	}
	out, err := os.OpenFile(filepath.Join(s.dir, "stdout.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(s.bin, s.args()...)
	cmd.Dir = s.dir
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		out.Close()
		return err
	}
	exited := make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		out.Close()
		close(exited)
	}()
	deadline := time.Now().Add(startTimeout)
	for {
		if reply, err := Do(s.Addr(), "PING"); err == nil && reply == "PONG" {
			s.cmd, s.exited = cmd, exited
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("redis-server on port %d exited (%v); log: %s", s.port, waitErr, s.logTail())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-exited
			return fmt.Errorf("redis-server on port %d did not answer PING within %v; log: %s", s.port, startTimeout, s.logTail())
		}
	}
}

func (s *Server) logTail() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
	if o, _ := os.ReadFile(filepath.Join(s.dir, "stdout.log")); len(o) > 0 {
		b = append(b, o...)
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return strings.TrimSpace(string(b))
}

// Stop shuts the server down, saving its data set to the temporary
// directory first so that Restart brings the same data back (like a Redis
// outage, not a data loss). Clients see refused connections until Restart.
// Stopping a stopped server does nothing.
func (s *Server) Stop() {
	s.tb.Helper()
	s.shutdown("SAVE")
}

// Crash shuts the server down without saving and deletes any saved data
// set, so that Restart starts it empty on the same port: a Redis restarted
// without persistence, which loses every key. Crashing a stopped server
// only deletes its saved data.
func (s *Server) Crash() {
	s.tb.Helper()
	s.shutdown("NOSAVE")
	if err := os.Remove(filepath.Join(s.dir, "dump.rdb")); err != nil && !errors.Is(err, os.ErrNotExist) {
		s.tb.Fatalf("redistest: crash: removing the saved data set: %v", err)
	}
}

// shutdown stops the server with SHUTDOWN mode (SAVE or NOSAVE) and waits
// until its port refuses connections.
func (s *Server) shutdown(mode string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	// SHUTDOWN closes the connection without a reply when it succeeds.
	_, _ = Do(s.Addr(), "SHUTDOWN", mode)
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
	// Wait until the port refuses connections so callers observe the outage.
	for i := 0; i < 500; i++ {
		c, err := net.DialTimeout("tcp", s.Addr(), 50*time.Millisecond)
		if err != nil {
			break
		}
		c.Close()
		time.Sleep(5 * time.Millisecond)
	}
	s.cmd = nil
}

// Restart starts a stopped server again on the same port with the data it
// had when stopped (none after Crash), so existing clients reconnect. It
// stops a running server first.
func (s *Server) Restart() {
	s.tb.Helper()
	s.Stop()
	var err error
	for attempt := 0; attempt < 50; attempt++ {
		if err = s.start(); err == nil {
			return
		}
		time.Sleep(20 * time.Millisecond) // the port may linger briefly
	}
	s.tb.Fatalf("redistest: cannot restart redis-server on port %d: %v", s.port, err)
}

func (s *Server) kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		_ = s.cmd.Process.Kill()
		<-s.exited
		s.cmd = nil
	}
}

// freePort returns a loopback TCP port that was free a moment ago (never
// Redis' default ports).
func freePort() (int, error) {
	for i := 0; i < 100; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if port == 6379 || port == 16379 || port == 26379 {
			continue
		}
		return port, nil
	}
	return 0, errors.New("no free loopback port found")
}

// Do sends one command to the Redis at addr over a fresh connection and
// returns a simple reply as a string: status and bulk replies as their text,
// integers in decimal, arrays as their elements joined by newlines. An error
// reply is returned as an error. It exists so that the helpers need no client
// library; tests should use go-redis.
func Do(addr string, args ...string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := c.Write([]byte(b.String())); err != nil {
		return "", err
	}
	return readReply(bufio.NewReader(c))
}

func readReply(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("empty reply")
	}
	switch line[0] {
	case '+', ':':
		return line[1:], nil
	case '-':
		return "", errors.New(line[1:])
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < 0 {
			return "", err
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	case '*':
		n, err := strconv.Atoi(line[1:])
		if err != nil {
			return "", err
		}
		parts := make([]string, 0, max(n, 0))
		for i := 0; i < n; i++ {
			p, err := readReply(r)
			if err != nil {
				return "", err
			}
			parts = append(parts, p)
		}
		return strings.Join(parts, "\n"), nil
	}
	return "", fmt.Errorf("unexpected reply %q", line)
}
