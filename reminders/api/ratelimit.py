"""Rate limits, checked by the guard before a body is read (``limits``, moving windows kept in
the service's Redis under ``<REMINDERS_KEY_PREFIX>-ratelimit``, apart from the store's
``<prefix>:`` keys, and expiring with their windows).

- an API request with a known token counts against that token (``REMINDERS_RATE_TOKEN``);
- an API request without one (none, or a wrong one) counts against its client address
  (``REMINDERS_RATE_ADDRESS``), so guessing tokens from one address is soon stopped;
- a Twilio webhook counts against its client address (``REMINDERS_RATE_WEBHOOK``).

Over a limit: 429, ``Retry-After`` (seconds) and a JSON body naming the limit. The client address
is the connection's; ``X-Forwarded-For`` is believed only for ``REMINDERS_TRUSTED_PROXIES`` hops.
When Redis cannot be reached the request is let through (and logged): the routes then answer for
themselves."""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.storage import RedisStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.types import Scope

from reminders.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Exceeded:
    scope: str  # token | address | webhook
    limit: str  # as configured, e.g. "600/minute"
    retry_after: int  # seconds


class RateLimits:
    def __init__(self, settings: Settings) -> None:
        api = settings.api
        self._storage = RedisStorage(
            settings.redis_url, key_prefix=f"{settings.key_prefix}-ratelimit"
        )
        self._limiter = MovingWindowRateLimiter(self._storage)
        self._rates: dict[str, tuple[str, RateLimitItem]] = {
            "token": (api.rate_token, parse(api.rate_token)),
            "address": (api.rate_address, parse(api.rate_address)),
            "webhook": (api.rate_webhook, parse(api.rate_webhook)),
        }
        self._proxies = api.trusted_proxies

    def hit(self, kind: str, who: str) -> Exceeded | None:
        """Count one request of ``who`` against the ``kind`` limit: None within it."""
        text, item = self._rates[kind]
        try:
            if self._limiter.hit(item, kind, who):
                return None
            reset = self._limiter.get_window_stats(item, kind, who).reset_time
        except Exception:  # Redis away: let the request through, say so
            log.warning("rate limits: cannot reach Redis; request let through", exc_info=True)
            return None
        return Exceeded(kind, text, max(1, math.ceil(reset - time.time())))

    def address(self, scope: Scope, headers: dict[str, str]) -> str:
        return client_address(scope, headers, self._proxies)


def client_address(scope: Scope, headers: dict[str, str], trusted_proxies: int) -> str:
    """The client's address: the connection's, or ``X-Forwarded-For``'s for that many hops."""
    client = scope.get("client")
    peer = str(client[0]) if client else "unknown"
    if trusted_proxies <= 0:
        return peer
    hops = [h.strip() for h in headers.get("x-forwarded-for", "").split(",") if h.strip()]
    if not hops:
        return peer
    # The last trusted proxy appended the address it saw: count back that many hops.
    return hops[-min(trusted_proxies, len(hops))]


def token_key(header: str) -> str:
    """Who a token is in Redis: a digest, never the token."""
    return hashlib.sha256(header.partition(" ")[2].encode()).hexdigest()[:24]
