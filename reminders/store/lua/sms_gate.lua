-- The last step before an SMS goes to the provider, in one atomic call: an opt-out or an
-- unusable mark that lands meanwhile cannot slip between the check and the send, and a wait
-- for the rate limit takes and notes nothing.
--   1. the number is opted out (on record, or kept only as a fingerprint) or unusable: refuse;
--   2. the sender's shared token bucket lacks the message's segments: say how long to wait;
--   3. else take them and note the attempt (the send log's memo, for a lookup should the
--      provider's answer be lost).
-- The bucket runs on Redis's own clock, so workers on hosts with skewed clocks share one rate.
-- KEYS: opt-out hash, opt-out fingerprints hash, unusable hash, bucket hash, attempt memo
-- ARGV: number, rate per second, capacity, cost, memo, memo TTL seconds, fingerprints...
-- Returns {'optout'} | {'unusable', mark JSON} | {'wait', seconds} | {'ok'}
local number = ARGV[1]
if redis.call('HEXISTS', KEYS[1], number) == 1 then
  return {'optout'}
end
for i = 7, #ARGV do
  if redis.call('HEXISTS', KEYS[2], ARGV[i]) == 1 then
    return {'optout'}
  end
end
local mark = redis.call('HGET', KEYS[3], number)
if mark then
  return {'unusable', mark}
end

local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local rate, cap, cost = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local b = redis.call('HMGET', KEYS[4], 'tokens', 'ts')
local tokens = tonumber(b[1]) or cap
local last = tonumber(b[2]) or now
tokens = math.min(cap, tokens + math.max(0, now - last) * rate)
-- A message dearer than the whole bucket (a long SMS at a low rate) may go when the bucket is
-- full and leaves a debt, so the average stays at the rate without starving long messages.
local need = math.min(cost, cap)
if tokens < need then
  -- The refill so far is kept either way; only a granted message spends.
  redis.call('HSET', KEYS[4], 'tokens', tostring(tokens), 'ts', tostring(now))
  redis.call('PEXPIRE', KEYS[4], math.ceil(cap / rate * 1000) + 1000)
  return {'wait', tostring((need - tokens) / rate)}
end
redis.call('HSET', KEYS[4], 'tokens', tostring(tokens - cost), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[4], math.ceil(cap / rate * 1000) + 1000)
redis.call('SET', KEYS[5], ARGV[5], 'EX', tonumber(ARGV[6]))
return {'ok'}
