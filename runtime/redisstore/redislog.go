package redisstore

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
)

// go-redis logs through one process-wide logger (redis.SetLogger), to
// standard error by default: "redis: connection pool: failed to dial …"
// for each refused dial, a burst of lines at every retry while Redis is
// down, beside the store's own record of the outage. The first New replaces that logger with goRedisLog, which passes go-redis'
// lines to the stores' loggers at Debug, each distinct line once per state
// change of a store (degraded, recovered), never per retry. The store
// reports each state change itself, at Warn and Info, with its cause.
//
// A line logged under a store's own context (its subscription and version
// checks) goes to that store's logger; any other line (a command an app or
// a runtime.Client sent) to the logger of every open store, or to
// slog.Default() when none is open. An app that wants go-redis' log
// elsewhere calls redis.SetLogger after its first New.

// maxGoRedisLines bounds how many distinct go-redis lines are passed on
// between two state changes; later ones are dropped until the next.
const maxGoRedisLines = 64

// goRedisLogger implements go-redis' internal Logging interface.
type goRedisLogger struct {
	mu     sync.Mutex
	stores map[*Store]bool // the open stores
	seen   map[string]bool // lines passed on since the last state change
}

var (
	goRedisLog        = &goRedisLogger{stores: map[*Store]bool{}, seen: map[string]bool{}}
	installGoRedisLog sync.Once
)

// storeKey is the context key under which a store's own contexts carry it.
type storeKey struct{}

// Printf passes a go-redis line on, unless it was already passed on since
// the last state change.
func (l *goRedisLogger) Printf(ctx context.Context, format string, v ...any) {
	line := fmt.Sprintf(format, v...)
	var to []*slog.Logger
	l.mu.Lock()
	if l.seen[line] || len(l.seen) >= maxGoRedisLines {
		l.mu.Unlock()
		return
	}
	l.seen[line] = true
	var own *Store
	if ctx != nil {
		own, _ = ctx.Value(storeKey{}).(*Store)
	}
	if own != nil && l.stores[own] {
		to = append(to, own.o.logger)
	} else {
		for s := range l.stores {
			if !slices.Contains(to, s.o.logger) {
				to = append(to, s.o.logger)
			}
		}
	}
	l.mu.Unlock()
	if len(to) == 0 {
		to = append(to, slog.Default())
	}
	if ctx == nil {
		ctx = context.Background()
	}
	for _, lg := range to {
		lg.DebugContext(ctx, "flaggen: go-redis logged", "line", line)
	}
}

// add registers s for go-redis' lines.
func (l *goRedisLogger) add(s *Store) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stores[s] = true
}

// remove forgets s.
func (l *goRedisLogger) remove(s *Store) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.stores, s)
}

// stateChanged lets every go-redis line through once more: a store was
// degraded or recovered.
func (l *goRedisLogger) stateChanged() {
	l.mu.Lock()
	defer l.mu.Unlock()
	clear(l.seen)
}
