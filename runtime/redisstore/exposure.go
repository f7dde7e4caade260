package redisstore

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/flaggen/flaggen/runtime/store"
)

// The exposure keys of a namespace (Key("exposure:…")):
//
//	exposure:counts       hash  field(env, flag, variant) → evaluations
//	exposure:last         hash  field(env, flag) → when last evaluated (Unix ms, a maximum)
//	exposure:since        hash  env → when counting began there (Unix ms, a minimum)
//	exposure:min:<minute> hash  field(env, flag) → evaluations in that minute
//	                            (Unix seconds / 60), expiring exposureTTL after its last write
//	exposure:reset        hash  field(env, flag) → when the flag's counts there were
//	                            last reset (Unix ms, a maximum: store.Exposure.Since)
//
// A field joins its parts, each as "<length>:<text>", so that no name can
// be mistaken for another whatever characters it holds.
const (
	expCounts = "exposure:counts"
	expLast   = "exposure:last"
	expSince  = "exposure:since"
	expMinute = "exposure:min:"
	expReset  = "exposure:reset"
)

// exposureTTL keeps a minute's counts for store.ExposureHistory after the
// minute, and a little more for clocks that disagree.
const exposureTTL = store.ExposureHistory + 2*time.Minute

// expField joins parts into a hash field.
func expField(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(strconv.Itoa(len(p)))
		b.WriteByte(':')
		b.WriteString(p)
	}
	return b.String()
}

// splitField splits a field written by expField into n parts.
func splitField(f string, n int) ([]string, bool) {
	parts := make([]string, 0, n)
	for range n {
		l, rest, ok := strings.Cut(f, ":")
		size, err := strconv.Atoi(l)
		if !ok || err != nil || size < 0 || size > len(rest) || strconv.Itoa(size) != l {
			return nil, false
		}
		parts = append(parts, rest[:size])
		f = rest[size:]
	}
	return parts, f == ""
}

