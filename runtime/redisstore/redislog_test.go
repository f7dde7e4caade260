package redisstore_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/flaggen/flaggen/internal/redistest"
	"github.com/flaggen/flaggen/runtime/redisstore"
)

// goRedisLogChild makes the test binary run goRedisLogOutages instead.
const goRedisLogChild = "FLAGGEN_TEST_GOREDIS_LOG_CHILD"

// TestGoRedisLogOncePerStateChange: with Redis stopped twice, an app's
// standard error holds no go-redis line of its own (go-redis printed
// "redis: … connection pool: failed to dial …" at every refused dial), one
// "degraded" record per outage and one "recovered" record per return (a
// relapse just after the return, while go-redis still refuses to dial, is
// logged at Debug); at Debug, the store's logger gets each go-redis line
// once per state change, not once per retry.
//
// go-redis' logger is process-wide, and so is what the store does with it,
// so the outages run in a process of their own (this test binary again),
// with no other test's store beside them.
func TestGoRedisLogOncePerStateChange(t *testing.T) {
	if os.Getenv(goRedisLogChild) == "1" {
		goRedisLogOutages(t)
		return
	}
	redistest.Require(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^TestGoRedisLogOncePerStateChange$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), goRedisLogChild+"=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("outages: %v\nstdout:\n%s\nstderr:\n%s", err, &stdout, &stderr)
	}
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf(format+"\nstderr:\n%s", append(args, &stderr)...)
	}
	var down, up, goRedis int
	seen := map[string]bool{} // go-redis lines since the last state change
	for line := range strings.Lines(stderr.String()) {
		if !strings.HasPrefix(line, "time=") {
			fail("a line on standard error that is no record of the store's logger: %q", line)
		}
		switch {
		case strings.Contains(line, "level=DEBUG") && strings.Contains(line, `msg="flaggen: redis store `) && strings.Contains(line, " again"):
			// A relapse just after recovery (go-redis' dial probe).
		case strings.Contains(line, `msg="flaggen: redis store degraded`):
			down++
			clear(seen)
		case strings.Contains(line, `msg="flaggen: redis store recovered"`):
			up++
			clear(seen)
		case strings.Contains(line, `msg="flaggen: go-redis logged"`):
			if !strings.Contains(line, "level=DEBUG") {
				fail("a go-redis line above Debug: %q", line)
			}
			_, text, _ := strings.Cut(line, " line=")
			if seen[text] {
				fail("go-redis line %s twice between two state changes", text)
			}
			seen[text] = true
			goRedis++
		default:
			fail("unexpected record: %q", line)
		}
	}
	if down != 2 || up != 2 {
		fail("%d degraded and %d recovered records for 2 outages, want 2 and 2", down, up)
	}
	if goRedis == 0 {
		fail("no go-redis line reached the store's logger at Debug")
	}
}

// goRedisLogOutages stops Redis under a store twice, retrying commands
// during each outage, and logs at Debug to standard error.
func goRedisLogOutages(t *testing.T) {
	// The outages follow each other closely: none is a relapse of the
	// one before (TestIsRelapse), and go-redis' dial circuit, which opens
	// after PoolSize failed dials, stays closed.
	redisstore.SetRelapseWindow(t, 0)
	opt := fastOptions()
	opt.PoolSize = 1000
	srv := redistest.Start(t)
	opt.Addrs = []string{srv.Addr()}
	rc := redis.NewUniversalClient(opt)
	t.Cleanup(func() { rc.Close() })
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := newStoreOn(t, rc, redisstore.WithLogger(logger))
	ctx := context.Background()
	for range 2 {
		waitFor(t, 10*time.Second, "healthy", func() bool {
			_, err := s.Load(ctx)
			return err == nil && s.Health() == nil
		})
		srv.Stop()
		waitFor(t, 10*time.Second, "degraded", func() bool { return errors.Is(s.Health(), redisstore.ErrDegraded) })
		for range 5 { // retries: each is a refused dial
			if _, err := s.Load(ctx); err == nil {
				t.Fatal("Load succeeded with Redis stopped")
			}
		}
		srv.Restart()
	}
	waitFor(t, 10*time.Second, "healthy", func() bool {
		_, err := s.Load(ctx)
		return err == nil && s.Health() == nil
	})
}
