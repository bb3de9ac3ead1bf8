-- Claim what is due, and what a dead worker left behind (its lease ran out), with a lease.
-- KEYS: due zset
-- ARGV: now, batch size, lease until, token prefix, key prefix
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
    end
    if LEASED[r.s] then
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