// addExposureScript adds a batch of evaluation counts, all or none.
//
//	KEYS[1] counts hash, KEYS[2] last hash, KEYS[3] since hash,
//	KEYS[4] reset hash, KEYS[5..] minute hashes
//	ARGV[1] the number of count pairs, ARGV[2] of last pairs, ARGV[3] of
//	since pairs, ARGV[4] the minute hashes' TTL in seconds, ARGV[5] the
//	number of reset pairs, then the count pairs (field, evaluations), the
//	last pairs (field, Unix ms), the since pairs (env, Unix ms), the reset
//	pairs (field(env, flag), the earliest Last of the batch's deltas of
//	that flag there, Unix ms) and the minute triples (KEYS index, field,
//	evaluations)
//
// When a reset pair's field was reset after its time (the reset hash
// holds a later time), it writes nothing and returns the array of every
// such field and its reset time: the caller drops the deltas made before
// the reset and runs it again.
//
// It returns the error reply "MALFORMED <what>" when a hash is of another
// type or holds a value flaggen does not write there (a count that is not
// a decimal of at most 18 digits or 10^18, a time that is not a decimal of at most
// 16, or a last or reset time outside the years 2000 to 9999), and "OVERFLOW
// <what>" when a total would exceed store.MaxExposureCount: then nothing
// changed.
var addExposureScript = redis.NewScript(luaCheck + fmt.Sprintf(`
local minms, maxms = %d, %d
`, minExposureMs, maxExposureMs) + `
if redis.replicate_commands then redis.replicate_commands() end
for i = 1, #KEYS do
  local e = checktype(KEYS[i], 'hash')
  if e then return redis.error_reply(e) end
end
local nc, nl, ns, ttl, nr = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], tonumber(ARGV[5])
local maxcount = '1000000000000000000'
local function check(key, field, pattern, digits, what)
  local v = redis.call('HGET', key, field)
  if v and v ~= maxcount and (not string.match(v, pattern) or #v > digits) or v == maxcount and digits ~= 18 then
    return 'MALFORMED ' .. key .. ' field ' .. string.format('%q', field) .. ' holds ' ..
      string.format('%q', string.sub(v, 1, 64)) .. ', not ' .. what
  end
  return nil, v
end
-- checktime is check of a time (Unix ms) that must fall within the years
-- 2000 to 9999: a last or a reset time.
local function checktime(key, field)
  local e, v = check(key, field, '^-?%d+$', 16, 'a time in Unix milliseconds')
  if not e and v and (tonumber(v) < minms or tonumber(v) >= maxms) then
    e = 'MALFORMED ' .. key .. ' field ' .. string.format('%q', field) .. ' holds ' .. v ..
      ', not a time in Unix milliseconds within the years 2000 to 9999'
  end
  return e, v
end
local a = 6
local counts, lasts, sinces = a, a + 2 * nc, a + 2 * nc + 2 * nl
local resets = sinces + 2 * ns
local minutes = resets + 2 * nr
local later = {}
for i = resets, minutes - 1, 2 do
  local e, v = checktime(KEYS[4], ARGV[i])
  if e then return redis.error_reply(e) end
  if v and tonumber(ARGV[i + 1]) < tonumber(v) then
    later[#later + 1] = ARGV[i]
    later[#later + 1] = v
  end
end
if #later > 0 then return later end
-- over reports whether the decimals a + b exceed 10^18, exactly: in
-- parts of 9 digits, which doubles hold.
local function split(s)
  if #s <= 9 then return 0, tonumber(s) end
  return tonumber(string.sub(s, 1, #s - 9)), tonumber(string.sub(s, #s - 8))
end
local function over(a, b)
  local ah, al = split(a)
  local bh, bl = split(b)
  local l = al + bl
  local h = ah + bh + math.floor(l / 1e9)
  l = l % 1e9
  return h > 1e9 or (h == 1e9 and l > 0)
end
local function total(key, field, v, n)
  if v and over(v, n) then
    return 'OVERFLOW ' .. key .. ' field ' .. string.format('%q', field) .. ': the total would exceed 10^18'
  end
end
for i = counts, lasts - 1, 2 do
  local e, v = check(KEYS[1], ARGV[i], '^%d+$', 18, 'a count')
  if not e then e = total(KEYS[1], ARGV[i], v, ARGV[i + 1]) end
  if e then return redis.error_reply(e) end
end
for i = lasts, sinces - 1, 2 do
  local e = checktime(KEYS[2], ARGV[i])
  if e then return redis.error_reply(e) end
end
for i = sinces, resets - 1, 2 do
  local e = check(KEYS[3], ARGV[i], '^-?%d+$', 16, 'a time in Unix milliseconds')
  if e then return redis.error_reply(e) end
end
for i = minutes, #ARGV, 3 do
  local e, v = check(KEYS[tonumber(ARGV[i])], ARGV[i + 1], '^%d+$', 18, 'a count')
  if not e then e = total(KEYS[tonumber(ARGV[i])], ARGV[i + 1], v, ARGV[i + 2]) end
  if e then return redis.error_reply(e) end
end
for i = counts, lasts - 1, 2 do
  redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1])
end
for i = lasts, sinces - 1, 2 do
  local v = redis.call('HGET', KEYS[2], ARGV[i])
  if not v or tonumber(ARGV[i + 1]) > tonumber(v) then redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
end
for i = sinces, resets - 1, 2 do
  local v = redis.call('HGET', KEYS[3], ARGV[i])
  if not v or tonumber(ARGV[i + 1]) < tonumber(v) then redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1]) end
end
for i = minutes, #ARGV, 3 do
  local k = KEYS[tonumber(ARGV[i])]
  redis.call('HINCRBY', k, ARGV[i + 1], ARGV[i + 2])
  redis.call('EXPIRE', k, ttl)
end
return 1
`)

