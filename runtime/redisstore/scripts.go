package redisstore

import "github.com/redis/go-redis/v9"

// luaJSON holds Lua helpers shared by the scripts. Redis' cjson re-encodes
// numbers with 14 significant digits and turns [] into {}, so patches are
// never round-tripped through cjson: split cuts a JSON object into its
// top-level fields and keeps every value's text byte for byte, and join
// writes fields back in sorted order.
const luaJSON = `
local function scanstring(s, i)
  local k = i + 1
  while true do
    local c = string.find(s, '["\\]', k)
    if not c then return nil end
    if string.sub(s, c, c) == '\\' then k = c + 2 else return c end
  end
end

local function scanvalue(s, i)
  local c = string.sub(s, i, i)
  if c == '"' then return scanstring(s, i) end
  if c == '{' or c == '[' then
    local depth, k = 0, i
    while true do
      local p = string.find(s, '[%[%]{}"]', k)
      if not p then return nil end
      local ch = string.sub(s, p, p)
      if ch == '"' then
        p = scanstring(s, p)
        if not p then return nil end
      elseif ch == '{' or ch == '[' then
        depth = depth + 1
      else
        depth = depth - 1
        if depth == 0 then return p end
      end
      k = p + 1
    end
  end
  local e = string.find(s, '[,}%s]', i)
  if not e then return nil end
  return e - 1
end

-- split returns the fields of the JSON object text s (name -> raw value
-- text), or nil when s is not a JSON object.
local function split(s)
  if not s or not string.find(s, '^%s*{') then return nil end
  local ok, obj = pcall(cjson.decode, s)
  if not ok or type(obj) ~= 'table' then return nil end
  local fields = {}
  local i = string.find(s, '{', 1, true) + 1
  while true do
    i = string.find(s, '[^%s,]', i)
    if not i or string.sub(s, i, i) == '}' then break end
    local j = scanstring(s, i)
    if not j then return nil end
    local name = cjson.decode(string.sub(s, i, j))
    i = string.find(s, ':', j + 1, true)
    if not i then return nil end
    i = string.find(s, '%S', i + 1)
    local e = scanvalue(s, i)
    if not e then return nil end
    fields[name] = string.sub(s, i, e)
    i = e + 1
  end
  return fields
end

local function join(fields)
  local names = {}
  for n in pairs(fields) do names[#names + 1] = n end
  table.sort(names)
  local out = {}
  for _, n in ipairs(names) do out[#out + 1] = cjson.encode(n) .. ':' .. fields[n] end
  return '{' .. table.concat(out, ',') .. '}'
end

-- asjson returns v when it is valid JSON text, else v as a JSON string
-- (a hand-written malformed value, kept readable in the audit trail).
local function asjson(v)
  if pcall(cjson.decode, v) then return v end
  return cjson.encode(v)
end
` + luaCheck

// luaCheck holds the Lua helpers with which every script checks, before it
// writes anything, that each key it writes has the type it writes (or does
// not exist) and that the version can be incremented: a script either
// writes everything or nothing. They return nil, or the error text
// "MALFORMED <what>" for redis.error_reply.
const luaCheck = `
local function checktype(key, want)
  local t = redis.call('TYPE', key).ok
  if t ~= 'none' and t ~= want then
    return 'MALFORMED ' .. key .. ' is a ' .. t .. ', not a ' .. want
  end
end

-- checkversion checks the version key: absent, or a decimal integer of at
-- most 14 digits that can be incremented and stay so (maxVersionDigits in
-- store.go: Lua numbers print in exponent form from 10^14 on, and the
-- scripts write versions into messages and audit entries as Lua numbers).
local function checkversion(key)
  local e = checktype(key, 'string')
  if e then return e end
  local v = redis.call('GET', key)
  if v and (not string.match(v, '^%d+$') or #v > 14 or (#v == 14 and v >= '99999999999999')) then
    return 'MALFORMED ' .. key .. ' holds ' .. string.format('%q', string.sub(v, 1, 64)) .. ', not a version number'
  end
end

-- checkkeys checks KEYS[i] for each type types[i] ('version': checkversion).
local function checkkeys(types)
  for i, want in ipairs(types) do
    local e
    if want == 'version' then e = checkversion(KEYS[i]) else e = checktype(KEYS[i], want) end
    if e then return e end
  end
end
`

