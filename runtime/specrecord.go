package runtime

import (
	"context"
	"slices"

	"github.com/flaggen/flaggen/runtime/store"
)

// Source returns the name the spec was loaded from and its source, exactly
// as given to LoadSpec (what a Client records with store.SpecRecorder).
func (s *Spec) Source() (file string, src []byte) { return s.m.File, slices.Clone(s.m.Source) }

// recordSpec records the Client's spec when its store is a store.SpecRecorder
// and it has not been recorded yet. The first failure is logged as a
// warning, later ones at debug level.
func (c *Client) recordSpec(ctx context.Context) {
	r, ok := c.opts.store.(store.SpecRecorder)
	if !ok || c.specRecorded.Load() {
		return
	}
	if err := r.RecordSpec(ctx, c.spec.m.File, c.spec.m.Source); err != nil {
		if c.specWarned.CompareAndSwap(false, true) {
			c.log.Warn("flaggen: cannot record the spec in the store (for the flaggen CLI); retrying after the next reload", "err", err)
		} else {
			c.log.Debug("flaggen: recording the spec in the store", "err", err)
		}
		return
	}
	c.specRecorded.Store(true)
}