// AddExposure implements store.Store with one script (one round trip,
// whatever the batch's size, unless a reset of a flag in the batch must be
// learned first) that adds every count, or none: a key of another type, or
// a value in it that flaggen does not write, fails the whole batch with an
// error wrapping ErrMalformed that names the key. The deltas of a flag
// reset after their Last (ResetExposure) are dropped: the script refuses a
// batch that holds one and answers the resets, and AddExposure runs it
// again without those deltas, up to maxResetRetries times.
func (s *Store) AddExposure(ctx context.Context, deltas []store.ExposureDelta) error {
	if err := store.CheckExposure(deltas); err != nil {
		return err
	}
	if s.isClosed() {
		return store.ErrClosed
	}
	resets := map[string]int64{} // field(env, flag) → reset time (Unix ms), as learned
	for range maxResetRetries {
		later, err := s.addExposure(ctx, deltas, resets)
		if err != nil || len(later) == 0 {
			return err
		}
		maps.Copy(resets, later)
	}
	return fmt.Errorf("flaggen: exposure: flags of the batch were reset %d times while it was added (nothing was added)", maxResetRetries)
}

// maxResetRetries bounds how many times AddExposure runs its script again
// after learning of resets: each run learns every reset that refused it,
// so only resets made meanwhile need another.
const maxResetRetries = 5

// addExposure runs addExposureScript once over the deltas not made before
// a reset of their flag as resets has them. It returns the resets that
// refused the batch (nothing was added then).
func (s *Store) addExposure(ctx context.Context, deltas []store.ExposureDelta, resets map[string]int64) (map[string]int64, error) {
	counts := map[string]int64{}
	lasts := map[string]int64{}
	sinces := map[string]int64{}
	firsts := map[string]int64{}
	type minuteField struct {
		minute int64
		field  string
	}
	minutes := map[minuteField]int64{}
	for _, d := range deltas {
		ef := expField(d.Env, d.Flag)
		ms := d.Last.UnixMilli()
		if r, ok := resets[ef]; ok && ms < r {
			continue
		}
		counts[expField(d.Env, d.Flag, d.Variant)] += d.Count
		if l, ok := lasts[ef]; !ok || ms > l {
			lasts[ef] = ms
		}
		if l, ok := firsts[ef]; !ok || ms < l {
			firsts[ef] = ms
		}
		if l, ok := sinces[d.Env]; !ok || ms < l {
			sinces[d.Env] = ms
		}
		minutes[minuteField{store.Minute(d.Last), ef}] += d.Count
	}
	if len(counts) == 0 {
		return nil, nil
	}
	keys := []string{s.Key(expCounts), s.Key(expLast), s.Key(expSince), s.Key(expReset)}
	args := []any{len(counts), len(lasts), len(sinces), int64(exposureTTL / time.Second), len(firsts)}
	for _, m := range []map[string]int64{counts, lasts, sinces, firsts} {
		for _, f := range slices.Sorted(maps.Keys(m)) {
			args = append(args, f, m[f])
		}
	}
	keyIndex := map[int64]int{}
	mfs := slices.SortedFunc(maps.Keys(minutes), func(a, b minuteField) int {
		if a.minute != b.minute {
			return int(a.minute - b.minute)
		}
		return strings.Compare(a.field, b.field)
	})
	for _, mf := range mfs {
		i, ok := keyIndex[mf.minute]
		if !ok {
			keys = append(keys, s.Key(expMinute+strconv.FormatInt(mf.minute, 10)))
			i = len(keys) // Lua indexes from 1
			keyIndex[mf.minute] = i
		}
		args = append(args, i, mf.field, minutes[mf])
	}
	res, err := addExposureScript.Run(ctx, s.c, keys, args...).Result()
	if err != nil {
		if what, ok := strings.CutPrefix(err.Error(), "OVERFLOW "); ok {
			return nil, fmt.Errorf("flaggen: exposure: %s (nothing was added)", what)
		}
		return nil, fmt.Errorf("flaggen: redis write failed: exposure: %w", s.scriptErr(err))
	}
	later, ok := res.([]any)
	if !ok {
		return nil, nil
	}
	out := map[string]int64{}
	for i := 0; i+1 < len(later); i += 2 {
		f, _ := later[i].(string)
		v, _ := later[i+1].(string)
		ms, err := strconv.ParseInt(v, 10, 64)
		if _, known := firsts[f]; !known || err != nil {
			return nil, fmt.Errorf("flaggen: redis write failed: exposure: the script answered %v, not the resets of the batch's flags", later)
		}
		out[f] = ms
	}
	return out, nil
}

