-- forget.lua: remove one parcel's event and cbec contribution from one entity.
-- KEYS: ev, ts, m, cb (as in observe.lua); ARGV: parcel
local ev, ts, m, cb = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local parcel = ARGV[1]
redis.call('HDEL', ev, parcel)
redis.call('ZREM', ts, parcel)
local prev = redis.call('HGET', cb, parcel)
if prev then
  local py, pc = string.match(prev, '^(%-?%d+):(%-?%d+)$')
  local field = 'c' .. py
  if redis.call('HEXISTS', m, field) == 1 then
    if redis.call('HINCRBY', m, field, -tonumber(pc)) == 0 then redis.call('HDEL', m, field) end
  end
  redis.call('HDEL', cb, parcel)
end
return 1
