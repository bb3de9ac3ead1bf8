"""The Twilio SDK's HTTP client with the two things it lacks: a default timeout (without one a
request can block a worker forever) and a configurable API base URL, so the real SDK can talk to
a Twilio-compatible server (a test double, a regional proxy)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from twilio.http.http_client import TwilioHttpClient

DEFAULT_API_BASE = "https://api.twilio.com"


class ConfiguredHttpClient(TwilioHttpClient):  # type: ignore[misc]
    def __init__(self, api_base_url: str, connect_timeout: float, read_timeout: float) -> None:
        # The SDK's constructor compares the timeout with 0, which a (connect, read) pair
        # cannot do; requests accepts the pair, so it is set after construction.
        super().__init__(timeout=None)
        self.timeout: Any = (connect_timeout, read_timeout)
        self.base = urlsplit(api_base_url.rstrip("/"))

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        return super().request(method, self.rewrite(url), *args, **kwargs)

    def rewrite(self, url: str) -> str:
        parts = urlsplit(url)
        if urlunsplit(self.base) == DEFAULT_API_BASE or not parts.netloc.endswith("twilio.com"):
            return url
        path = self.base.path + parts.path
        return urlunsplit((self.base.scheme, self.base.netloc, path, parts.query, parts.fragment))
