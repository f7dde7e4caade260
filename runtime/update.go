package runtime

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/flaggen/flaggen/runtime/store"
)

// DefaultChangeTimeout bounds the retries of Change and Update when their
// context has no deadline.
const DefaultChangeTimeout = 5 * time.Second

// Backoff between optimistic-concurrency retries of Update: jittered,
// doubling from changeBackoffMin up to changeBackoffMax.
const (
	changeBackoffMin = 500 * time.Microsecond
	changeBackoffMax = 50 * time.Millisecond
)

// Update is the optimistic write loop under Change: it loads the live
// state, asks fn for the Edit to make over it, validates the Edit as
// Change does and applies it on condition that the live state is still
// the one fn saw. When another writer got in first (store.ErrConflict), it
// loads the new state and calls fn again, with jittered backoff, until
// ctx's deadline (DefaultChangeTimeout when ctx has none). fn therefore
// computes its Edit from the store.State it is given alone, and may run several
// times.
//
// An Edit that names no flag and resets no counters means there is
// nothing to write: Update then writes nothing and returns wrote false.
// An error from fn ends Update with that error, nothing written. On
// success the Client's snapshot reflects the change when Update returns.
func (c *Client) Update(ctx context.Context, fn func(store.State) (Edit, error)) (wrote bool, err error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultChangeTimeout)
		defer cancel()
	}
	backoff := changeBackoffMin
	for attempt := 1; ; attempt++ {
		st, err := c.opts.store.Load(ctx)
		if err != nil {
			return false, fmt.Errorf("live change: loading live state: %w", err)
		}
		e, err := fn(st)
		if err != nil {
			return false, err
		}
		if len(e.Flags) == 0 && len(e.Revert) == 0 && len(e.ResetCounters) == 0 && len(e.Delete) == 0 {
			return false, c.reload(ctx)
		}
		if err := c.checkEdit(e); err != nil {
			return false, err
		}
		ch, err := c.prepare(st, e)
		if err != nil {
			return false, err
		}
		if len(ch.Flags) == 0 && len(ch.ResetCounters) == 0 {
			return false, c.reload(ctx) // only deletions of names the live state lacks
		}
		_, err = c.opts.store.Apply(ctx, ch)
		if errors.Is(err, store.ErrConflict) {
			// Another writer got in first: compute the edit again over
			// its state, after a jittered backoff, until the deadline.
			t := time.NewTimer(backoff/2 + rand.N(backoff))
			select {
			case <-ctx.Done():
				t.Stop()
				return false, fmt.Errorf("live change: %w (gave up after %d attempts: %v)", err, attempt, ctx.Err())
			case <-t.C:
			}
			backoff = min(2*backoff, changeBackoffMax)
			continue
		}
		if err != nil {
			return false, fmt.Errorf("live change: %w", err)
		}
		// The write is committed: a failed local reload must not read as a
		// failed write (a caller could retry and write twice). The
		// follower applies the change when the store answers again.
		if err := c.reload(ctx); err != nil {
			c.log.Warn("flaggen: live change written; reloading it here failed, the follower will apply it", "err", err)
		}
		return true, nil
	}
}

// change is Update of the fixed edit e; when skip is not nil and reports
// true for the latest live state, nothing is written (wrote is false).
func (c *Client) change(ctx context.Context, e Edit, skip func(store.State) bool) (wrote bool, err error) {
	return c.Update(ctx, func(st store.State) (Edit, error) {
		if skip != nil && skip(st) {
			return Edit{}, nil
		}
		return e, nil
	})
}
