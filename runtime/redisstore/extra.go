package redisstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/flaggen/flaggen/runtime/store"
)

// auditPage is how many stream entries Audit reads per round trip when it
// filters by flag.
const auditPage = 1000

// Audit implements store.Store by reading the audit stream newest first.
func (s *Store) Audit(ctx context.Context, flag string, limit int) ([]store.AuditEntry, error) {
	if s.isClosed() {
		return nil, store.ErrClosed
	}
	var out []store.AuditEntry
	end := "+"
	for {
		count := int64(auditPage)
		if flag == "" && limit > 0 {
			count = int64(limit - len(out))
		}
		msgs, err := s.c.XRevRangeN(ctx, s.key.audit, end, "-", count).Result()
		if err != nil {
			return nil, fmt.Errorf("flaggen: redis audit read failed: %w", s.noteErr(err))
		}
		for _, m := range msgs {
			e, err := decodeAudit(m)
			if err != nil {
				s.o.logger.Error("flaggen: malformed audit entry skipped", "key", s.key.audit, "id", m.ID, "err", err)
				continue
			}
			if _, ok := e.Flags[flag]; flag != "" && !ok {
				continue
			}
			out = append(out, e)
			if limit > 0 && len(out) == limit {
				return out, nil
			}
		}
		if int64(len(msgs)) < count || len(msgs) == 0 {
			return out, nil
		}
		end = "(" + msgs[len(msgs)-1].ID
	}
}

func decodeAudit(m redis.XMessage) (store.AuditEntry, error) {
	str := func(k string) string { v, _ := m.Values[k].(string); return v }
	var e store.AuditEntry
	var err error
	if e.Version, err = strconv.ParseUint(str("version"), 10, 64); err != nil {
		return e, fmt.Errorf("version: %w", err)
	}
	us, err := strconv.ParseInt(str("time"), 10, 64)
	if err != nil {
		return e, fmt.Errorf("time: %w", err)
	}
	e.Time = time.UnixMicro(us).UTC()
	e.Actor, e.Reason = str("actor"), str("reason")
	if err := json.Unmarshal([]byte(str("flags")), &e.Flags); err != nil {
		return e, fmt.Errorf("flags: %w", err)
	}
	if b := str("before"); b != "" {
		if err := json.Unmarshal([]byte(b), &e.Before); err != nil {
			return e, fmt.Errorf("before: %w", err)
		}
	}
	return e, nil
}

// AuditBefore returns, for the audit entry of the given version, each changed
// flag's patch before the change (JSON null: the flag had no entry; a JSON
// string: a malformed value that was replaced). It reports false when the
// entry has left the bounded stream.
func (s *Store) AuditBefore(ctx context.Context, version uint64) (map[string]json.RawMessage, bool, error) {
	end := "+"
	want := strconv.FormatUint(version, 10)
	for {
		msgs, err := s.c.XRevRangeN(ctx, s.key.audit, end, "-", auditPage).Result()
		if err != nil {
			return nil, false, fmt.Errorf("flaggen: redis audit read failed: %w", s.noteErr(err))
		}
		for _, m := range msgs {
			v, _ := m.Values["version"].(string)
			if v != want {
				continue
			}
			b, _ := m.Values["before"].(string)
			var before map[string]json.RawMessage
			if err := json.Unmarshal([]byte(b), &before); err != nil {
				return nil, false, fmt.Errorf("flaggen: audit entry %s of %s: before: %w", m.ID, s.key.audit, err)
			}
			return before, true, nil
		}
		if len(msgs) < auditPage {
			return nil, false, nil
		}
		end = "(" + msgs[len(msgs)-1].ID
	}
}

// AddCounters implements store.Store with one script that adds every
// delta (HINCRBY), so every instance adds into the same cluster-wide
// totals, and adds all of them or none: a counter hash of another type, a
// counter that is not an integer or a total that would overflow fails the
// whole call.
func (s *Store) AddCounters(ctx context.Context, deltas []store.CounterDelta) ([]int64, error) {
	if s.isClosed() {
		return nil, store.ErrClosed
	}
	if len(deltas) == 0 {
		return []int64{}, nil
	}
	keys := make([]string, len(deltas))
	args := make([]any, 0, 2*len(deltas))
	for i, d := range deltas {
		keys[i] = s.key.counters + d.Flag
		args = append(args, d.Name, d.Delta)
	}
	res, err := addCountersScript.Run(ctx, s.c, keys, args...).Int64Slice()
	if err != nil {
		return nil, fmt.Errorf("flaggen: redis write failed: counters: %w", s.scriptErr(err))
	}
	if len(res) != len(deltas) {
		return nil, fmt.Errorf("flaggen: redis counters: %d totals for %d deltas", len(res), len(deltas))
	}
	return res, nil
}

// Counters implements store.Store.
func (s *Store) Counters(ctx context.Context, flag string) (map[string]int64, error) {
	if s.isClosed() {
		return nil, store.ErrClosed
	}
	m, err := s.c.HGetAll(ctx, s.key.counters+flag).Result()
	if err != nil {
		return nil, fmt.Errorf("flaggen: redis counters read failed: %w", s.noteErr(err))
	}
	out := make(map[string]int64, len(m))
	for name, v := range m {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("flaggen: counter %q of %s holds %q, not an integer", name, s.key.counters+flag, v)
		}
		out[name] = n
	}
	return out, nil
}

// ResetCounters implements store.Store.
func (s *Store) ResetCounters(ctx context.Context, flag string) error {
	if s.isClosed() {
		return store.ErrClosed
	}
	if err := s.c.Del(ctx, s.key.counters+flag).Err(); err != nil {
		return fmt.Errorf("flaggen: redis write failed: reset counters: %w", s.noteErr(err))
	}
	return nil
}

// AppendFeedback implements store.Store (RPUSH, trimmed to the newest
// feedback max length entries, in one MULTI/EXEC).
func (s *Store) AppendFeedback(ctx context.Context, flag string, fb store.Feedback) error {
	if s.isClosed() {
		return store.ErrClosed
	}
	if fb.Time.IsZero() {
		fb.Time = s.now().UTC()
	}
	b, err := json.Marshal(fb)
	if err != nil {
		return fmt.Errorf("flaggen: redis feedback: %w", err)
	}
	key := s.key.feedback + flag
	_, err = s.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.RPush(ctx, key, b)
		p.LTrim(ctx, key, -s.o.feedbackMaxLen, -1)
		return nil
	})
	if err != nil {
		return fmt.Errorf("flaggen: redis write failed: feedback: %w", s.noteErr(err))
	}
	return nil
}

// Feedback implements store.Store.
func (s *Store) Feedback(ctx context.Context, flag string) ([]store.Feedback, error) {
	if s.isClosed() {
		return nil, store.ErrClosed
	}
	key := s.key.feedback + flag
	items, err := s.c.LRange(ctx, key, 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("flaggen: redis feedback read failed: %w", s.noteErr(err))
	}
	out := make([]store.Feedback, 0, len(items))
	for i, it := range items {
		var fb store.Feedback
		if err := json.Unmarshal([]byte(it), &fb); err != nil {
			return nil, fmt.Errorf("flaggen: feedback entry %d of %s: %w", i, key, err)
		}
		out = append(out, fb)
	}
	return out, nil
}
