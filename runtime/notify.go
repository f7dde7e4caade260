package runtime

import (
	"maps"
	"reflect"
	"slices"
	"sync"
	"time"

	"github.com/flaggen/flaggen/internal/spec"
)

// changeListener is one OnChange registration: the names changed since its
// last call, and a goroutine that delivers them.
type changeListener struct {
	fn   func(changed []string)
	wake chan struct{} // capacity 1: a pending delivery
	stop chan struct{}
	once sync.Once

	mu      sync.Mutex
	pending map[string]bool
}

// OnChange registers fn to be called after live state changes the
// definition of one or more flags (a kill switch, a rollout, a monitor
// tripping a flag, a reset …), whether the change came from this Client or
// from another instance through the store. fn gets the names of the
// changed flags, sorted. A flag whose activation date passes counts as
// changed too, since its answers change then (not with WithClock, whose
// dates are checked at each evaluation). A flag whose value changes only
// through a dependency (depends_on) is not named, so re-evaluate the flags
// you care about. Test pins (ToggleAs) are not live state and are not reported.
//
// Calls are made one at a time, on a goroutine of the listener's own, never
// on the evaluation path; changes that arrive while fn runs are coalesced
// into the next call. When fn is called, the Client already evaluates with
// the change. fn must return (Close waits for a running call) and must not
// call Close. OnChange returns a function that unregisters fn; after Close
// fn is never called.
func (c *Client) OnChange(fn func(changed []string)) (stop func()) {
	if fn == nil {
		panic("runtime: OnChange: nil func")
	}
	l := &changeListener{fn: fn, wake: make(chan struct{}, 1), stop: make(chan struct{}), pending: map[string]bool{}}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return func() {}
	}
	if c.listeners == nil {
		c.listeners = map[*changeListener]bool{}
	}
	c.listeners[l] = true
	c.wg.Add(1)
	c.mu.Unlock()
	go c.deliver(l)
	return func() {
		c.mu.Lock()
		delete(c.listeners, l)
		c.mu.Unlock()
		l.once.Do(func() { close(l.stop) })
	}
}

// deliver calls l.fn with the pending names until l stops or c closes.
func (c *Client) deliver(l *changeListener) {
	defer c.wg.Done()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-l.stop:
			return
		case <-l.wake:
		}
		l.mu.Lock()
		names := slices.Sorted(maps.Keys(l.pending))
		clear(l.pending)
		l.mu.Unlock()
		if len(names) > 0 {
			l.fn(names)
		}
	}
}

// notifyChangedLocked tells every listener which flags' live definitions
// differ between old and the live spec c.state.Spec. c.mu is held;
// listeners run elsewhere.
func (c *Client) notifyChangedLocked(old *spec.Spec) {
	if len(c.listeners) == 0 || old == c.state.Spec {
		return
	}
	var changed []string
	segs := changedSegments(old, c.state.Spec)
	for i, f := range c.state.Spec.Flags {
		if i >= len(old.Flags) || old.Flags[i] != f && !reflect.DeepEqual(old.Flags[i], f) ||
			slices.ContainsFunc(f.Segments, func(g string) bool { return segs[g] }) {
			changed = append(changed, f.Name)
		}
	}
	c.notifyLocked(changed)
}

// changedSegments returns the segments of live spec now whose definition
// differs from old's, with the segments that name them, directly or not:
// the flags that list one of them may evaluate differently.
func changedSegments(old, now *spec.Spec) map[string]bool {
	out := map[string]bool{}
	for i, g := range now.Segments {
		if i >= len(old.Segments) || old.Segments[i] != g && !reflect.DeepEqual(old.Segments[i], g) {
			out[g.Name] = true
		}
	}
	now.AddNamingSegments(out)
	return out
}

// notifyActivatedLocked tells every listener of the flags whose activation
// date lies in (since, until]: a snapshot built at until switched them on,
// after one built at since. c.mu is held.
func (c *Client) notifyActivatedLocked(since, until time.Time) {
	if len(c.listeners) == 0 {
		return
	}
	var changed []string
	for _, f := range c.state.Spec.Flags {
		if d := f.ActivationDate; d != nil && d.After(since) && !d.After(until) {
			changed = append(changed, f.Name)
		}
	}
	c.notifyLocked(changed)
}

// notifyLocked adds changed to every listener's pending names and wakes
// it. c.mu is held.
func (c *Client) notifyLocked(changed []string) {
	if len(changed) == 0 {
		return
	}
	for l := range c.listeners {
		l.mu.Lock()
		for _, name := range changed {
			l.pending[name] = true
		}
		l.mu.Unlock()
		select {
		case l.wake <- struct{}{}:
		default:
		}
	}
}
