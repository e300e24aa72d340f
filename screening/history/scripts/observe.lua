-- observe.lua: upsert one parcel into one entity's history; return the state without that parcel.
-- KEYS: h (hash: encoded parcel -> encoded event, and meta fields starting with '|': '|f' first seen,
--       '|y' oldest cbec year, '|c<year>' cbec sums, '|l:<list>' lists, '|t' dropped up to,
--       '|d<hour>' parcels of that pickup hour the cap let go),
--       cb (hash encoded parcel -> "year:cents"), v (zset parcel -> at_ms of a confirmed violation)
-- ARGV: field, event, cbec (0/1), year, cents, horizon_ms, max_events, long_ttl_ms, max_cbec,
--       violation_keep_ms, detail_ms, wide_ms (0, 0: every event whole; see Span in events.py)
-- An event value starts with 6 bytes: flags in the top 6 bits, at_ms in the other 42 (events.py).
-- '|f' is stored only while the earliest parcel ever observed is no longer among the events:
-- its 6 head bytes, then its field.
-- Returns {first_seen or '', cbec_cents_of_others, {list...}, {violation parcel, at_ms...}, {event record...},
-- dropped or '', older heads, older count, older cross-border count, {hour, count...}}: a record is
-- <field length><field><event>; dropped, the newest instant of a parcel the event cap let go ('|t'); events
-- at or before detail_ms behind this parcel come only as their 6 head bytes, counted where within wide_ms;
-- the last, the parcels the cap let go by pickup hour ('|d<hour>', hours since the epoch).
local h, cb, v = KEYS[1], KEYS[2], KEYS[3]
local field, event = ARGV[1], ARGV[2]
local year, cents = tonumber(ARGV[4]), tonumber(ARGV[5])
local horizon, max_events = tonumber(ARGV[6]), tonumber(ARGV[7])
local long_ttl = ARGV[8]
local max_cbec, keep_v = tonumber(ARGV[9]), tonumber(ARGV[10])
local detail, wide = tonumber(ARGV[11]), tonumber(ARGV[12])

local HOUR = 3600000

local function int(x)
  return string.format('%d', x)
end

local function at_of(s)
  local b1, b2, b3, b4, b5, b6 = string.byte(s, 1, 6)
  return ((b1 % 4) * 256 + b2) * 4294967296 + ((b3 * 256 + b4) * 256 + b5) * 256 + b6
end

local function beijing_year(ms)
  -- The calendar year of an instant in Beijing time (UTC+8), by the days-to-civil algorithm of
  -- H. Hinnant's chrono notes; events.py's beijing_year is the same for Python.
  local z = math.floor((ms + 28800000) / 86400000) + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local y = yoe + era * 400
  if mp >= 10 then y = y + 1 end
  return y
end