// resetExposureScript resets a flag's exposure counts.
//
//	KEYS[1] counts hash, KEYS[2] last hash, KEYS[3] since hash,
//	KEYS[4] reset hash, KEYS[5..] minute hashes
//	ARGV[1] the flag, ARGV[2] the environment ("": every one), ARGV[3]
//	the reset time (Unix ms), ARGV[4] "1": refuse a reset time more than
//	a minute ahead of the server's TIME
//
// For env "", the environments are every field of the since hash and
// every environment of a counts, last or reset field of the flag. It
// deletes the flag's fields in those environments from the counts, last
// and minute hashes and sets its reset field there to the reset time,
// unless that holds a later time (a value flaggen does not write there,
// one past the year 9999 too, is replaced). A field flaggen does not write is not the flag's. It returns
// the number of environments reset, or the error reply "MALFORMED <what>"
// when a hash is of another type, or "FUTURE <server time, Unix ms>" when
// ARGV[4] refuses the reset time: then nothing changed.
var resetExposureScript = redis.NewScript(luaCheck + fmt.Sprintf(`
local maxms = %d
`, maxExposureMs) + `
if redis.replicate_commands then redis.replicate_commands() end
for i = 1, #KEYS do
  local e = checktype(KEYS[i], 'hash')
  if e then return redis.error_reply(e) end
end
-- parts splits a field of n parts, each "<length>:<text>" (expField);
-- nil when it is not one.
local function parts(f, n)
  local out, pos = {}, 1
  for i = 1, n do
    local c = string.find(f, ':', pos, true)
    if not c then return nil end
    local l = string.sub(f, pos, c - 1)
    if not string.match(l, '^%d+$') or #l > 10 or (#l > 1 and string.sub(l, 1, 1) == '0') then return nil end
    local size = tonumber(l)
    if c + size > #f then return nil end
    out[i] = string.sub(f, c + 1, c + size)
    pos = c + size + 1
  end
  if pos ~= #f + 1 then return nil end
  return out
end
local flag, env, at = ARGV[1], ARGV[2], ARGV[3]
if ARGV[4] == '1' then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  if tonumber(at) > now + 60000 then return redis.error_reply('FUTURE ' .. now) end
end
local envs, seen = {}, {}
local function addenv(e)
  if not seen[e] then
    seen[e] = true
    envs[#envs + 1] = e
  end
end
if env ~= '' then
  addenv(env)
else
  for _, e in ipairs(redis.call('HKEYS', KEYS[3])) do addenv(e) end
  for _, k in ipairs({KEYS[2], KEYS[4]}) do
    for _, f in ipairs(redis.call('HKEYS', k)) do
      local p = parts(f, 2)
      if p and p[2] == flag then addenv(p[1]) end
    end
  end
end
for _, f in ipairs(redis.call('HKEYS', KEYS[1])) do
  local p = parts(f, 3)
  if p and p[2] == flag and (env == '' or p[1] == env) then
    addenv(p[1])
    redis.call('HDEL', KEYS[1], f)
  end
end
for _, e in ipairs(envs) do
  local f = #e .. ':' .. e .. #flag .. ':' .. flag
  redis.call('HDEL', KEYS[2], f)
  for i = 5, #KEYS do redis.call('HDEL', KEYS[i], f) end
  local v = redis.call('HGET', KEYS[4], f)
  if not v or not string.match(v, '^%d+$') or #v > 16 or tonumber(v) >= maxms or tonumber(v) < tonumber(at) then
    redis.call('HSET', KEYS[4], f, at)
  end
end
return #envs
`)

