package webui

import (
	"context"
	"slices"
	"sync"
	"time"
)

// The bounds of the open logins: an admin name keeps at most
// maxSessionsPerName (logging in again ends its oldest), and the page at
// most maxSessions in all (a login then ends the oldest of all).
const (
	maxSessionsPerName = 20
	maxSessions        = 1000
	// sweepEvery is how often a login sweeps every expired session; in
	// between it sweeps only its own name's.
	sweepEvery = time.Minute
)

// session is one login. Its fields but streams never change.
type session struct {
	id, name, csrf string
	created        time.Time
	expires        time.Time
	// streams cancel the session's open change streams (sessions.mu).
	streams map[*int]context.CancelFunc
}

// sessions are the open logins, by id and by name (oldest first).
type sessions struct {
	mu        sync.Mutex
	m         map[string]*session
	byName    map[string][]*session
	ttl       time.Duration
	now       func() time.Time
	nextSweep time.Time
}

func newSessions(ttl time.Duration, now func() time.Time) sessions {
	if ttl <= 0 {
		ttl = DefaultSessionTTL
	}
	return sessions{m: map[string]*session{}, byName: map[string][]*session{}, ttl: ttl, now: now}
}

// open opens a session of name, within the bounds.
func (s *sessions) open(name string) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if !now.Before(s.nextSweep) {
		for _, ss := range s.m {
			if !now.Before(ss.expires) {
				s.endLocked(ss)
			}
		}
		s.nextSweep = now.Add(sweepEvery)
	}
	for _, ss := range s.byName[name] {
		if !now.Before(ss.expires) {
			s.endLocked(ss)
		}
	}
	for len(s.byName[name]) >= maxSessionsPerName {
		s.endLocked(s.byName[name][0])
	}
	for len(s.m) >= maxSessions {
		// The oldest of all is the oldest of some name: a name per
		// admin token, a handful.
		var oldest *session
		for _, l := range s.byName {
			if len(l) > 0 && (oldest == nil || l[0].created.Before(oldest.created)) {
				oldest = l[0]
			}
		}
		if oldest == nil {
			break // every session is in byName: not reached
		}
		s.endLocked(oldest)
	}
	ss := &session{id: randomID(), name: name, csrf: randomID(), created: now, expires: now.Add(s.ttl)}
	s.m[ss.id] = ss
	s.byName[name] = append(s.byName[name], ss)
	return ss
}

// get returns the open session id, or nil.
func (s *sessions) get(id string) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.m[id]
	if ss == nil {
		return nil
	}
	if !s.now().Before(ss.expires) {
		s.endLocked(ss)
		return nil
	}
	return ss
}

// end ends the session id, if open, and its change streams.
func (s *sessions) end(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ss := s.m[id]; ss != nil {
		s.endLocked(ss)
	}
}

func (s *sessions) endLocked(ss *session) {
	delete(s.m, ss.id)
	l := slices.DeleteFunc(s.byName[ss.name], func(o *session) bool { return o == ss })
	if len(l) == 0 {
		delete(s.byName, ss.name)
	} else {
		s.byName[ss.name] = l
	}
	for _, cancel := range ss.streams {
		cancel()
	}
	ss.streams = nil
}

// stream returns the context of a change stream of ss, derived from ctx
// and cancelled when ss ends, and the func to call when the stream ends;
// ok is false when ss has ended already.
func (s *sessions) stream(ctx context.Context, ss *session) (_ context.Context, done func(), ok bool) {
	ctx, cancel := context.WithCancel(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m[ss.id] != ss {
		cancel()
		return nil, nil, false
	}
	key := new(int)
	if ss.streams == nil {
		ss.streams = map[*int]context.CancelFunc{}
	}
	ss.streams[key] = cancel
	return ctx, func() {
		cancel()
		s.mu.Lock()
		delete(ss.streams, key)
		s.mu.Unlock()
	}, true
}

// live reports whether ss is still open (not ended, not expired).
func (s *sessions) live(ss *session) bool { return s.get(ss.id) == ss }
