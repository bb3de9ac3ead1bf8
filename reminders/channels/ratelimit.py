"""A token bucket in Redis shared by every worker: the provider accepts only so many messages
per second from one sender, and exceeding that costs 429s or a queue that delivers late."""

from __future__ import annotations

import redis

# KEYS: bucket hash. ARGV: rate per second, capacity, cost.
# Returns "0" when a token was taken, else the seconds until enough tokens exist (nothing taken).
# Redis's own clock, so workers on hosts with skewed clocks still share one rate.
_TAKE = """
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
"""


class TokenBucket:
    def __init__(self, client: redis.Redis, key: str, per_second: float) -> None:
        self.key = key
        self.rate = per_second
        # One second's worth of burst (at least one message), so an idle sender may start at once.
        self.capacity = max(1.0, per_second)
        self._take = client.register_script(_TAKE)

    def take(self, cost: float = 1.0) -> float:
        """Take ``cost`` tokens: 0.0 on success, else the seconds to wait (nothing was taken)."""
        return float(self._take(keys=[self.key], args=[self.rate, self.capacity, cost]))
