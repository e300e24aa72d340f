-- observe.lua: upsert one parcel into one entity's history; return the state without that parcel.
-- KEYS: ev (hash parcel -> event), ts (zset parcel -> at_ms), m (hash: f, fp, cy, c<year>, l:<list>),
--       cb (hash parcel -> "year:cents"), v (zset parcel -> at_ms of a confirmed violation)
-- ARGV: parcel, at_ms, event, cbec (0/1), year, cents,
--       horizon_ms, max_events, event_ttl_ms, long_ttl_ms, max_cbec, violation_keep_ms
-- Returns {first_seen or '', cbec_cents_of_others, {list...}, {violation_ms...}, 'event|event|...'}
local ev, ts, m, cb, v = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local parcel, at = ARGV[1], tonumber(ARGV[2])
local year, cents = tonumber(ARGV[5]), tonumber(ARGV[6])
local horizon, max_events = tonumber(ARGV[7]), tonumber(ARGV[8])
local event_ttl, long_ttl = ARGV[9], ARGV[10]
local max_cbec, keep_v = tonumber(ARGV[11]), tonumber(ARGV[12])

local function int(x)
  return string.format('%d', x)
end

local function del_all(command, key, members)
  -- unpack() is bounded by the Lua C stack, so delete in slices.
  for i = 1, #members, 500 do
    redis.call(command, key, unpack(members, i, math.min(i + 499, #members)))
  end
end

local meta, lists = {}, {}
local raw_meta = redis.call('HGETALL', m)
for i = 1, #raw_meta, 2 do
  local k = raw_meta[i]
  meta[k] = raw_meta[i + 1]
  if string.sub(k, 1, 2) == 'l:' then lists[#lists + 1] = string.sub(k, 3) end
end

-- First seen is the earliest at_ms ever observed; a parcel does not count for its own observation.
local first = meta.f and tonumber(meta.f) or nil
local first_seen = ''
if first and meta.fp ~= parcel then first_seen = meta.f end
if not first or at < first then redis.call('HSET', m, 'f', ARGV[2], 'fp', parcel) end

redis.call('HSET', ev, parcel, ARGV[3])
redis.call('ZADD', ts, ARGV[2], parcel)

-- Trim by event-time horizon behind the newest event, then cap keeping the newest.
local newest = tonumber(redis.call('ZRANGE', ts, -1, -1, 'WITHSCORES')[2])
local old = redis.call('ZRANGEBYSCORE', ts, '-inf', '(' .. int(newest - horizon))
del_all('ZREM', ts, old)
del_all('HDEL', ev, old)
local n = redis.call('ZCARD', ts)
if n > max_events then
  local extra = redis.call('ZRANGE', ts, 0, n - max_events - 1)
  del_all('HDEL', ev, extra)
  redis.call('ZREMRANGEBYRANK', ts, 0, n - max_events - 1)
end

-- cbec: replace this parcel's contribution; the others' sum is read in between.
local function add_sum(field, delta)
  local left = redis.call('HINCRBY', m, field, delta)
  if left == 0 then
    redis.call('HDEL', m, field)
    meta[field] = nil
  else
    meta[field] = tostring(left)
  end
end
local prev = redis.call('HGET', cb, parcel)
if prev then
  local py, pc = string.match(prev, '^(%-?%d+):(%-?%d+)$')
  if meta['c' .. py] then add_sum('c' .. py, -tonumber(pc)) end
  redis.call('HDEL', cb, parcel)
end
local others = tonumber(meta['c' .. ARGV[5]] or '0')
if ARGV[4] == '1' then
  if redis.call('HLEN', cb) < max_cbec then redis.call('HSET', cb, parcel, ARGV[5] .. ':' .. ARGV[6]) end
  add_sum('c' .. ARGV[5], cents)
  if not meta.cy or year < tonumber(meta.cy) then
    redis.call('HSET', m, 'cy', ARGV[5])
    meta.cy = ARGV[5]
  end
  redis.call('PEXPIRE', cb, long_ttl)
end

-- Contributions older than last year are no longer needed: drop them once per year roll.
if meta.cy and tonumber(meta.cy) < year - 1 then
  local min_year = nil
  local stale = {}
  local entries = redis.call('HGETALL', cb)
  for i = 1, #entries, 2 do
    local y = tonumber(string.match(entries[i + 1], '^(%-?%d+):'))
    if y < year - 1 then
      stale[#stale + 1] = entries[i]
    elseif min_year == nil or y < min_year then
      min_year = y
    end
  end
  del_all('HDEL', cb, stale)
  local sums = {}
  for k, _ in pairs(meta) do
    if string.sub(k, 1, 1) == 'c' and k ~= 'cy' then
      local y = tonumber(string.sub(k, 2))
      if y < year - 1 then
        sums[#sums + 1] = k
      elseif min_year == nil or y < min_year then
        min_year = y
      end
    end
  end
  del_all('HDEL', m, sums)
  if min_year then redis.call('HSET', m, 'cy', int(min_year)) else redis.call('HDEL', m, 'cy') end
end

-- Violations are kept 400 days of event time behind the entity's newest parcel.
redis.call('ZREMRANGEBYSCORE', v, '-inf', '(' .. int(newest - keep_v))
local violations = {}
local vs = redis.call('ZRANGE', v, 0, -1, 'WITHSCORES')
for i = 2, #vs, 2 do violations[#violations + 1] = vs[i] end

local events = {}
local all = redis.call('HGETALL', ev)
for i = 1, #all, 2 do
  if all[i] ~= parcel then events[#events + 1] = all[i + 1] end
end

redis.call('PEXPIRE', ev, event_ttl)
redis.call('PEXPIRE', ts, event_ttl)
-- A listed entity's meta hash never expires (listed.lua made it persistent).
if #lists == 0 then redis.call('PEXPIRE', m, long_ttl) end

return {first_seen, others, lists, violations, table.concat(events, '|')}
