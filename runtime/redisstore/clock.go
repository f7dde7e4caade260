package redisstore

import (
	"context"
	"sync"
	"time"

	"github.com/flaggen/flaggen/runtime/store"
)

var _ store.Clock = (*Store)(nil)

// clockResync is how often Now measures again the difference between the
// local clock and the Redis server's.
const clockResync = 5 * time.Minute

// clockTimeout bounds one measurement (a TIME command).
const clockTimeout = time.Second

// serverClock is what the store knows of the Redis server's clock.
type serverClock struct {
	mu     sync.Mutex
	offset time.Duration // the server's clock minus the local one
	tried  time.Time     // local time of the last measurement; zero: none
	local  func() time.Time
}

// Now implements store.Clock: the Redis server's time, as near as the
// store knows it: the local clock plus its difference to the server's
// TIME, measured (half the round trip counted) when first asked and then
// at most every 5 minutes. Until a measurement succeeds, and while Redis
// does not answer within a second, it is the local clock (plus the last
// difference measured). With WithClock, it is that clock.
//
// Every instance of an app and every operator then stamps exposure counts
// and resets (store.ExposureDelta.Last, ResetExposure) by one clock, the
// server's, so that a reset drops the counts taken before it and keeps
// those taken after, whatever each machine's own clock says.
func (s *Store) Now() time.Time {
	if s.o.clock != nil {
		return s.o.clock()
	}
	k := &s.clk
	k.mu.Lock()
	defer k.mu.Unlock()
	local := k.now()
	if d := local.Sub(k.tried); k.tried.IsZero() || d >= clockResync || d < 0 {
		k.tried = local
		ctx, cancel := context.WithTimeout(context.Background(), clockTimeout)
		t0 := k.now()
		server, err := s.c.Time(ctx).Result()
		t1 := k.now()
		cancel()
		if err == nil {
			k.offset = server.Sub(t0.Add(t1.Sub(t0) / 2))
		}
	}
	return k.now().Add(k.offset)
}

func (k *serverClock) now() time.Time {
	if k.local != nil {
		return k.local()
	}
	return time.Now()
}
