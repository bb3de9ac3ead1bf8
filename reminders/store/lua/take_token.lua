-- A token bucket shared by every worker: the provider accepts only so many messages per second
-- from one sender. Redis's own clock, so workers on hosts with skewed clocks share one rate.
-- KEYS: bucket hash. ARGV: rate per second, capacity, cost.
-- Returns "0" when the tokens were taken, else the seconds until enough exist (nothing taken).
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local rate, cap, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(b[1]) or cap
local last = tonumber(b[2]) or now
tokens = math.min(cap, tokens + math.max(0, now - last) * rate)
local wait = 0
-- A message dearer than the whole bucket (a long SMS at a low rate) may go when the bucket is
-- full and leaves a debt, so the average stays at the rate without starving long messages.
local need = math.min(cost, cap)
if tokens >= need then
  tokens = tokens - cost
else
  wait = (need - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(cap / rate * 1000) + 1000)
return tostring(wait)
