"""The Twilio SDK's HTTP client with what it lacks: a default timeout (without one a request can
block a worker forever), a configurable API base URL, so the real SDK can talk to a
Twilio-compatible server (a test double, a regional proxy), and a connection pool as large as
the sends a delivery batch has under way at once."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from requests.adapters import HTTPAdapter
from twilio.http.http_client import TwilioHttpClient

DEFAULT_API_BASE = "https://api.twilio.com"
_PROXIES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


def proxies_configured() -> bool:
    """Whether proxies are configured through the environment (requests reads them, and a CA
    bundle and a netrc file, on every request while ``trust_env`` is on)."""
    return any(os.environ.get(n) or os.environ.get(n.lower()) for n in _PROXIES)


def ca_bundle() -> str | bool:
    """The CA bundle requests would take from the environment, else its own (True)."""
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True


class ConfiguredHttpClient(TwilioHttpClient):  # type: ignore[misc]
    def __init__(
        self,
        api_base_url: str,
        connect_timeout: float,
        read_timeout: float,
        *,
        pool_size: int = 10,
        trust_env: bool | None = None,
    ) -> None:
        # The SDK's constructor compares the timeout with 0, which a (connect, read) pair
        # cannot do; requests accepts the pair, so it is set after construction.
        super().__init__(timeout=None)
        self.timeout: Any = (connect_timeout, read_timeout)
        self.base = urlsplit(api_base_url.rstrip("/"))
        # One pool per process, kept warm across sends, as large as the sends under way.
        adapter = HTTPAdapter(pool_connections=2, pool_maxsize=max(1, pool_size))
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        # Without proxies in the environment, requests would still look for them (and a CA
        # bundle, and a netrc file) on every request: a large part of a send's CPU. The CA
        # bundle is read once instead; a netrc file is never used (the SDK sends its own auth).
        self.session.trust_env = proxies_configured() if trust_env is None else trust_env
        if not self.session.trust_env:
            self.session.verify = ca_bundle()

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        return super().request(method, self.rewrite(url), *args, **kwargs)

    def rewrite(self, url: str) -> str:
        parts = urlsplit(url)
        if urlunsplit(self.base) == DEFAULT_API_BASE or not parts.netloc.endswith("twilio.com"):
            return url
        path = self.base.path + parts.path
        return urlunsplit((self.base.scheme, self.base.netloc, path, parts.query, parts.fragment))
