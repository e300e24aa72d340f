-- violation.lua: record a confirmed violation once per parcel; keep 400 days behind the newest.
-- KEYS: v (zset parcel -> at_ms); ARGV: parcel, at_ms, keep_ms, ttl_ms
local v = KEYS[1]
redis.call('ZADD', v, ARGV[2], ARGV[1])
local newest = tonumber(redis.call('ZRANGE', v, -1, -1, 'WITHSCORES')[2])
redis.call('ZREMRANGEBYSCORE', v, '-inf', '(' .. string.format('%d', newest - tonumber(ARGV[3])))
redis.call('PEXPIRE', v, ARGV[4])
return 1