// applyScript writes one Change atomically.
//
//	KEYS[1] patches hash, KEYS[2] version, KEYS[3] audit stream, KEYS[4] epoch,
//	KEYS[5] last change id,
//	KEYS[6..] counter hashes to delete (Change.ResetCounters: an operator reset)
//	ARGV[1] IfVersion ("": unconditional)   ARGV[2] actor   ARGV[3] reason
//	ARGV[4] time in Unix microseconds ("": the Redis server's TIME)
//	ARGV[5] audit MAXLEN (approximate)   ARGV[6] pub/sub channel
//	ARGV[7] mode: "R" replace each patch, "M" merge fields into it
//	ARGV[8] a new random epoch, stored when the namespace has none
//	ARGV[9] IfEpoch ("": unconditional; the namespace has none: "" only)
//	ARGV[10] the change's random id, stored as the last change id
//	ARGV[11] IfChange: the last change id IfVersion must have been reached
//	         by ("": unknown; a namespace without one passes)
//	ARGV[12..] flag name, patch ("" deletes the flag's entry) pairs
//
// It returns {version, epoch, change id, previous change id ("": unknown),
// name1, after1, name2, after2, …} (after "" = deleted) or the error reply
// "CONFLICT <current version>", "CONFLICT EPOCH <current epoch>" or
// "CONFLICT CHANGE <last change id>".
var applyScript = redis.NewScript(luaJSON + `
if redis.replicate_commands then redis.replicate_commands() end
local bad = checkkeys({'hash', 'version', 'stream', 'string', 'string'})
if bad then return redis.error_reply(bad) end
local stored = redis.call('GET', KEYS[2])
local cur = stored or '0'
if ARGV[1] ~= '' and ARGV[1] ~= cur then
  return redis.error_reply('CONFLICT ' .. cur)
end
local epoch = redis.call('GET', KEYS[4])
if ARGV[9] ~= '' and ARGV[9] ~= (epoch or '') then
  return redis.error_reply('CONFLICT EPOCH ' .. (epoch or ''))
end
local last = redis.call('GET', KEYS[5])
if ARGV[11] ~= '' and last and last ~= ARGV[11] then
  return redis.error_reply('CONFLICT CHANGE ' .. last)
end
local newepoch = not epoch
if newepoch then epoch = ARGV[8] end
local t = ARGV[4]
if t == '' then
  local now = redis.call('TIME')
  t = now[1] .. string.format('%06d', tonumber(now[2]))
end
local merge = ARGV[7] == 'M'
local result = {0, epoch, ARGV[10], ''}
local afterj, beforej = {}, {}
-- Every new patch is worked out before anything is written.
for i = 12, #ARGV, 2 do
  local name, patch = ARGV[i], ARGV[i + 1]
  local before = redis.call('HGET', KEYS[1], name)
  local after = patch
  if merge and patch ~= '' then
    local fields = split(before) or {}
    for k, v in pairs(split(patch) or {}) do
      if v == 'null' then fields[k] = nil else fields[k] = v end
    end
    after = join(fields)
  end
  local jn = cjson.encode(name)
  local aj = after
  if aj == '' then aj = 'null' end
  local bj = 'null'
  if before then bj = asjson(before) end
  afterj[#afterj + 1] = jn .. ':' .. aj
  beforej[#beforej + 1] = jn .. ':' .. bj
  result[#result + 1] = name
  result[#result + 1] = after
end
-- After the checks above one command can still fail: XADD, on a stream
-- whose last id is the largest there is (written by hand). It runs first,
-- and the version is put back when it fails.
local v = redis.call('INCR', KEYS[2])
local flags = '{' .. table.concat(afterj, ',') .. '}'
local ok, err = pcall(redis.call, 'XADD', KEYS[3], 'MAXLEN', '~', ARGV[5], '*',
  'version', v, 'time', t, 'actor', ARGV[2], 'reason', ARGV[3],
  'flags', flags, 'before', '{' .. table.concat(beforej, ',') .. '}')
if not ok then
  if stored then redis.call('SET', KEYS[2], stored) else redis.call('DEL', KEYS[2]) end
  return redis.error_reply('MALFORMED ' .. KEYS[3] .. ': ' .. tostring(err.err or err))
end
if newepoch then redis.call('SET', KEYS[4], epoch) end
for i = 12, #ARGV, 2 do
  local after = result[i - 6]
  if after == '' then
    redis.call('HDEL', KEYS[1], ARGV[i])
  else
    redis.call('HSET', KEYS[1], ARGV[i], after)
  end
end
for i = 6, #KEYS do
  redis.call('DEL', KEYS[i])
end
result[1] = v
result[4] = last or ''
redis.call('SET', KEYS[5], ARGV[10])
redis.call('PUBLISH', ARGV[6], '{"v":' .. v .. ',"e":' .. cjson.encode(epoch) ..
  ',"c":' .. cjson.encode(ARGV[10]) .. ',"p":' .. cjson.encode(result[4]) .. ',"f":' .. flags .. '}')
return result
`)

