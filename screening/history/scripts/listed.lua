-- listed.lua: put an entity on a list or take it off; a listed entity's hash never expires.
-- KEYS: h; ARGV: list name, 1 (on) or 0 (off), ttl_ms
local h = KEYS[1]
local field = '|l:' .. ARGV[1]
if ARGV[2] == '1' then redis.call('HSET', h, field, '1') else redis.call('HDEL', h, field) end
for _, k in ipairs(redis.call('HKEYS', h)) do
  if string.sub(k, 1, 3) == '|l:' then
    redis.call('PERSIST', h)
    return 1
  end
end
redis.call('PEXPIRE', h, ARGV[3])
return 1
