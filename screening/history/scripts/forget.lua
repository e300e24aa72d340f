-- forget.lua: remove one parcel's event and cbec contribution from one entity.
-- KEYS: h, cb (as in observe.lua); ARGV: field (encoded parcel)
local h, cb = KEYS[1], KEYS[2]
local field = ARGV[1]

-- Its first-seen time goes with it: the next observe reads first seen from the events left.
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
