package redisstore

import (
	"context"
	"time"

	"github.com/flaggen/flaggen/runtime/store"
)

// FullLoad is fullLoad for the external tests: a warm_cache read that never
// serves the mirror.
func (s *Store) FullLoad(ctx context.Context) (store.State, error) { return s.fullLoad(ctx, true) }

// FullLoadDelayed is FullLoad calling between after reading Redis and
// before installing what it read in the mirror: a load that races the
// mirror.
func (s *Store) FullLoadDelayed(ctx context.Context, between func()) (store.State, error) {
	return s.fullLoadThen(ctx, true, between)
}

// Check runs one periodic version check now, as checkLoop does.
func (s *Store) Check(ctx context.Context) { s.check(ctx) }

// SetLocalClock makes Now read the local time from now, as a machine
// whose clock is off would.
func (s *Store) SetLocalClock(now func() time.Time) {
	s.clk.mu.Lock()
	defer s.clk.mu.Unlock()
	s.clk.local, s.clk.tried = now, time.Time{}
}
