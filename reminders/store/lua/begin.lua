-- Take a claimed reminder into sending, re-checking the appointment's status and version and
-- the reminder's deadline right before the send.
-- KEYS: appointment hash, due zset, events list, attention set
-- ARGV: field, reminder id, token, now, lease until, reminder version, event time ISO,
--       look again at (a reminder waiting for an earlier send's outcome), appointment id
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then
  return {'gone', 'missing'}
end
local r = cjson.decode(raw)
if r.s ~= 'claimed' or r.tok ~= ARGV[3] then
  return {'gone', r.s}
end
local now = tonumber(ARGV[4])
r.nc = nil  -- a worker took the claim (claim.lua counts the claims nobody took)

local function settle(state, why)
  r.s, r.why, r.tok, r.lease, r.at = state, why, nil, nil, now
  redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(r))
  redis.call('ZREM', KEYS[2], ARGV[2])
  attend(KEYS[4], ARGV[9], r)
  redis.call('RPUSH', KEYS[3], cjson.encode({at = ARGV[7], type = state, reminder = ARGV[2],
                                             why = why}))
  return {state, why}
end

-- One read of what the checks need and the worker renders from (a batch begins many).
local appt = redis.call('HMGET', KEYS[1], 'st', 'v', 'doc')
local st, v = appt[1], appt[2]
local state, why = nil, nil
if st ~= 'booked' and r.m ~= 'cancellation' then
  state, why = 'cancelled', 'the appointment was cancelled'
elseif v ~= ARGV[6] then
  state, why = 'cancelled', 'superseded by version ' .. v
end
local late = now > r.dl

if r.chk then
  -- An earlier attempt may have reached the provider: the worker looks it up first, and what
  -- it finds is recorded whatever happened to the appointment since. Only if nothing went out
  -- does the reminder end as the checks say (returned for the worker to apply).
  if not state and late then
    state, why = 'skipped', 'its deadline passed before it could be sent'
  end
elseif state then
  return settle(state, why)
elseif r.hold then
  -- Planned while an earlier version's send of this slot was in flight: that outcome decides.
  local _, ef = split_id(r.hold)
  local eraw = redis.call('HGET', KEYS[1], ef)
  local e = eraw and cjson.decode(eraw)
  if e and e.s == 'sent' then
    return settle('skipped', 'already sent as ' .. r.hold)
  end
  if e and (MAYBE_SENT[e.s] or e.chk) then
    if not redis.call('ZSCORE', KEYS[2], r.hold) then
      -- nobody is looking any more (the lookup gave up and staff were told): so must they
      return settle('flagged', 'the outcome of ' .. r.hold .. ' is unknown: check it first')
    end
    -- still being sent or looked up: wait, without counting an attempt
    local waiting = 'waits for the outcome of ' .. r.hold
    local first = r.why ~= waiting
    r.s, r.why, r.tok, r.lease, r.d = 'scheduled', waiting, nil, nil, tonumber(ARGV[8])
    redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(r))
    redis.call('ZADD', KEYS[2], ARGV[8], ARGV[2])
    if first then
      redis.call('RPUSH', KEYS[3], cjson.encode({at = ARGV[7], type = 'waiting',
                                                 reminder = ARGV[2], why = waiting}))
    end
    return {'waiting', waiting}
  end
  if late then
    -- the earlier send did not go out and this one can no longer be useful: a person decides
    return settle('flagged', 'not sent: ' .. r.hold .. ' failed and the deadline has passed')
  end
  r.hold, r.why = nil, nil  -- the earlier send did not go out: this one must
elseif late then
  return settle('skipped', 'its deadline passed before it could be sent')
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
return {'ok', enc, appt[3], state or '', why or ''}
