"""Lua scripts: each is one atomic state transition that two processes could race on.

An appointment and all its reminders live in one hash (``<prefix>:a:<id>``); each reminder is a
field ``r:<version>:<rule>:<medicine>:<channel>`` holding compact JSON. The due index
``<prefix>:due`` holds scheduled reminders by due time and claimed or sending ones by the end of
their lease, so one range query finds both what is due and what a dead worker left behind.

Side indexes kept by the same scripts: ``<prefix>:phone:<e164>`` (appointment ids by patient
phone, for inbound SMS) and ``<prefix>:attention`` (appointment ids with a reminder that is
failed, flagged or unknown, for the staff's list).
"""

from __future__ import annotations

# Shared Lua functions, prepended to the scripts that change a reminder's state.
# attend: put the appointment on the staff's attention list when the reminder needs a person.
# fallback: make sure the email twin of a failed SMS reminder exists and is pending or done;
#   spec = {f = field, id = reminder id, rec = record JSON}; returns covered | added | none.
HELPERS = """
local function attend(key, aid, r)
  if r.s == 'flagged' or r.s == 'unknown' or (r.s == 'failed' and not r.cov) then
    redis.call('SADD', key, aid)
  end
end
local function fallback(akey, due, spec)
  local raw = redis.call('HGET', akey, spec.f)
  if raw then
    local e = cjson.decode(raw)
    if e.s == 'scheduled' or e.s == 'claimed' or e.s == 'sending' or e.s == 'sent'
       or e.s == 'unknown' then
      return 'covered'
    end
    return 'none'
  end
  redis.call('HSET', akey, spec.f, spec.rec)
  redis.call('ZADD', due, cjson.decode(spec.rec).d, spec.id)
  return 'added'
end
"""

# KEYS: appointment hash, due zset, events list, attention set
# ARGV: appointment id, expected version ("" = any), new version, status, doc JSON,
#       new reminders JSON [[field, record-json], ...], event JSON, why superseded, key prefix
REPLACE = """
local cur = redis.call('HGET', KEYS[1], 'v')
if ARGV[2] ~= '' and (cur or '') ~= ARGV[2] then
  return {'conflict', cur or ''}
end
local old_doc = redis.call('HGET', KEYS[1], 'doc')
if old_doc then
  local old_phone = cjson.decode(old_doc).patient.phone
  if type(old_phone) == 'string' then
    redis.call('SREM', ARGV[9] .. ':phone:' .. old_phone, ARGV[1])
  end
end
local new_phone = cjson.decode(ARGV[5]).patient.phone
if type(new_phone) == 'string' then
  redis.call('SADD', ARGV[9] .. ':phone:' .. new_phone, ARGV[1])
end
local new_version = ARGV[3]
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local f = all[i]
  if string.sub(f, 1, 2) == 'r:' then
    local r = cjson.decode(all[i + 1])
    local v = string.match(f, '^r:(%d+):')
    if v ~= new_version and (r.s == 'scheduled' or r.s == 'claimed' or r.s == 'flagged') then
      r.s = 'cancelled'
      r.why = ARGV[8]
      r.tok = nil
      r.lease = nil
      redis.call('HSET', KEYS[1], f, cjson.encode(r))
      redis.call('ZREM', KEYS[2], ARGV[1] .. ':' .. string.sub(f, 3))
    end
  end
end
local added = 0
for _, item in ipairs(cjson.decode(ARGV[6])) do
  local f, raw = item[1], item[2]
  if redis.call('HSETNX', KEYS[1], f, raw) == 1 then
    added = added + 1
    local r = cjson.decode(raw)
    if r.s == 'scheduled' then
      redis.call('ZADD', KEYS[2], r.d, ARGV[1] .. ':' .. string.sub(f, 3))
    elseif r.s == 'flagged' then
      redis.call('SADD', KEYS[4], ARGV[1])
    end
  end
end
redis.call('HSET', KEYS[1], 'v', new_version, 'st', ARGV[4], 'doc', ARGV[5])
redis.call('RPUSH', KEYS[3], ARGV[7])
return {'ok', tostring(added)}
"""

# KEYS: due zset
# ARGV: now, batch size, lease until, token prefix, key prefix
CLAIM = """
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for i, rid in ipairs(ids) do
  local sep = string.find(rid, ':', 1, true)
  local akey = ARGV[5] .. ':a:' .. string.sub(rid, 1, sep - 1)
  local f = 'r:' .. string.sub(rid, sep + 1)
  local raw = redis.call('HGET', akey, f)
  local r = raw and cjson.decode(raw)
  if r and (r.s == 'scheduled' or r.s == 'claimed' or r.s == 'sending' or r.s == 'unknown') then
    -- sending: a worker died mid-send; unknown: a timeout after sending. Look before resending.
    if r.s == 'sending' or r.s == 'unknown' then
      r.chk = 1
    end
    if r.s == 'claimed' or r.s == 'sending' then
      r.lost = (r.lost or 0) + 1
    end
    r.s = 'claimed'
    r.tok = ARGV[4] .. ':' .. i
    r.lease = tonumber(ARGV[3])
    redis.call('HSET', akey, f, cjson.encode(r))
    redis.call('ZADD', KEYS[1], ARGV[3], rid)
    table.insert(out, rid)
    table.insert(out, r.tok)
  else
    redis.call('ZREM', KEYS[1], rid)
  end
end
return out
"""

# KEYS: appointment hash, due zset, events list
# ARGV: field, reminder id, token, now, lease until, reminder version, event time ISO
BEGIN = """
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
return {'ok', enc, redis.call('HGET', KEYS[1], 'doc')}
"""

# KEYS: appointment hash, due zset, events list, attention set
# ARGV: field, reminder id, token, outcome state, patch JSON, now, retry at ("" = none),
#       event JSON, appointment id, email fallback spec JSON ("" = none), why when flagged
FINISH = (
    HELPERS
    + """
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
for k, val in pairs(cjson.decode(ARGV[5])) do
  r[k] = val
end
r.s = ARGV[4]
r.tok = nil
r.lease = nil
r.at = tonumber(ARGV[6])
if r.s ~= 'unknown' then
  r.chk = nil  -- the outcome is known now
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
"""
)
