package runtime

import (
	"strconv"

	"github.com/flaggen/flaggen/internal/engine"
)

// decide evaluates flag i (its index in Spec.FlagNames) over attribute
// values a, as ExplainName does, without allocating: bridge.Evaluator's
// Decide, for servers that evaluate many flags by index
// (runtime/flaghttp). It panics when i is out of range.
func (c *Client) decide(i int, a []Value) engine.Decision {
	return c.snap.Load().Decide(i, engineValues(a))
}

// decideOn is bridge.Evaluator's DecideOn: decide on snapshot s.
func decideOn(s *engine.Snapshot, i int, a []Value) engine.Decision {
	return s.Decide(i, engineValues(a))
}

// revision is bridge.Evaluator's Revision: it identifies what c evaluates
// with, and changes whenever an answer may (see there).
func (c *Client) revision() string {
	if p := c.rev.Load(); p != nil {
		return *p
	}
	return ""
}

// storeRevisionLocked publishes the revision of snapshot s, just built.
func (c *Client) storeRevisionLocked(s *engine.Snapshot) {
	b := make([]byte, 0, 64)
	b = append(b, c.epoch...)
	b = append(b, '/')
	b = strconv.AppendUint(b, s.Version(), 10)
	if next := s.Next(); !next.IsZero() {
		b = append(b, '/')
		b = strconv.AppendInt(b, next.UnixNano(), 36)
	}
	if len(c.pins) > 0 {
		b = append(b, "/p"...)
		b = strconv.AppendUint(b, c.builds, 10)
	}
	r := string(b)
	c.rev.Store(&r)
}

// liveVersion returns the version of the live state c evaluates with (0 before
// any was loaded): bridge.Evaluator's Version.
func (c *Client) liveVersion() uint64 { return c.snap.Load().Version() }