// registerScript adds patches for flags without an entry.
//
//	KEYS[1] patches hash, KEYS[2] version, KEYS[3] epoch, KEYS[4] last change id
//	ARGV[1] pub/sub channel   ARGV[2] a new random epoch, stored when the
//	namespace has none   ARGV[3] the change's random id, stored as the last
//	change id when a flag is added   ARGV[4..] flag name, patch pairs
//
// It returns {version, epoch, change id, previous change id, name1, patch1,
// …} for the added flags, or {0, epoch, "", ""} when every flag had an entry
// already.
var registerScript = redis.NewScript(luaCheck + `
if redis.replicate_commands then redis.replicate_commands() end
local bad = checkkeys({'hash', 'version', 'string', 'string'})
if bad then return redis.error_reply(bad) end
local epoch = redis.call('GET', KEYS[3])
if not epoch then
  epoch = ARGV[2]
  redis.call('SET', KEYS[3], epoch)
end
local added, result = {}, {0, epoch, '', ''}
for i = 4, #ARGV, 2 do
  if redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1]) == 1 then
    added[#added + 1] = cjson.encode(ARGV[i]) .. ':' .. ARGV[i + 1]
    result[#result + 1] = ARGV[i]
    result[#result + 1] = ARGV[i + 1]
  end
end
if #added == 0 then return result end
local v = redis.call('INCR', KEYS[2])
result[1] = v
result[3] = ARGV[3]
result[4] = redis.call('GET', KEYS[4]) or ''
redis.call('SET', KEYS[4], ARGV[3])
redis.call('PUBLISH', ARGV[1], '{"v":' .. v .. ',"e":' .. cjson.encode(epoch) ..
  ',"c":' .. cjson.encode(ARGV[3]) .. ',"p":' .. cjson.encode(result[4]) .. ',"f":{' .. table.concat(added, ',') .. '}}')
return result
`)

// addCountersScript adds deltas to counters, all or none.
//
//	KEYS[i] the counter hash of the i-th delta (several may be the same)
//	ARGV[2i-1], ARGV[2i] the i-th delta's counter name and integer delta
//
// It returns the new totals in order, or the error reply "MALFORMED <what>"
// when a hash is of another type or a counter is not an integer, or
// "OVERFLOW <key> <name>" when a total would leave the int64 range; then
// no counter changed.
var addCountersScript = redis.NewScript(luaCheck + `
if redis.replicate_commands then redis.replicate_commands() end
for i = 1, #KEYS do
  local e = checktype(KEYS[i], 'hash')
  if e then return redis.error_reply(e) end
  local v = redis.call('HGET', KEYS[i], ARGV[2 * i - 1])
  if v and not string.match(v, '^-?%d+$') then
    return redis.error_reply('MALFORMED ' .. KEYS[i] .. ' field ' .. ARGV[2 * i - 1] ..
      ' holds ' .. string.format('%q', string.sub(v, 1, 64)) .. ', not an integer')
  end
end
-- HINCRBY can still refuse an overflow: what was added is then put back.
local prior, totals = {}, {}
for i = 1, #KEYS do
  local name = ARGV[2 * i - 1]
  prior[i] = redis.call('HGET', KEYS[i], name) or false
  local ok, n = pcall(redis.call, 'HINCRBY', KEYS[i], name, ARGV[2 * i])
  if not ok then
    for j = i - 1, 1, -1 do
      if prior[j] then
        redis.call('HSET', KEYS[j], ARGV[2 * j - 1], prior[j])
      else
        redis.call('HDEL', KEYS[j], ARGV[2 * j - 1])
      end
    end
    return redis.error_reply('OVERFLOW ' .. KEYS[i] .. ' ' .. name)
  end
  totals[i] = n
end
return totals
`)
