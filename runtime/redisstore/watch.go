package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"time"

	"github.com/redis/go-redis/v9"
)

// changeMsg is the pub/sub message of one change (and a write script's
// reply): the new version, the namespace's epoch, the change's random id,
// the id of the change before it and the new patch of every changed flag
// (null: entry deleted). The ids are "" when unknown: a writer of an
// earlier release sets none, and a namespace it wrote to last has none.
type changeMsg struct {
	V uint64                     `json:"v"`
	E string                     `json:"e"`
	C string                     `json:"c,omitempty"`
	P string                     `json:"p,omitempty"`
	F map[string]json.RawMessage `json:"f"`
}

// subscribeLoop follows the change channel. Each (re)subscription triggers a
// full resync, since messages published while the subscription was down are
// lost; a message that skips versions triggers one too. While the
// subscription is down the store is degraded and retries every
// retryInterval on its own connection (not the client's pool, whose dial
// circuit breaker would slow recovery).
func (s *Store) subscribeLoop() {
	defer s.wg.Done()
	ctx := s.ctx
	for ctx.Err() == nil {
		ps := s.c.Subscribe(ctx, s.key.channel)
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			_ = ps.Close()
			return
		}
		s.ps = ps
		s.mu.Unlock()
		s.follow(ctx, ps)
		_ = ps.Close()
		if ctx.Err() == nil {
			sleep(ctx, s.o.retryInterval)
		}
	}
}

// follow reads ps until it must be replaced (silent connection) or ctx ends.
func (s *Store) follow(ctx context.Context, ps *redis.PubSub) {
	recv := s.o.checkInterval
	silent := 0
	for ctx.Err() == nil {
		msg, err := ps.ReceiveTimeout(ctx, recv)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				// Idle: ping, and give the connection up when pings go
				// unanswered (a half-open connection never errors).
				silent++
				if silent > 2 {
					s.setErr(true, fmt.Errorf("change subscription %s: no answer to PING within %v", s.key.channel, 2*recv))
					return
				}
				if err := ps.Ping(ctx); err != nil {
					s.setErr(true, fmt.Errorf("change subscription %s: %w", s.key.channel, err))
					sleep(ctx, s.o.retryInterval)
				}
				continue
			}
			// go-redis reconnects (and resubscribes) on the next Receive.
			s.setErr(true, fmt.Errorf("change subscription %s: %w", s.key.channel, err))
			sleep(ctx, s.o.retryInterval)
			continue
		}
		silent = 0
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind == "subscribe" {
				s.setErr(true, nil)
				if _, err := s.fullLoad(ctx, false); err != nil && ctx.Err() == nil {
					s.kickCheck()
				}
			}
		case *redis.Message:
			s.onMessage(m.Payload)
		case *redis.Pong:
		}
	}
}

// onMessage applies a change message at once (a message costs no round
// trip), remembering that Redis has not confirmed it yet (see install); an
// unreadable one asks for a resync and is logged at most once per
// badValueLogEvery: whoever can publish on the channel could flood the log.
func (s *Store) onMessage(payload string) {
	m, err := parseMessage(payload)
	if err != nil {
		s.logMessage("flaggen: unreadable change message; resyncing", "message", quote(payload), "err", err)
		s.kickCheck()
		return
	}
	s.applyChange(m, false)
}

// parseMessage reads a change message; its ids must be ids (checkID) and
// its version positive.
func parseMessage(payload string) (changeMsg, error) {
	var m changeMsg
	if err := json.Unmarshal([]byte(payload), &m); err != nil {
		return changeMsg{}, err
	}
	if m.V == 0 {
		return changeMsg{}, errors.New("no version")
	}
	for _, id := range []struct{ name, v string }{{"e", m.E}, {"c", m.C}, {"p", m.P}} {
		if id.v == "" {
			continue
		}
		if err := checkID(id.name, id.v); err != nil {
			return changeMsg{}, err
		}
	}
	return m, nil
}

// logMessage logs a warning about a change message, at most once per
// badValueLogEvery.
func (s *Store) logMessage(msg string, args ...any) {
	s.mu.Lock()
	ok, held := s.msgLog.allow(time.Now(), badValueLogEvery)
	s.mu.Unlock()
	if ok {
		s.o.logger.Warn(msg, append(args, "channel", s.key.channel, "repeats_not_logged", held)...)
	}
}

// checkLoop compares the mirror's version and epoch with Redis' every
// checkInterval (every retryInterval while degraded) and reloads on any
// difference; it also resyncs at once when kicked (a version gap, a change
// of another epoch, a failed command), and registers the flags again after
// the namespace was reset.
func (s *Store) checkLoop() {
	defer s.wg.Done()
	ctx := s.ctx
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.kick:
			if !t.Stop() {
				select {
				case <-t.C:
				default:
				}
			}
		}
		s.check(ctx)
		s.mu.Lock()
		next := s.o.checkInterval
		switch {
		case s.subErr == nil && s.cmdErr == nil && s.badErr != nil:
			// A malformed value: look again with backoff, not in a loop.
			s.badTries++
			next = badValueBackoff(s.o.retryInterval, s.o.checkInterval, s.badTries)
		case s.subErr != nil || s.cmdErr != nil || !s.valid || s.reregister:
			next = s.o.retryInterval
		}
		s.mu.Unlock()
		t.Reset(next)
	}
}

func (s *Store) check(ctx context.Context) {
	s.mu.Lock()
	valid, subDown, bad := s.valid, s.subErr != nil, s.badErr != nil
	s.mu.Unlock()
	if subDown {
		// The subscription loop resyncs when Redis is back; polling through
		// the client's pool meanwhile would only trip its dial breaker.
		return
	}
	s.registerAgain(ctx)
	if valid || bad {
		// A malformed value is looked at with one GET of the head first:
		// the full load, which clears it, reads every patch.
		h, err := s.getHead(ctx)
		if err != nil {
			return
		}
		s.mu.Lock()
		current := valid && !bad && s.current(h)
		s.confirmLocked(h)
		s.mu.Unlock()
		if current {
			return
		}
	}
	_, _ = s.fullLoad(ctx, false)
}

// registerAgain registers every flag given to Register once more after the
// namespace was reset (Redis lost its data), so that the spec's flags are
// listed again, and records the last recorded spec again; on failure it
// stays pending for the next check.
func (s *Store) registerAgain(ctx context.Context) {
	s.mu.Lock()
	if !s.reregister {
		s.mu.Unlock()
		return
	}
	s.reregister = false
	flags := maps.Clone(s.registered)
	rec := s.record
	s.mu.Unlock()
	err := s.Register(ctx, flags)
	if err == nil && rec != nil {
		err = s.RecordSpec(ctx, rec.file, rec.src)
	}
	if err != nil {
		if ctx.Err() == nil {
			s.o.logger.Warn("flaggen: registering the flags again after Redis lost its data; retrying", "namespace", s.o.namespace, "err", err)
		}
		s.mu.Lock()
		s.reregister = true
		s.mu.Unlock()
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
