-- claim.lua: the decision remembered for a parcel; when there is none, mark the parcel as being decided.
-- KEYS: d (the parcel's decision key); ARGV: the pending mark ('?' and the body's digest), its life in ms.
-- A body sent again while the first is still deciding finds the mark and waits for the decision, where it
-- would have decided (and logged and counted) the parcel a second time. The decision replaces the mark.
local v = redis.call('GET', KEYS[1])
if v then return v end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false
