-- remember.lua: a decision written late (remember_soon), unless the parcel moved on to another body meanwhile.
-- KEYS: d (the parcel's decision key); ARGV: the value ('digest|decision json'), its life in ms, the digest.
-- Written when the key is gone, holds this body's pending mark, or this body's decision; a mark or decision
-- of another body is newer (a correction decided while this write waited through an outage) and stays.
local v = redis.call('GET', KEYS[1])
if v and v ~= '?' .. ARGV[3] and string.sub(v, 1, #ARGV[3] + 1) ~= ARGV[3] .. '|' then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
