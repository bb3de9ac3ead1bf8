"""The shared token bucket every SMS sender takes from, in real Redis."""

from __future__ import annotations

import redis

from reminders.store.ratelimit import TokenBucket


def test_the_token_bucket_is_shared_by_every_worker(client: redis.Redis, prefix: str) -> None:
    a = TokenBucket(client, f"{prefix}:rate:x", 2)
    b = TokenBucket(redis.Redis(connection_pool=client.connection_pool), f"{prefix}:rate:x", 2)
    assert [a.take(), b.take()] == [0.0, 0.0]
    wait = a.take()
    assert 0 < wait <= 0.5
    assert b.take() > 0


def test_the_rate_counts_segments_and_a_long_message_leaves_a_debt(
    client: redis.Redis, prefix: str
) -> None:
    bucket = TokenBucket(client, f"{prefix}:rate:seg", 1)
    assert bucket.take(3) == 0.0  # a 3-segment SMS goes at once from a full bucket ...
    wait = bucket.take(1)
    assert 2.5 < wait <= 3.0  # ... and the next must wait until the 3 segments are paid back
