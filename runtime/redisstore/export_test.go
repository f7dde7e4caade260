package redisstore

import (
	"context"

	"github.com/flaggen/flaggen/runtime"
)

// FullLoad is fullLoad for the external tests: a warm_cache read that never
// serves the mirror.
func (s *Store) FullLoad(ctx context.Context) (runtime.State, error) { return s.fullLoad(ctx, true) }
