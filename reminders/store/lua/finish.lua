-- Record the outcome of a send (and, for a failed SMS safety reminder, add its email twin).
-- KEYS: appointment hash, due zset, events list, attention set
-- ARGV: field, reminder id, token, outcome state, patch JSON (record.py short keys), now,
--       retry at ("" = none), event JSON, appointment id, email fallback spec JSON ("" = none),
--       why when flagged
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then
  return {'gone', 'missing'}
end
local r = cjson.decode(raw)
if r.s == 'sent' then
  return {'gone', 'sent'}
end
if (r.s ~= 'sending' or r.tok ~= ARGV[3]) and ARGV[4] ~= 'sent' then
  return {'gone', r.s}
end
local patch = cjson.decode(ARGV[5])
for k, val in pairs(patch) do
  r[k] = val
end
r.s = ARGV[4]
r.tok = nil
r.lease = nil
r.at = tonumber(ARGV[6])
if patch.chk then
  r.us = r.us or r.at  -- when the outcome was lost: the lookups give up a bounded time later
else
  r.chk, r.us = nil, nil  -- the outcome is known now
end
local flagged = false
if ARGV[10] ~= '' then
  local spec = cjson.decode(ARGV[10])
  if fallback(KEYS[1], KEYS[2], spec) == 'none' then
    r.s, r.why, flagged = 'flagged', ARGV[11], true
  else
    r.cov = spec.id
  end
end
if ARGV[7] ~= '' then
  r.d = tonumber(ARGV[7])
  redis.call('ZADD', KEYS[2], ARGV[7], ARGV[2])
else
  redis.call('ZREM', KEYS[2], ARGV[2])
end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(r))
attend(KEYS[4], ARGV[9], r)
redis.call('RPUSH', KEYS[3], ARGV[8])
if flagged then
  redis.call('RPUSH', KEYS[3], cjson.encode({at = cjson.decode(ARGV[8]).at, type = 'flagged',
                                             reminder = ARGV[2], why = ARGV[11]}))
end
return {'ok', r.s}
