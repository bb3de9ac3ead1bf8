"""A token bucket in Redis shared by every worker (``lua/take_token.lua``): the provider
accepts only so many messages per second from one sender, and exceeding that costs 429s or a
queue that delivers late. Channels get it as ``channels.base.RateLimit``."""

from __future__ import annotations

import redis

from reminders.store.lua import source


class TokenBucket:
    def __init__(self, client: redis.Redis, key: str, per_second: float) -> None:
        self.key = key
        self.rate = per_second
        # One second's worth of burst (at least one message), so an idle sender may start at once.
        self.capacity = max(1.0, per_second)
        self._take = client.register_script(source("take_token"))

    def take(self, cost: float = 1.0) -> float:
        """Take ``cost`` tokens: 0.0 on success, else the seconds to wait (nothing was taken)."""
        return float(self._take(keys=[self.key], args=[self.rate, self.capacity, cost]))
