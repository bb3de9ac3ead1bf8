"""The Twilio SDK's HTTP client with what it lacks: a default timeout (without one a request can
block a worker forever), a configurable API base URL, so the real SDK can talk to a
Twilio-compatible server (a test double, a regional proxy), and a connection pool as large as
the sends a delivery batch has under way at once."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from requests import PreparedRequest
from requests.adapters import HTTPAdapter
from requests.sessions import merge_setting
from requests.structures import CaseInsensitiveDict
from twilio.http.http_client import TwilioHttpClient
from twilio.http.request import Request as TwilioRequest
from twilio.http.response import Response

DEFAULT_API_BASE = "https://api.twilio.com"
_PROXIES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


def form_pairs(data: dict[str, object]) -> Iterator[tuple[str, object]]:
    """requests' form pairs: a list's items one by one under its key, None left out."""
    for key, value in data.items():
        for item in value if isinstance(value, (list, tuple)) else (value,):
            if item is not None:
                yield key, item


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
        self.adapter = HTTPAdapter(pool_connections=2, pool_maxsize=max(1, pool_size))
        self.session.mount("https://", self.adapter)
        self.session.mount("http://", self.adapter)
        # Without proxies in the environment, requests would still look for them (and a CA
        # bundle, and a netrc file) on every request: a large part of a send's CPU. The CA
        # bundle is read once instead; a netrc file is never used (the SDK sends its own auth).
        self.session.trust_env = proxies_configured() if trust_env is None else trust_env
        if not self.session.trust_env:
            self.session.verify = ca_bundle()

    def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: Any = None,
        allow_redirects: bool = False,
    ) -> Response:
        url = self.rewrite(url)
        if self.session.trust_env or allow_redirects:
            # Proxies, a netrc, redirects: the session's whole machinery, as the SDK does it.
            return super().request(
                method, url, params, data, headers, auth, timeout, allow_redirects
            )
        return self._direct(method, url, params, data, headers, auth, timeout)

    def _direct(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None,
        data: dict[str, object] | None,
        headers: dict[str, str] | None,
        auth: tuple[str, str] | None,
        timeout: Any,
    ) -> Response:
        """What ``TwilioHttpClient.request`` does, straight to the connection pool: without
        proxies there is nothing in the session's settings, cookies, hooks or redirects for
        the API's answers, and skipping them is about a quarter of a send's CPU. Errors are
        requests' own (the adapter raises them), so ``errors.classify`` reads them as ever."""
        as_json = (headers or {}).get("Content-Type") in (
            "application/json",
            "application/scim+json",
        )
        verb = method.upper()
        body = None if as_json else data
        as_body: Any = data if as_json else None
        kwargs: dict[str, Any] = {
            "method": verb, "url": url, "params": params, "headers": headers,
            "auth": auth, "data": body, "json": as_body,
        }  # fmt: skip
        self.log_request(kwargs)
        self._test_only_last_response = None
        self._test_only_last_request = TwilioRequest(**kwargs)
        prepped = PreparedRequest()
        prepped.prepare_method(verb)
        prepped.prepare_url(url, dict(params or {}))  # type: ignore[arg-type]
        prepped.prepare_headers(
            merge_setting(headers, self.session.headers, dict_class=CaseInsensitiveDict)
        )
        # The body encoded here, not by prepare_body: the same form encoding, without its
        # generic type checks (a tenth of a send's CPU); there are no cookies to prepare.
        if as_json:
            prepped.body = json.dumps(as_body, allow_nan=False).encode()
            prepped.headers.setdefault("Content-Type", "application/json")
        elif data:
            prepped.body = urlencode(list(form_pairs(data)))
            prepped.headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        prepped.prepare_content_length(prepped.body)
        prepped.prepare_auth(auth)
        prepped.prepare_hooks({})
        answer = self.adapter.send(
            prepped,
            timeout=self.timeout if timeout is None else timeout,
            verify=self.session.verify,
            proxies={},
        )
        # Twilio answers JSON; without a charset requests would guess the text's encoding.
        answer.encoding = answer.encoding or "utf-8"
        self.log_response(answer.status_code, answer)
        self._test_only_last_response = Response(
            int(answer.status_code), answer.text, answer.headers
        )
        return self._test_only_last_response

    def rewrite(self, url: str) -> str:
        return rewrite(urlunsplit(self.base), url)


def rewrite(api_base_url: str, url: str) -> str:
    """The SDK's Twilio URL sent to the configured API base instead (a test double, a proxy)."""
    base, parts = urlsplit(api_base_url.rstrip("/")), urlsplit(url)
    if urlunsplit(base) == DEFAULT_API_BASE or not parts.netloc.endswith("twilio.com"):
        return url
    path = base.path + parts.path
    return urlunsplit((base.scheme, base.netloc, path, parts.query, parts.fragment))
