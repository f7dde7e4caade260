// Package watchset keeps the Watch channels of a store: it registers them,
// wakes them after a change and closes them when their watch ends.
package watchset

import (
	"context"
	"sync"
)

// A Set is the watchers of one store. Its zero value is empty and ready to
// use. The store's mutex guards it: the store holds that mutex around every
// method call.
type Set struct {
	m map[chan struct{}]struct{}
}

// Add registers a watcher and returns its channel, which holds at most one
// pending notification. Once ctx or stop is done (a nil stop never is),
// the watcher is removed under mu and its channel closed, unless CloseAll
// closed it first.
func (s *Set) Add(mu sync.Locker, ctx context.Context, stop <-chan struct{}) <-chan struct{} {
	if s.m == nil {
		s.m = map[chan struct{}]struct{}{}
	}
	w := make(chan struct{}, 1)
	s.m[w] = struct{}{}
	go func() {
		select {
		case <-ctx.Done():
		case <-stop:
		}
		mu.Lock()
		defer mu.Unlock()
		if _, ok := s.m[w]; ok {
			delete(s.m, w)
			close(w)
		}
	}()
	return w
}

// Notify wakes every watcher; one whose notification is still pending is
// not sent a second.
func (s *Set) Notify() {
	for w := range s.m {
		select {
		case w <- struct{}{}:
		default: // a notification is pending already
		}
	}
}

// CloseAll closes and removes every watcher.
func (s *Set) CloseAll() {
	for w := range s.m {
		close(w)
	}
	clear(s.m)
}
