-- Staff clear a number wrongly marked unusable: forget the mark, and record who did it and why
-- in the staff audit and in the audit trail of every appointment of that number, in one step.
-- KEYS: unusable hash, staff audit list, the number's phone index set
-- ARGV: phone, audit entry JSON (with the phone), trail entry JSON (without it), key prefix
local was = redis.call('HGET', KEYS[1], ARGV[1])
if not was then
  return false
end
redis.call('HDEL', KEYS[1], ARGV[1])
local audit = cjson.decode(ARGV[2])
audit.was = cjson.decode(was)
local raw = cjson.encode(audit)
redis.call('RPUSH', KEYS[2], raw)
local trail = cjson.decode(ARGV[3])
trail.was = audit.was
local event = cjson.encode(trail)
for _, aid in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  redis.call('RPUSH', events_key(ARGV[4], aid), event)
end
return raw