local function bytes_before(a, b)
  -- Byte by byte, as Python orders bytes (embedded.py): Lua's < follows the server's collation locale.
  for i = 1, math.min(#a, #b) do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end

local function del_all(command, key, members)
  -- unpack() is bounded by the Lua C stack, so delete in slices.
  for i = 1, #members, 500 do
    redis.call(command, key, unpack(members, i, math.min(i + 499, #members)))
  end
end

-- One pass over the hash (the entity's events may be a thousand, each parcel of a busy shop reads them all):
-- the events and meta fields, and the earliest and newest other parcels, found on the way.
local byte, sub = string.byte, string.sub
local meta, lists, vals, ats, order, n = {}, {}, {}, {}, {}, 0
local earliest_at, earliest, newest = nil, nil, nil
local raw = redis.call('HGETALL', h)
for i = 1, #raw, 2 do
  local k, value = raw[i], raw[i + 1]
  if byte(k, 1) == 124 then
    meta[k] = value
    if string.sub(k, 1, 3) == '|l:' then lists[#lists + 1] = string.sub(k, 4) end
  else
    local b1, b2, b3, b4, b5, b6 = byte(value, 1, 6)  -- at_of, inlined
    local a = ((b1 % 4) * 256 + b2) * 4294967296 + ((b3 * 256 + b4) * 256 + b5) * 256 + b6
    vals[k], ats[k] = value, a
    n = n + 1
    order[n] = k
    if k ~= field then
      if earliest_at == nil or a < earliest_at then earliest_at, earliest = a, k end
      if newest == nil or a > newest then newest = a end
    end
  end
end

-- The earliest parcel ever observed: '|f' if stored, else the earliest event. This parcel's held event
-- is left out: a corrected version replaces the earlier one, pickup time included (once trimming has let
-- the event go, its '|f' stays).
local first_at, first_p, first_head = nil, nil, nil
if meta['|f'] then
  first_at, first_p, first_head = at_of(meta['|f']), string.sub(meta['|f'], 7), string.sub(meta['|f'], 1, 6)
end
if earliest ~= nil and (first_at == nil or earliest_at < first_at) then
  first_at, first_p, first_head = earliest_at, earliest, string.sub(vals[earliest], 1, 6)
end

-- A parcel does not count for its own observation.
local first_seen = ''
if first_at and first_p ~= field then first_seen = int(first_at) end
local at = at_of(event)
if first_at == nil or at < first_at then first_at, first_p, first_head = at, field, string.sub(event, 1, 6) end

if vals[field] == nil then order[#order + 1] = field end
vals[field], ats[field] = event, at
redis.call('HSET', h, field, event)

-- Trim by event-time horizon behind the newest other event, or behind this parcel when it is older: a
-- backlog keeps the events of its own time until a parcel at the front comes; a pickup typed a month or a
-- year late trims nothing its correction will need. Then cap: domestic parcels go first, the oldest first, and
-- cross-border ones only when no domestic one is left (the cross-border rules count only those).
local reference = at
if newest ~= nil and newest < at then reference = newest end
local doomed, kept, edge = {}, {}, reference - horizon
for i = 1, #order do
  local k = order[i]
  if ats[k] < edge then doomed[#doomed + 1] = k else kept[#kept + 1] = k end
end
if #kept > max_events then
  local cross = {}
  for _, k in ipairs(kept) do cross[k] = math.floor(string.byte(vals[k], 1) / 4) % 2 end
  table.sort(kept, function(a, b)
    if cross[a] ~= cross[b] then return cross[a] < cross[b] end
    if ats[a] ~= ats[b] then return ats[a] < ats[b] end
    return bytes_before(a, b)
  end)
  local newer, cut, dropped = {}, #kept - max_events, nil
  for i = 1, #kept do
    local k = kept[i]
    if i <= cut then
      doomed[#doomed + 1] = k
      if dropped == nil or ats[k] > dropped then dropped = ats[k] end
    else
      newer[#newer + 1] = k
    end
  end
  -- '|t': parcels up to this instant may be missing, so a count over those days would be too low.
  if not meta['|t'] or dropped > tonumber(meta['|t']) then
    meta['|t'] = int(dropped)
    redis.call('HSET', h, '|t', meta['|t'])
  end
  -- '|d<hour>': how many parcels of that pickup hour the cap let go (embedded.py keeps the same counts).
  local per_hour = {}
  for i = 1, cut do
    local name = '|d' .. int(math.floor(ats[kept[i]] / HOUR))
    per_hour[name] = (per_hour[name] or 0) + 1
  end
  for name, n in pairs(per_hour) do meta[name] = int(redis.call('HINCRBY', h, name, n)) end
  kept = newer
end
-- Hour counts go with the horizon, as events do.
local behind, drops = math.floor((reference - horizon) / HOUR), {}
for name, n in pairs(meta) do
  if string.sub(name, 1, 2) == '|d' then
    local hour = tonumber(string.sub(name, 3))
    if hour < behind then redis.call('HDEL', h, name) else drops[#drops + 1] = {hour, tonumber(n)} end
  end
end
for _, k in ipairs(doomed) do vals[k] = nil end
del_all('HDEL', h, doomed)

-- Keep '|f' only while the earliest parcel is not one of the events.
if vals[first_p] ~= nil and ats[first_p] == first_at then
  if meta['|f'] then redis.call('HDEL', h, '|f') end
else
  local f = first_head .. first_p
  if f ~= meta['|f'] then redis.call('HSET', h, '|f', f) end
end

-- cbec: replace this parcel's contribution; the others' sum is read in between.
local function add_sum(name, delta)
  local left = redis.call('HINCRBY', h, name, delta)
  if left == 0 then
    redis.call('HDEL', h, name)
    meta[name] = nil
  else
    meta[name] = tostring(left)
  end
end
local prev = redis.call('HGET', cb, field)
if prev then
  local py, pc = string.match(prev, '^(%-?%d+):(%-?%d+)$')
  if meta['|c' .. py] then add_sum('|c' .. py, -tonumber(pc)) end
  redis.call('HDEL', cb, field)
end
local others = tonumber(meta['|c' .. ARGV[4]] or '0')
if ARGV[3] == '1' then
  if redis.call('HLEN', cb) < max_cbec then redis.call('HSET', cb, field, ARGV[4] .. ':' .. ARGV[5]) end
  add_sum('|c' .. ARGV[4], cents)
  if not meta['|y'] or year < tonumber(meta['|y']) then
    redis.call('HSET', h, '|y', ARGV[4])
    meta['|y'] = ARGV[4]
  end
  redis.call('PEXPIRE', cb, long_ttl)
end

-- Contributions (kept to replace a re-sent parcel's) older than last year go once per year roll; the
-- yearly sums stay, a field a year, so that a purchase scored long after its year still adds up with it.
local reference_year = beijing_year(reference)
if meta['|y'] and tonumber(meta['|y']) < reference_year - 1 then
  local min_year = nil
  local stale = {}
  local entries = redis.call('HGETALL', cb)
  for i = 1, #entries, 2 do
    local y = tonumber(string.match(entries[i + 1], '^(%-?%d+):'))
    if y < reference_year - 1 then
      stale[#stale + 1] = entries[i]
    elseif min_year == nil or y < min_year then
      min_year = y
    end
  end
  del_all('HDEL', cb, stale)
  if min_year then redis.call('HSET', h, '|y', int(min_year)) else redis.call('HDEL', h, '|y') end
end

-- Violations are kept 400 days of event time behind the reference above.
redis.call('ZREMRANGEBYSCORE', v, '-inf', '(' .. int(reference - keep_v))
local violations = redis.call('ZRANGEBYSCORE', v, int(at - keep_v), '+inf', 'WITHSCORES')

-- One reply element per whole event, so the client's parser splits them, not Python; older ones as
-- heads in one string, and counted here, so that Python does not decode what it only counts.
local events, older, old_n, old_cross = {}, {}, 0, 0
local given_from, detail_to, wide_from, char = at - horizon, at - detail, at - wide, string.char
for i = 1, #kept do
  local k = kept[i]
  local a = ats[k]
  -- What lies beyond the horizon behind this parcel is outside every window: kept, not given.
  if k ~= field and a >= given_from then
    if detail > 0 and a <= detail_to then
      local head = sub(vals[k], 1, 6)
      older[#older + 1] = head
      if a > wide_from then
        old_n = old_n + 1
        if math.floor(byte(head, 1) / 4) % 2 == 1 then old_cross = old_cross + 1 end
      end
    else
      events[#events + 1] = char(#k) .. k .. vals[k]
    end
  end
end

-- The hour counts within the horizon behind this parcel, oldest first, as {hour, count, hour, count...}.
table.sort(drops, function(a, b) return a[1] < b[1] end)
local dropped_hours, first_hour = {}, math.floor((at - horizon) / HOUR)
for _, d in ipairs(drops) do
  if d[1] >= first_hour then
    dropped_hours[#dropped_hours + 1] = d[1]
    dropped_hours[#dropped_hours + 1] = d[2]
  end
end

-- One key holds events, first seen and cbec sums: it lives as long as the longest of them, and
-- events older than the horizon go at the entity's next parcel. A listed entity never expires.
if #lists == 0 then redis.call('PEXPIRE', h, long_ttl) end

return {
  first_seen, others, lists, violations, events, meta['|t'] or '', table.concat(older), old_n, old_cross,
  dropped_hours,
}
