package redisstore

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ErrMalformed is wrapped by the errors (and by Health) that report a value
// in Redis that is not what flaggen writes there: a version that is not a
// number, an epoch or change id that is not an id, a key of the wrong type.
// The store keeps serving its last good state, looks again with an
// exponential backoff capped at the check interval, logs the value at most
// once per badValueLogEvery, and recovers by itself once the value is
// repaired.
var ErrMalformed = errors.New("flaggen: malformed value in Redis")

// badValueLogEvery bounds how often a bad value that persists (or keeps
// changing) is logged again.
const badValueLogEvery = time.Minute

// maxIDLen bounds an epoch or change id read from Redis; the store writes
// 26-character ids (crypto/rand.Text).
const maxIDLen = 64

// checkID returns an error wrapping ErrMalformed, naming key, unless v (read
// from key) is an id as the store writes them: 1 to maxIDLen printable
// ASCII characters without spaces.
func checkID(key, v string) error {
	if len(v) == 0 || len(v) > maxIDLen {
		return fmt.Errorf("%w: %s holds %s, not an id (1 to %d characters)", ErrMalformed, key, quote(v), maxIDLen)
	}
	for i := 0; i < len(v); i++ {
		if v[i] <= ' ' || v[i] > '~' {
			return fmt.Errorf("%w: %s holds %s, not an id (printable ASCII without spaces)", ErrMalformed, key, quote(v))
		}
	}
	return nil
}

// quote returns v quoted for a message, cut to its first 64 bytes.
func quote(v string) string {
	if len(v) > 64 {
		return strconv.Quote(v[:64]) + "… (" + strconv.Itoa(len(v)) + " bytes)"
	}
	return strconv.Quote(v)
}

// badValueBackoff returns how long the store waits before its tries-th look
// (1, 2, …) at a bad value: retry, doubled each time, capped at limit.
func badValueBackoff(retry, limit time.Duration, tries int) time.Duration {
	d := retry
	for i := 1; i < tries && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}

// limiter lets a repeated log message through at most once per interval and
// counts what it held back; the store's mu guards it.
type limiter struct {
	last time.Time
	held int
}

// allow reports whether a message may be logged at now, and how many were
// held back since the last one logged.
func (l *limiter) allow(now time.Time, every time.Duration) (ok bool, held int) {
	if !l.last.IsZero() && now.Sub(l.last) < every {
		l.held++
		return false, 0
	}
	held, l.held, l.last = l.held, 0, now
	return true, held
}

// setBad records the outcome of reading the namespace's values (err nil:
// every value read was well-formed) and logs a bad value at most once per
// badValueLogEvery; mu is not held.
func (s *Store) setBad(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	was := s.degradedLocked()
	s.badErr = err
	if err == nil {
		s.badTries = 0
		s.badLog = limiter{}
		s.transitionLocked(was)
		return
	}
	if ok, held := s.badLog.allow(time.Now(), badValueLogEvery); ok {
		s.o.logger.Error("flaggen: malformed value in Redis; serving the last good state and looking again with backoff until it is repaired",
			"namespace", s.o.namespace, "err", err, "repeats_not_logged", held)
	}
	s.transitionLocked(was)
}

// scriptErr returns the error of a script: "MALFORMED …", a key of
// another type or a value the script cannot work with, wraps ErrMalformed;
// any other error is noted (noteErr) and returned.
func (s *Store) scriptErr(err error) error {
	if what, ok := strings.CutPrefix(err.Error(), "MALFORMED "); ok {
		return fmt.Errorf("%w: %s (nothing was written)", ErrMalformed, what)
	}
	return s.noteErr(err)
}
