-- A waiting SMS reminder of a patient who opted out: replaced by its email twin and skipped,
-- else flagged for staff. Only reminders still waiting change; one being sent right now meets
-- the opt-out check in the worker instead.
-- KEYS: appointment hash, due zset, events list, attention set
-- ARGV: field, reminder id, now, why when flagged, why when email covers it,
--       fallback spec JSON ("" = none), event time ISO, appointment id
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then
  return {'missing'}
end
local r = cjson.decode(raw)
if r.s ~= 'scheduled' then
  return {'unchanged', r.s}
end
r.s, r.why = 'flagged', ARGV[4]
if ARGV[6] ~= '' then
  local spec = cjson.decode(ARGV[6])
  if fallback(KEYS[1], KEYS[2], spec) ~= 'none' then
    r.s, r.why, r.cov = 'skipped', ARGV[5], spec.id
  end
end
r.at = tonumber(ARGV[3])
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(r))
attend(KEYS[4], ARGV[8], r)
redis.call('RPUSH', KEYS[3], cjson.encode({at = ARGV[7], type = r.s, reminder = ARGV[2],
                                           why = r.why}))
return {'ok', r.s}
