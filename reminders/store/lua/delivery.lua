-- Apply one provider status report: the delivery status only moves forward; a final carrier
-- failure may schedule one retry, fail, flag, or fall back to the email twin.
-- KEYS: appointment hash, due zset, events list, attention set
-- ARGV: field, reminder id, provider id, status, rank, error code, now, action
--       ("" | retry | failed | flag | fallback), retry at, why, fallback spec JSON (its ``fw``:
--       why when flagged), event JSON, appointment id
-- A callback for an earlier message of the reminder (before a carrier retry) is 'stale'.
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then
  return {'missing'}
end
local r = cjson.decode(raw)
local sid = ARGV[3]
if r.xp == sid or (r.pid and r.pid ~= sid) then
  return {'stale'}
end
if not r.pid and not r.chk and (r.att or 0) == 0 then
  return {'stale'}  -- never handed to the provider: not ours
end
local rank = tonumber(ARGV[5])
local cur = tonumber(r.dr or 0)
if rank == 0 or rank <= cur then
  return {'duplicate'}
end
r.dlv, r.dr = ARGV[4], rank
if ARGV[6] ~= '' then
  r.dcode = ARGV[6]
end
if not r.pid then
  -- The callback settles a send whose outcome was lost: it did go out. What the provider
  -- accepted is recorded as sent, whatever was recorded or happened to the appointment since.
  if not (MAYBE_SENT[r.s] or r.s == 'claimed') then
    r.why = 'the provider reports it was sent (recorded ' .. r.s .. ' before)'
  end
  r.pid, r.s, r.tok, r.lease, r.chk, r.us, r.at = sid, 'sent', nil, nil, nil, nil, tonumber(ARGV[7])
  redis.call('ZREM', KEYS[2], ARGV[2])
end
local action = ARGV[8]
if action == 'retry' then
  r.s, r.d, r.xp, r.pid, r.dlv, r.dr, r.cr = 'scheduled', tonumber(ARGV[9]), sid, nil, nil, nil, 1
  redis.call('ZADD', KEYS[2], ARGV[9], ARGV[2])
elseif action == 'failed' then
  r.s = 'failed'
elseif action == 'flag' then
  r.s = 'flagged'
end
local why = ARGV[10]
if action == 'fallback' then
  local spec = cjson.decode(ARGV[11])
  if fallback(KEYS[1], KEYS[2], spec) == 'none' then
    r.s, why = 'flagged', spec.fw or why
  else
    r.s, r.cov = 'failed', spec.id
  end
end
if action ~= '' then
  r.why, r.at = why, tonumber(ARGV[7])
end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(r))
attend(KEYS[4], ARGV[13], r)
local ev = cjson.decode(ARGV[12])
ev.state = r.s
redis.call('RPUSH', KEYS[3], cjson.encode(ev))
return {'ok', r.s}
