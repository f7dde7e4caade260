package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"

	"github.com/flaggen/flaggen/internal/jsonx"
	"github.com/flaggen/flaggen/runtime/store"
	"github.com/redis/go-redis/v9"
)

// This file holds what keeps live state, a kill switch above all, through
// a Redis that lost its data: the restore of the live state the running
// instances held, and ResetLive, the operator's explicit way back to the
// spec, which no instance undoes.

// WithRestoreOnDataLoss sets whether the store writes the live state it
// holds back to Redis once after Redis lost the namespace's data (default
// true; see the package documentation, "Data loss"). With false the store
// takes what Redis holds after the loss: the spec, plus later changes.
func WithRestoreOnDataLoss(on bool) Option { return func(o *options) { o.noRestore = !on } }

// restoreAuditScan bounds how many audit entries the restore script reads
// to find the flags written since the loss. A namespace with more audited
// entries than this is not one that just lost its data (its audit stream
// survived): it is not restored.
const restoreAuditScan = 1000

// restoreState is the store's part in restores; guarded by Store.mu.
type restoreState struct {
	instance string // names the store in restore audit entries
	// tried is the mirror epoch whose loss the store has handled: it tried
	// to restore that epoch's state once (whatever the outcome).
	tried string
	// outcome says what became of the last restore tried, for the log
	// line of the mirror's move to the new epoch.
	outcome restoreOutcome
	// attempts counts the restores tried (restoreAfterLoss).
	attempts uint64
}

// restoreOutcome is the status the restore script answers with.
type restoreOutcome string

const (
	restoreDone     restoreOutcome = "RESTORED" // this store's state was written back
	restoreNoChange restoreOutcome = "NOCHANGE" // Redis held it already
	restoreHave     restoreOutcome = "HAVE"     // a restore from an equal or higher version is there
	restoreWiped    restoreOutcome = "WIPED"    // an operator reset the namespace (ResetLive)
	restoreSame     restoreOutcome = "SAME"     // the namespace is in the mirror's epoch again
	restoreAudited  restoreOutcome = "AUDIT"    // the audit trail survived: not a data loss
)

// newInstance names a store for the audit trail: host/pid/random, so that
// several stores of one process are told apart.
func newInstance() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown-host"
	}
	return host + "/" + strconv.Itoa(os.Getpid()) + "/" + rand.Text()[:6]
}

// Instance returns the name the store gives itself in the audit entry of a
// restore ("HOST/PID/RANDOM"); the entry's actor is "flaggen-restore@"
// followed by it.
func (s *Store) Instance() string { return s.rs.instance }

// restoreCandidate is the live state a store held before Redis lost it.
type restoreCandidate struct {
	epoch   string
	version uint64
	flags   map[string]json.RawMessage
}

// lossCandidateLocked returns the mirror's state to restore when a full
// load of head h, read while the mirror was at update gen, shows that
// Redis lost the namespace's data: another epoch (or none) than the
// mirror's, not one the mirror left behind, read while the mirror did not
// move, and not handled yet. mu is held.
func (s *Store) lossCandidateLocked(h head, gen uint64) (restoreCandidate, bool) {
	switch {
	case s.o.noRestore, !s.valid, s.epoch == "", h.epoch == s.epoch, s.gen != gen,
		s.rs.tried == s.epoch, len(s.flags) == 0,
		h.epoch != "" && slices.Contains(s.retired, h.epoch):
		return restoreCandidate{}, false
	}
	return restoreCandidate{epoch: s.epoch, version: s.version, flags: jsonx.CloneMap(s.flags)}, true
}

