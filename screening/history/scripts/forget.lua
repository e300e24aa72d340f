-- forget.lua: remove one parcel's event and cbec contribution from one entity.
-- KEYS: h, cb (as in observe.lua); ARGV: field (encoded parcel)
local h, cb = KEYS[1], KEYS[2]
local field = ARGV[1]

local function at_of(s)
  local b1, b2, b3, b4, b5, b6 = string.byte(s, 1, 6)
  return ((b1 % 4) * 256 + b2) * 4294967296 + ((b3 * 256 + b4) * 256 + b5) * 256 + b6
end

local gone = redis.call('HGET', h, field)
if gone and redis.call('HEXISTS', h, '|f') == 0 then
  -- First seen outlives the event: keep it in '|f' if this was the earliest parcel.
  local at, earliest = at_of(gone), true
  local raw = redis.call('HGETALL', h)
  for i = 1, #raw, 2 do
    if string.byte(raw[i], 1) ~= 124 and raw[i] ~= field and at_of(raw[i + 1]) < at then earliest = false end
  end
  if earliest then redis.call('HSET', h, '|f', string.sub(gone, 1, 6) .. field) end
end
redis.call('HDEL', h, field)
local prev = redis.call('HGET', cb, field)
if prev then
  local py, pc = string.match(prev, '^(%-?%d+):(%-?%d+)$')
  local name = '|c' .. py
  if redis.call('HEXISTS', h, name) == 1 then
    if redis.call('HINCRBY', h, name, -tonumber(pc)) == 0 then redis.call('HDEL', h, name) end
  end
  redis.call('HDEL', cb, field)
end
return 1