// ResetExposure implements store.Store with one script: the deletes and
// the reset time are one atomic write. A reset time more than a minute
// ahead of the Redis server's clock is refused (without WithClock): it
// would drop the flag's counts until the server reached it. It deletes the flag's minute
// counts of the minute hashes that may still hold some (store.ExposureHistory
// and exposureTTL back from now, and a little ahead for clocks that
// disagree); Exposure drops any older minute of a reset flag. It reads
// every field of the counts hash (and, for env "", of the last and reset
// hashes) to find the flag's: a reset takes time in proportion to the
// namespace's flags, environments and variants.
func (s *Store) ResetExposure(ctx context.Context, flag, env string, at time.Time) error {
	if err := store.CheckExposureReset(flag, env, at); err != nil {
		return err
	}
	if s.isClosed() {
		return store.ErrClosed
	}
	keys := []string{s.Key(expCounts), s.Key(expLast), s.Key(expSince), s.Key(expReset)}
	now := store.Minute(s.Now())
	for m := now - int64(exposureTTL/time.Minute) - 1; m <= now+2; m++ {
		keys = append(keys, s.Key(expMinute+strconv.FormatInt(m, 10)))
	}
	check := "1" // a reset from a clock ahead would drop counts until it is reached
	if s.o.clock != nil {
		check = "0" // a test's clock
	}
	if err := resetExposureScript.Run(ctx, s.c, keys, flag, env, at.UnixMilli(), check).Err(); err != nil {
		if ms, ok := strings.CutPrefix(err.Error(), "FUTURE "); ok {
			now, _ := strconv.ParseInt(ms, 10, 64)
			return fmt.Errorf("flaggen: exposure reset refused: its time %s is more than a minute ahead of the Redis server's clock (%s): reset by the server's clock (Store.Now)",
				at.UTC().Format(time.RFC3339Nano), time.UnixMilli(now).UTC().Format(time.RFC3339Nano))
		}
		return fmt.Errorf("flaggen: redis write failed: exposure reset: %w", s.scriptErr(err))
	}
	return nil
}

// Exposure implements store.Store: it reads the counts, the last times,
// the reset times and the minute hashes of the last store.ExposureHistory in one pipelined
// round trip. Each value that flaggen does not write there, and each field
// it does not write (for flag ""), is an error wrapping ErrMalformed that
// names the key and field; Exposure returns the other entries with them
// (joined), and looks at no other flag's values for a flag's read.
func (s *Store) Exposure(ctx context.Context, flag string) ([]store.Exposure, error) {
	if s.isClosed() {
		return nil, store.ErrClosed
	}
	now := store.Minute(s.Now())
	first := now - int64(store.ExposureHistory/time.Minute) + 1
	var countsCmd, lastCmd, resetCmd *redis.MapStringStringCmd
	minuteCmds := make([]*redis.MapStringStringCmd, 0, now-first+2)
	_, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		countsCmd = p.HGetAll(ctx, s.Key(expCounts))
		lastCmd = p.HGetAll(ctx, s.Key(expLast))
		resetCmd = p.HGetAll(ctx, s.Key(expReset))
		for m := first; m <= now+1; m++ { // +1: a counting clock a little ahead
			minuteCmds = append(minuteCmds, p.HGetAll(ctx, s.Key(expMinute+strconv.FormatInt(m, 10))))
		}
		return nil
	})
	if err != nil {
		for _, c := range append([]*redis.MapStringStringCmd{countsCmd, lastCmd, resetCmd}, minuteCmds...) {
			if e := c.Err(); e != nil && strings.HasPrefix(e.Error(), "WRONGTYPE") {
				return nil, fmt.Errorf("%w: %s is not a hash", ErrMalformed, c.Args()[1])
			}
		}
		return nil, fmt.Errorf("flaggen: redis exposure read failed: %w", s.noteErr(err))
	}
	out := map[[2]string]*store.Exposure{}
	get := func(env, f string) *store.Exposure {
		e := out[[2]string{env, f}]
		if e == nil {
			e = &store.Exposure{Flag: f, Env: env, Variants: map[string]int64{}}
			out[[2]string{env, f}] = e
		}
		return e
	}
	var bad []error
	// entries yields the entries of hash key (of fields of n parts, values
	// of at most digits digits) that are the flag's, every flag's for "";
	// a malformed one goes to bad instead, when it may be the flag's.
	entries := func(key string, h map[string]string, n, digits int, yield func(expEntry)) {
		for _, field := range slices.Sorted(maps.Keys(h)) {
			parts, ok := splitField(field, n)
			if ok && flag != "" && parts[1] != flag || !ok && flag != "" {
				continue
			}
			p, err := s.expEntry(key, field, h[field], n, digits)
			if err != nil {
				bad = append(bad, err)
				continue
			}
			yield(p)
		}
	}
	entries(s.Key(expCounts), countsCmd.Val(), 3, 18, func(p expEntry) {
		get(p.parts[0], p.parts[1]).Variants[p.parts[2]] += p.n
	})
	// times yields the times (Unix ms, within the years 2000 to 9999) of
	// the flag's entries of hash key.
	times := func(key string, h map[string]string, set func(e *store.Exposure, t time.Time)) {
		entries(key, h, 2, 16, func(p expEntry) {
			t := time.UnixMilli(p.n).UTC()
			if err := store.CheckExposureTime(t); err != nil {
				bad = append(bad, fmt.Errorf("%w: %s field %s: %v", ErrMalformed, key, quote(expField(p.parts...)), err))
				return
			}
			set(get(p.parts[0], p.parts[1]), t)
		})
	}
	times(s.Key(expLast), lastCmd.Val(), func(e *store.Exposure, t time.Time) { e.Last = t })
	times(s.Key(expReset), resetCmd.Val(), func(e *store.Exposure, t time.Time) { e.Since = t })
	for k, cmd := range minuteCmds {
		m := first + int64(k)
		entries(s.Key(expMinute+strconv.FormatInt(m, 10)), cmd.Val(), 2, 18, func(p expEntry) {
			e := get(p.parts[0], p.parts[1])
			if m < store.Minute(e.Since) {
				return // counted before a reset (a minute hash the reset did not reach)
			}
			if e.Minutes == nil {
				e.Minutes = map[int64]int64{}
			}
			e.Minutes[m] += p.n
		})
	}
	es := make([]store.Exposure, 0, len(out))
	for _, e := range out {
		es = append(es, *e)
	}
	store.SortExposures(es)
	return es, errors.Join(bad...)
}

