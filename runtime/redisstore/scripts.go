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
`

// applyScript writes one Change atomically.
//
//	KEYS[1] patches hash, KEYS[2] version, KEYS[3] audit stream, KEYS[4] epoch,
//	KEYS[5] last change id,
//	KEYS[6..] counter hashes to delete (Change.ResetCounters: an operator reset)
//	ARGV[1] IfVersion ("0": unconditional)   ARGV[2] actor   ARGV[3] reason
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
local cur = redis.call('GET', KEYS[2]) or '0'
if ARGV[1] ~= '0' and ARGV[1] ~= cur then
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
if not epoch then
  epoch = ARGV[8]
  redis.call('SET', KEYS[4], epoch)
end
local t = ARGV[4]
if t == '' then
  local now = redis.call('TIME')
  t = now[1] .. string.format('%06d', tonumber(now[2]))
end
local merge = ARGV[7] == 'M'
local result = {0, epoch, ARGV[10], ''}
local afterj, beforej, pubj = {}, {}, {}
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
  if after == '' then
    redis.call('HDEL', KEYS[1], name)
  else
    redis.call('HSET', KEYS[1], name, after)
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
for i = 6, #KEYS do
  redis.call('DEL', KEYS[i])
end
local v = redis.call('INCR', KEYS[2])
result[1] = v
result[4] = last or ''
redis.call('SET', KEYS[5], ARGV[10])
local flags = '{' .. table.concat(afterj, ',') .. '}'
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[5], '*',
  'version', v, 'time', t, 'actor', ARGV[2], 'reason', ARGV[3],
  'flags', flags, 'before', '{' .. table.concat(beforej, ',') .. '}')
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
var registerScript = redis.NewScript(`
if redis.replicate_commands then redis.replicate_commands() end
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
