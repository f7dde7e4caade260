package runtime

import (
	"context"
	"strconv"

	"github.com/flaggen/flaggen/internal/bridge"
	"github.com/flaggen/flaggen/internal/engine"
)

// evaluator returns c's bridge.Evaluator, for servers that evaluate many
// flags by index (runtime/flaghttp, runtime/openfeature). Its Decide and
// DecideOn count the evaluation (WithExposure) and run c's hooks with the
// caller's ctx; without hooks and exposure they are the bare decisions, so
// that such a Client pays nothing for them.
func (c *Client) evaluator() bridge.Evaluator[Value] {
	ev := bridge.Evaluator[Value]{Decide: c.decideCtx, Revision: c.revision, Version: c.liveVersion, Snapshot: c.snap.Load, DecideOn: decideOn}
	if c.observed {
		ev.Decide, ev.DecideOn = c.decideHooked, c.decideOnHooked
	}
	return ev
}

// decideCtx is bridge.Evaluator's Decide on a Client without hooks and
// exposure: it
// evaluates flag i (its index in Spec.FlagNames) over attribute values a,
// as ExplainName does, without allocating; ctx is unused. It panics when i
// is out of range.
func (c *Client) decideCtx(_ context.Context, i int, a []Value) engine.Decision {
	return c.snap.Load().Decide(i, engineValues(a))
}

// decideOn is bridge.Evaluator's DecideOn on a Client without hooks and
// exposure:
// decide on snapshot s.
func decideOn(_ context.Context, s *engine.Snapshot, i int, a []Value) engine.Decision {
	return s.Decide(i, engineValues(a))
}

// decideHooked is bridge.Evaluator's Decide on a Client with hooks or
// exposure.
func (c *Client) decideHooked(ctx context.Context, i int, a []Value) engine.Decision {
	return c.decideOnHooked(ctx, c.snap.Load(), i, a)
}

// decideOnHooked is bridge.Evaluator's DecideOn on a Client with hooks or
// exposure: decide on snapshot s, then count it and run the hooks with
// ctx (afterHooks). A decision that needed the key attribute and had none
// (NoKey) is an error to the server's caller, which is served no variant:
// it is not counted, and the hooks see reason ERROR.
func (c *Client) decideOnHooked(ctx context.Context, s *engine.Snapshot, i int, a []Value) engine.Decision {
	d := s.Decide(i, engineValues(a))
	if d.NoKey {
		c.afterError(ctx, i, d)
	} else {
		c.afterHooks(ctx, i, d)
	}
	return d
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