// restoreAfterLoss writes the mirror's live state back to Redis once when
// the full load of head h shows that Redis lost it (lossCandidateLocked),
// before the mirror takes what Redis holds, so that the instance never
// serves the spec in between. It reports whether it tried, in which case
// the caller loads again. An unreachable Redis is returned as the error
// (the mirror is kept, and the store tries again when Redis answers); a
// refusal or a reply error ends the attempt.
func (s *Store) restoreAfterLoss(ctx context.Context, h head, gen, attempts uint64) (bool, error) {
	s.mu.Lock()
	cand, ok := s.lossCandidateLocked(h, gen)
	// A load that read the namespace in another epoch before another load
	// of this store tried its restore (attempts moved) read it without
	// the restore: installed now that the loss is handled, it would serve
	// the spec (a kill switch off) until the next check. It reads again.
	raced := !ok && s.rs.attempts != attempts && s.valid && h.epoch != s.epoch
	s.mu.Unlock()
	if raced {
		return true, nil
	}
	if !ok {
		return false, nil
	}
	outcome, detail, err := s.runRestore(ctx, cand)
	if err != nil {
		var rerr redis.Error
		if !errors.As(err, &rerr) {
			return false, fmt.Errorf("flaggen: redis write failed: restoring the live state after data loss: %w", s.noteErr(err))
		}
		s.o.logger.Error("flaggen: Redis lost this namespace's live state; restoring the state this instance held failed",
			"namespace", s.o.namespace, "old_epoch", cand.epoch, "old_version", cand.version, "err", err)
	}
	s.mu.Lock()
	s.rs.tried, s.rs.outcome = cand.epoch, outcome
	s.rs.attempts++
	s.mu.Unlock()
	log := s.o.logger.Info
	if outcome == restoreDone {
		log = s.o.logger.Warn
	}
	if outcome != "" && outcome != restoreSame {
		log("flaggen: Redis lost this namespace's live state: "+outcomeText[outcome],
			"namespace", s.o.namespace, "old_epoch", cand.epoch, "old_version", cand.version, "instance", s.rs.instance, "detail", detail)
	}
	return true, nil
}

var outcomeText = map[restoreOutcome]string{
	restoreDone:     "restored the live state this instance held (its audit entry names the instance and version)",
	restoreNoChange: "Redis already holds the live state this instance held",
	restoreHave:     "another instance restored the live state of an equal or later version",
	restoreWiped:    "not restored: an operator reset the live state to the spec (flaggen reset-live)",
	restoreAudited:  "not restored: the namespace's audit trail survived, so this is no data loss (DEL of the epoch key?)",
}

// logResetLocked logs the mirror's move to another epoch than its own
// (head h), saying what happened to the previous live state; mu is held.
func (s *Store) logResetLocked(h head) {
	args := []any{"namespace", s.o.namespace, "old_epoch", s.epoch, "old_version", s.version, "new_epoch", h.epoch, "new_version", h.version}
	switch {
	case s.rs.tried != s.epoch || s.rs.outcome == "" || s.rs.outcome == restoreAudited:
		s.o.logger.Warn("flaggen: Redis lost this namespace's live state (restarted without persistence, or flushed); "+
			"the previous live state is gone: apps serve the spec plus the changes made from now on, "+
			"and the spec's flags are registered again", args...)
	case s.rs.outcome == restoreWiped:
		s.o.logger.Info("flaggen: the namespace's live state was reset to the spec by an operator (flaggen reset-live)", args...)
	default:
		s.o.logger.Info("flaggen: following the live state restored after Redis lost its data", args...)
	}
}

// runRestore runs restoreScript for cand and returns its outcome and a
// detail for the log.
func (s *Store) runRestore(ctx context.Context, cand restoreCandidate) (restoreOutcome, string, error) {
	actor := "flaggen-restore@" + s.rs.instance
	reason := fmt.Sprintf("restored live state version %d (epoch %s) from instance %s after data loss", cand.version, cand.epoch, s.rs.instance)
	t := ""
	if s.o.clock != nil {
		t = strconv.FormatInt(s.o.clock().UnixMicro(), 10)
	}
	args := make([]any, 0, 12+2*len(cand.flags))
	args = append(args, cand.epoch, strconv.FormatUint(cand.version, 10), s.rs.instance, actor, reason, t,
		strconv.FormatInt(s.o.auditMaxLen, 10), s.key.channel, newEpoch(), newEpoch(), strconv.Itoa(restoreAuditScan))
	for _, name := range slices.Sorted(maps.Keys(cand.flags)) {
		args = append(args, name, string(cand.flags[name]))
	}
	res, err := restoreScript.Run(ctx, s.c, s.restoreKeys(), args...).StringSlice()
	if err != nil {
		return "", "", err
	}
	s.noteErr(nil)
	if len(res) != 2 {
		return "", "", fmt.Errorf("unexpected restore script reply %q", res)
	}
	return restoreOutcome(res[0]), res[1], nil
}

