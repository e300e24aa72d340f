-- listed.lua: put an entity on a list or take it off; a listed entity's meta hash never expires.
-- KEYS: m; ARGV: list name, 1 (on) or 0 (off), ttl_ms
local m = KEYS[1]
local field = 'l:' .. ARGV[1]
if ARGV[2] == '1' then redis.call('HSET', m, field, '1') else redis.call('HDEL', m, field) end
for _, k in ipairs(redis.call('HKEYS', m)) do
  if string.sub(k, 1, 2) == 'l:' then
    redis.call('PERSIST', m)
    return 1
  end
end
redis.call('PEXPIRE', m, ARGV[3])
return 1
