package runtime

import (
	"strconv"

	"github.com/flaggen/flaggen/internal/engine"
)

// Decision is what one evaluation decided, without the explanation text,
// so that it costs no allocation: Value, Step (Explanation.Step's names),
// Variant (a variant flag's chosen variant, or its default variant; "" for
// bool and pinned flags), NoKey (a rollout or a variant choice needed the
// key attribute and the context has none) and Const (the flag's value
// cannot depend on the context right now).
type Decision = engine.Decision

// Decide evaluates flag i (its index in Spec.FlagNames) over attribute
// values a, as ExplainName does, without allocating: for servers that
// evaluate many flags by index (runtime/flaghttp). It panics when i is out
// of range.
func (c *Client) Decide(i int, a []Value) Decision {
	return c.snap.Load().Decide(i, engineValues(a))
}

// Revision identifies what c evaluates with: the live state (its epoch and
// version), the activation dates passed and test pins. It changes whenever
// an answer may (except with WithClock, whose dates are checked at each
// evaluation), and Clients of one spec and environment over the same
// live state, without pins, have the same revision. Read it before
// evaluating: a revision is published after the snapshot it names, so an
// answer computed after reading a revision is never older than it.
func (c *Client) Revision() string {
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

// Version returns the version of the live state c evaluates with (0 before
// any was loaded).
func (c *Client) Version() uint64 { return c.snap.Load().Version() }