// restoreKeys are KEYS[1..6] of the restore and reset scripts.
func (s *Store) restoreKeys() []string {
	return []string{s.key.patches, s.key.version, s.key.epoch, s.key.lastChange, s.key.audit, s.Key("restored")}
}

// ResetLive clears the namespace's live state on purpose, back to the spec:
// it deletes every flag's patch and the shared counters of the flags it
// knows (those of the live state it reads first, those given to Register
// and counterFlags), starts a
// new epoch and records it, in one audited, published write. Running
// instances take the new state without restoring theirs (the epoch is
// marked as reset by an operator, which the restore script respects) and
// register the spec's flags again. It returns the new version.
func (s *Store) ResetLive(ctx context.Context, actor, reason string, counterFlags ...string) (uint64, error) {
	if s.isClosed() {
		return 0, store.ErrClosed
	}
	if err := (store.Change{Actor: actor, Reason: reason}).Check(); err != nil {
		return 0, fmt.Errorf("flaggen: redis reset: %w", err)
	}
	t := ""
	if s.o.clock != nil {
		t = strconv.FormatInt(s.o.clock().UnixMicro(), 10)
	}
	st, err := s.Load(ctx)
	if err != nil {
		return 0, err
	}
	names := map[string]bool{}
	for _, n := range counterFlags {
		names[n] = true
	}
	for n := range st.Flags {
		names[n] = true
	}
	s.mu.Lock()
	for n := range s.registered {
		names[n] = true
	}
	s.mu.Unlock()
	keys := s.restoreKeys()
	for _, n := range slices.Sorted(maps.Keys(names)) {
		keys = append(keys, s.key.counters+n)
	}
	epoch := newEpoch()
	res, err := resetScript.Run(ctx, s.c, keys, actor, reason, t, strconv.FormatInt(s.o.auditMaxLen, 10),
		s.key.channel, epoch, newEpoch()).Slice()
	if err != nil {
		return 0, fmt.Errorf("flaggen: redis write failed: reset: %w", s.scriptErr(err))
	}
	s.noteErr(nil)
	v, ok := res[0].(int64)
	if len(res) != 1 || !ok || v <= 0 {
		return 0, fmt.Errorf("flaggen: redis reset: unexpected script reply %v", res)
	}
	s.mu.Lock()
	// This store must not restore its own mirror over its own reset.
	s.rs.tried, s.rs.outcome = s.epoch, restoreWiped
	s.mu.Unlock()
	s.kickCheck()
	return uint64(v), nil
}

