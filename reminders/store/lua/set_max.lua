-- Raise a hash field to a value, never lower it (the most seen in an hour): atomic, so two
-- workers recording at once cannot lose the larger one.
-- KEYS: the hash. ARGV: field, value.
local seen = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '-1')
if tonumber(ARGV[2]) > seen then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
return 0
