-- Take a claimed reminder into sending, re-checking the appointment's status and version and
-- the reminder's deadline right before the send.
-- KEYS: appointment hash, due zset, events list
-- ARGV: field, reminder id, token, now, lease until, reminder version, event time ISO
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then
  return {'gone', 'missing'}
end
local r = cjson.decode(raw)
if r.s ~= 'claimed' or r.tok ~= ARGV[3] then
  return {'gone', r.s}
end
local st = redis.call('HGET', KEYS[1], 'st')
local v = redis.call('HGET', KEYS[1], 'v')
local why = nil
local state = nil
if st ~= 'booked' and r.m ~= 'cancellation' then
  state, why = 'cancelled', 'the appointment was cancelled'
elseif v ~= ARGV[6] then
  state, why = 'cancelled', 'superseded by version ' .. v
elseif tonumber(ARGV[4]) > r.dl and not r.chk then
  -- (with chk set the worker still looks the earlier send up, and records what it finds)
  state, why = 'skipped', 'its deadline passed before it could be sent'
end
if state then
  r.s, r.why, r.tok, r.lease, r.at = state, why, nil, nil, tonumber(ARGV[4])
  redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(r))
  redis.call('ZREM', KEYS[2], ARGV[2])
  redis.call('RPUSH', KEYS[3], cjson.encode({at = ARGV[7], type = state, reminder = ARGV[2],
                                             why = why}))
  return {state, why}
end
r.s = 'sending'
r.lease = tonumber(ARGV[5])
r.att = (r.att or 0) + 1
local enc = cjson.encode(r)
redis.call('HSET', KEYS[1], ARGV[1], enc)
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[2])
-- The timeline shows when each attempt began; the outcome's event says how it ended.
redis.call('RPUSH', KEYS[3], cjson.encode({at = ARGV[7], type = 'sending', reminder = ARGV[2],
                                           attempt = r.att}))
return {'ok', enc, redis.call('HGET', KEYS[1], 'doc')}
