-- Claim what is due, and what a dead worker left behind (its lease ran out), with a lease.
-- KEYS: due zset, attention set
-- ARGV: now, batch size, lease until, token prefix, key prefix, claims without a send before
--       a person is told, event time ISO
local now = tonumber(ARGV[1])
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for i, rid in ipairs(ids) do
  local aid, f = split_id(rid)
  local akey = appointment_key(ARGV[5], aid)
  local raw = redis.call('HGET', akey, f)
  local r = raw and cjson.decode(raw)
  if r and CLAIMABLE[r.s] then
    -- sending: a worker died mid-send; unknown: a timeout after sending. Look before resending.
    if MAYBE_SENT[r.s] then
      r.chk = 1
      r.us = r.us or now
    end
    local why = nil
    if LEASED[r.s] then
      r.lost = (r.lost or 0) + 1
      if r.s == 'claimed' then
        -- Claimed, and no worker began the send before the lease ran out (a worker that cannot
        -- send, or none consuming): after a few times, or past the deadline, a person must know.
        r.nc = (r.nc or 0) + 1
        if r.nc >= tonumber(ARGV[6]) then
          why = 'claimed ' .. r.nc .. ' times and no worker began the send: are the workers running?'
        elseif now > r.dl then
          why = 'its deadline passed while no worker began the send'
        end
      end
    end
    if why then
      r.s, r.why, r.tok, r.lease, r.at = 'flagged', why, nil, nil, now
      redis.call('HSET', akey, f, cjson.encode(r))
      redis.call('ZREM', KEYS[1], rid)
      attend(KEYS[2], aid, r)
      redis.call('RPUSH', events_key(ARGV[5], aid), cjson.encode({at = ARGV[7], type = 'flagged',
                                                                  reminder = rid, why = why}))
    else
      r.s = 'claimed'
      r.tok = ARGV[4] .. ':' .. i
      r.lease = tonumber(ARGV[3])
      redis.call('HSET', akey, f, cjson.encode(r))
      redis.call('ZADD', KEYS[1], ARGV[3], rid)
      table.insert(out, rid)
      table.insert(out, r.tok)
    end
  else
    redis.call('ZREM', KEYS[1], rid)
  end
end
return out