// minExposureMs and maxExposureMs bound the last times addExposureScript
// accepts, as store.CheckExposureTime does.
var (
	minExposureMs = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	maxExposureMs = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
)

// expEntry is one parsed field and value of an exposure hash.
type expEntry struct {
	parts []string
	n     int64
}

// expEntry parses field (of n parts) and its value v (a decimal of at most
// digits digits; 18: a count from 0 to store.MaxExposureCount) read from
// key.
func (s *Store) expEntry(key, field, v string, n, digits int) (expEntry, error) {
	parts, ok := splitField(field, n)
	if !ok {
		return expEntry{}, fmt.Errorf("%w: %s holds the field %s, which flaggen does not write", ErrMalformed, key, quote(field))
	}
	x, err := strconv.ParseInt(v, 10, 64)
	count := digits == 18 && x >= 0 && x <= store.MaxExposureCount
	if err != nil || len(strings.TrimPrefix(v, "-")) > digits && !count || digits == 18 && !count {
		return expEntry{}, fmt.Errorf("%w: %s field %s holds %s, not a number flaggen writes there", ErrMalformed, key, quote(field), quote(v))
	}
	return expEntry{parts, x}, nil
}

// ExposureSince implements store.Store.
func (s *Store) ExposureSince(ctx context.Context, env string) (time.Time, error) {
	if s.isClosed() {
		return time.Time{}, store.ErrClosed
	}
	key := s.Key(expSince)
	v, err := s.c.HGet(ctx, key, env).Result()
	if err == redis.Nil {
		return time.Time{}, nil
	}
	if err != nil && strings.HasPrefix(err.Error(), "WRONGTYPE") {
		return time.Time{}, fmt.Errorf("%w: %s is not a hash", ErrMalformed, key)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("flaggen: redis exposure read failed: %w", s.noteErr(err))
	}
	ms, err := strconv.ParseInt(v, 10, 64)
	if err != nil || len(strings.TrimPrefix(v, "-")) > 16 {
		return time.Time{}, fmt.Errorf("%w: %s field %s holds %s, not a time in Unix milliseconds", ErrMalformed, key, quote(env), quote(v))
	}
	return time.UnixMilli(ms).UTC(), nil
}
