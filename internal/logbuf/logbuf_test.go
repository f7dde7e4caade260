package logbuf

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// sink is an io.Writer that records each write.
type sink struct {
	mu     sync.Mutex
	writes []string
	fail   error
}

func (s *sink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes = append(s.writes, string(p))
	return len(p), s.fail
}

// after waits d (in a synctest bubble: its fake time), then until the
// bubble's goroutines block, and returns all.
func (s *sink) after(d time.Duration) (int, string) {
	time.Sleep(d)
	synctest.Wait()
	return s.all()
}

func (s *sink) all() (int, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.writes), strings.Join(s.writes, "")
}

// TestDelay: lines wait at most the delay, then go out in one write; the
// next line starts a new delay.
func TestDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var s sink
		b := New(&s, 50*time.Millisecond, 1<<10)
		b.Write([]byte("a\n"))
		time.Sleep(30 * time.Millisecond)
		b.Write([]byte("b\n"))
		synctest.Wait()
		if n, _ := s.all(); n != 0 {
			t.Fatalf("%d writes before the delay", n)
		}
		if n, got := s.after(20 * time.Millisecond); n != 1 || got != "a\nb\n" {
			t.Fatalf("50 ms after a: %d writes %q, want 1 with a and b", n, got)
		}
		b.Write([]byte("c\n"))
		if n, _ := s.after(49 * time.Millisecond); n != 1 {
			t.Fatal("c went out before its own delay")
		}
		if n, got := s.after(time.Millisecond); n != 2 || got != "a\nb\nc\n" {
			t.Fatalf("%d writes %q", n, got)
		}
		if n, _ := s.after(time.Second); n != 2 {
			t.Errorf("%d writes with nothing buffered, want 2", n)
		}
	})
}

// TestSizeCloseError: a full buffer goes out at once; Close flushes and then
// writes go through; an error of the underlying writer is kept.
func TestSizeCloseError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var s sink
		b := New(&s, time.Hour, 8)
		b.Write([]byte("1234"))
		b.Write([]byte("5678"))
		if n, got := s.all(); n != 1 || got != "12345678" {
			t.Fatalf("full buffer: %d writes %q", n, got)
		}
		b.Write([]byte("9"))
		s.fail = errors.New("disk full")
		if err := b.Close(); err == nil || err.Error() != "disk full" {
			t.Errorf("Close = %v, want disk full", err)
		}
		s.fail = nil
		b.Write([]byte("after"))
		if n, got := s.all(); n != 3 || got != "123456789after" {
			t.Fatalf("after Close: %d writes %q", n, got)
		}
		if n, _ := s.after(2 * time.Hour); n != 3 {
			t.Errorf("a write after Close: %d writes", n)
		}
	})
}

// TestFlushOn: a warning goes out at once, with the info lines before it.
func TestFlushOn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var s sink
		b := New(&s, time.Hour, 1<<10)
		log := slog.New(FlushOn(slog.NewTextHandler(b, nil), b, slog.LevelWarn)).With("app", "x")
		log.Info("one")
		log.Info("two")
		if n, _ := s.all(); n != 0 {
			t.Fatal("info lines went out at once")
		}
		log.WithGroup("g").Warn("three", "k", 1)
		n, got := s.all()
		if n != 1 || !strings.Contains(got, "msg=one") || !strings.Contains(got, "msg=two") || !strings.Contains(got, "g.k=1") || !strings.Contains(got, "app=x") {
			t.Errorf("after a warning: %d writes %q", n, got)
		}
	})
}

// TestConcurrentLines: lines written side by side all arrive whole, in
// the order each goroutine wrote them.
func TestConcurrentLines(t *testing.T) {
	var s sink
	b := New(&s, time.Millisecond, 256)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				fmt.Fprintf(b, "g%d line %d\n", g, i)
			}
		})
	}
	wg.Wait()
	b.Close()
	_, got := s.all()
	next := map[string]int{}
	for _, line := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
		var g string
		var i int
		if _, err := fmt.Sscanf(line, "%s line %d", &g, &i); err != nil || next[g] != i {
			t.Fatalf("line %q: want %s line %d", line, g, next[g])
		}
		next[g]++
	}
	for g := range 8 {
		if n := next[fmt.Sprintf("g%d", g)]; n != 500 {
			t.Errorf("g%d: %d lines, want 500", g, n)
		}
	}
}