// luaCommit holds the end of the restore and reset scripts: commit records
// a change of theirs (KEYS[2] version, KEYS[4] last change id, KEYS[5]
// audit stream, in both) as the write script does: version v, change id
// id, the audit entry (time t, "" for the server's TIME; flags and before
// from the JSON members afterj and beforej; one more field mark = markv,
// which says what made the entry) and the published message. Its XADD runs
// first: when it fails, commit has written nothing. version checks every key
// the scripts write; they call it before they write anything.
const luaCommit = `
local function commit(v, epoch, id, t, maxlen, channel, actor, reason, afterj, beforej, mark, markv)
  if t == '' then
    local now = redis.call('TIME')
    t = now[1] .. string.format('%06d', tonumber(now[2]))
  end
  local flags = '{' .. table.concat(afterj, ',') .. '}'
  -- XADD fails on a stream whose last id is the largest there is (written
  -- by hand) although its type was checked: it runs before any write.
  local ok, err = pcall(redis.call, 'XADD', KEYS[5], 'MAXLEN', '~', maxlen, '*',
    'version', v, 'time', t, 'actor', actor, 'reason', reason,
    'flags', flags, 'before', '{' .. table.concat(beforej, ',') .. '}', mark, markv)
  if not ok then
    error({err = 'MALFORMED ' .. KEYS[5] .. ': ' .. tostring(err.err or err)})
  end
  redis.call('SET', KEYS[2], v)
  local prev = redis.call('GET', KEYS[4]) or ''
  redis.call('SET', KEYS[4], id)
  redis.call('PUBLISH', channel, '{"v":' .. v .. ',"e":' .. cjson.encode(epoch) ..
    ',"c":' .. cjson.encode(id) .. ',"p":' .. cjson.encode(prev) .. ',"f":' .. flags .. '}')
end

-- version checks the keys the restore and reset scripts write (KEYS[1]
-- patches, KEYS[2] version, KEYS[3] epoch, KEYS[4] last change id, KEYS[5]
-- audit stream, KEYS[6] restore marker) before they write anything, and
-- returns KEYS[2], the namespace's version (0 when absent).
local function version()
  local bad = checkkeys({'hash', 'version', 'string', 'string', 'stream', 'hash'})
  if bad then error({err = bad}) end
  return tonumber(redis.call('GET', KEYS[2]) or '0')
end
`

// restoreScript writes a store's live state back after Redis lost it,
// unless the namespace's history says otherwise.
//
//	KEYS[1] patches, KEYS[2] version, KEYS[3] epoch, KEYS[4] last change id,
//	KEYS[5] audit stream, KEYS[6] restore marker (hash)
//	ARGV[1] the epoch the state was held in   ARGV[2] its version
//	ARGV[3] instance   ARGV[4] actor   ARGV[5] reason
//	ARGV[6] time in Unix µs ("": the server's TIME)   ARGV[7] audit MAXLEN
//	ARGV[8] pub/sub channel   ARGV[9] a new epoch, stored when there is none
//	ARGV[10] the change's random id   ARGV[11] how many audit entries to scan
//	ARGV[12..] flag name, patch pairs
//
// It refuses ({status, detail}) when the namespace is in ARGV[1]'s epoch
// ("SAME": nothing was lost), when its epoch was started by ResetLive
// ("WIPED"), when a restore of this epoch came from an equal or higher
// version ("HAVE"), or when the audit stream holds more than ARGV[11]
// entries or one whose flags it cannot read ("AUDIT": it survived, so this
// is no data loss, or it cannot tell which flags were written since). Otherwise it
// writes each patch that differs from Redis', except for flags named by an
// audit entry that is not a restore's (written since the loss, by an
// operator or a monitor: theirs is the newer intent); a restore never
// deletes an entry. The version becomes max(current, ARGV[2]) + 1, so that
// it keeps counting past the lost history. It records the marker {epoch,
// kind=restore, from_epoch, from_version, instance, version}, appends the
// audit entry (with a "restore" field) and publishes the change, as the
// write script does, and answers {"RESTORED", version}, or {"NOCHANGE",
// version} when every patch was equal (the marker is recorded all the same).
var restoreScript = redis.NewScript(luaJSON + luaCommit + `
if redis.replicate_commands then redis.replicate_commands() end
local cur = version()
local epoch = redis.call('GET', KEYS[3])
if epoch == ARGV[1] then return {'SAME', epoch} end
local marker = {}
local m = redis.call('HGETALL', KEYS[6])
for i = 1, #m, 2 do marker[m[i]] = m[i + 1] end
local fromv = tonumber(ARGV[2])
if epoch and marker.epoch == epoch then
  if marker.kind == 'wipe' then
    return {'WIPED', 'by ' .. (marker.actor or '?') .. ' at version ' .. (marker.version or '?')}
  end
  if (tonumber(marker.from_version) or 0) >= fromv then
    return {'HAVE', 'version ' .. (marker.from_version or '?') .. ' from ' .. (marker.instance or '?')}
  end
end
local n = redis.call('XLEN', KEYS[5])
if n > tonumber(ARGV[11]) then return {'AUDIT', n .. ' audit entries'} end
local touched = {}
for _, e in ipairs(redis.call('XREVRANGE', KEYS[5], '+', '-', 'COUNT', ARGV[11])) do
  local f = {}
  for i = 1, #e[2], 2 do f[e[2][i]] = e[2][i + 1] end
  if not f.restore then
    local ok, obj = pcall(cjson.decode, f.flags or '{}')
    if not ok or type(obj) ~= 'table' then
      return {'AUDIT', 'audit entry ' .. e[1] .. ' does not say which flags it changed'}
    end
    for name in pairs(obj) do touched[name] = true end
  end
end
local v = math.max(cur, fromv) + 1
local newepoch = not epoch
if newepoch then epoch = ARGV[9] end
local afterj, beforej, writes = {}, {}, {}
for i = 12, #ARGV, 2 do
  local name, patch = ARGV[i], ARGV[i + 1]
  if not touched[name] then
    local before = redis.call('HGET', KEYS[1], name)
    if before ~= patch then
      writes[#writes + 1] = i
      local jn = cjson.encode(name)
      local bj = 'null'
      if before then bj = asjson(before) end
      afterj[#afterj + 1] = jn .. ':' .. asjson(patch)
      beforej[#beforej + 1] = jn .. ':' .. bj
    end
  end
end
local status = 'RESTORED'
if #afterj == 0 then
  status, v = 'NOCHANGE', cur
else
  -- commit writes nothing when it fails; nothing after it can fail.
  commit(v, epoch, ARGV[10], ARGV[6], ARGV[7], ARGV[8], ARGV[4], ARGV[5], afterj, beforej,
    'restore', ARGV[1] .. ' ' .. ARGV[2] .. ' ' .. ARGV[3])
  for _, i in ipairs(writes) do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
if newepoch then redis.call('SET', KEYS[3], epoch) end
redis.call('DEL', KEYS[6])
redis.call('HSET', KEYS[6], 'epoch', epoch, 'kind', 'restore', 'from_epoch', ARGV[1],
  'from_version', ARGV[2], 'instance', ARGV[3], 'version', v)
return {status, 'version ' .. v}
`)

// resetScript clears a namespace's live state to the spec (ResetLive).
//
//	KEYS[1..6] as restoreScript's   KEYS[7..] counter hashes to delete
//	ARGV[1] actor   ARGV[2] reason   ARGV[3] time in Unix µs ("": the
//	server's TIME)   ARGV[4] audit MAXLEN   ARGV[5] pub/sub channel
//	ARGV[6] the new epoch   ARGV[7] the change's random id
//
// It deletes every patch, starts epoch ARGV[6] at the current version + 1,
// records the marker {epoch, kind=wipe, actor, version}, appends the audit
// entry (every flag → null, with its patch before) and publishes the
// change. It answers {version}.
var resetScript = redis.NewScript(luaJSON + luaCommit + `
if redis.replicate_commands then redis.replicate_commands() end
local v = version() + 1
local all = redis.call('HGETALL', KEYS[1])
local afterj, beforej = {}, {}
for i = 1, #all, 2 do
  local jn = cjson.encode(all[i])
  afterj[#afterj + 1] = jn .. ':null'
  beforej[#beforej + 1] = jn .. ':' .. asjson(all[i + 1])
end
-- commit writes nothing when it fails; nothing after it can fail.
commit(v, ARGV[6], ARGV[7], ARGV[3], ARGV[4], ARGV[5], ARGV[1], ARGV[2], afterj, beforej, 'wipe', ARGV[6])
redis.call('DEL', KEYS[1])
for i = 7, #KEYS do redis.call('DEL', KEYS[i]) end
redis.call('SET', KEYS[3], ARGV[6])
redis.call('DEL', KEYS[6])
redis.call('HSET', KEYS[6], 'epoch', ARGV[6], 'kind', 'wipe', 'actor', ARGV[1], 'version', v)
return {v}
`)
