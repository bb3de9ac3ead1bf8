"""The Twilio SDK's asynchronous HTTP client (aiohttp, which the SDK itself depends on) with what
its own ``AsyncTwilioHttpClient`` lacks, as ``http.ConfiguredHttpClient`` gives the synchronous
one: connect and read timeouts and a bound on the whole request (its default is five minutes),
the configurable API base URL, proxies and CA bundle from the environment as requests reads them,
and a connection pool as large as the sends a batch has under way.

Why a batch sends through it: with a provider that answers at once, a send's CPU decides the
rate, and the SDK's create through aiohttp costs about half of the same create through requests
(whose pure-Python HTTP machinery and a thread per concurrent send, each taking the GIL in
turn, are most of it). One event loop per thread sends a batch's messages side by side.

A session belongs to the event loop it was made in, so there is one per loop (per thread: see
``delivery.batch``), made at the first request, and a forked worker never uses its parent's."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import ssl
import threading
from typing import Any
from urllib.parse import urlencode

import aiohttp
from requests.utils import DEFAULT_CA_BUNDLE_PATH
from twilio.http import AsyncHttpClient
from twilio.http.request import Request as TwilioRequest
from twilio.http.response import Response

from reminders.channels.twilio.http import ca_bundle, form_pairs, proxies_configured, rewrite


class ConfiguredAsyncHttpClient(AsyncHttpClient):  # type: ignore[misc]
    def __init__(
        self,
        api_base_url: str,
        connect_timeout: float,
        read_timeout: float,
        *,
        pool_size: int = 10,
        trust_env: bool | None = None,
    ) -> None:
        super().__init__(logging.getLogger("twilio.http_client"), is_async=True, timeout=None)
        self.api_base_url = api_base_url
        # The whole request is bounded by connect + read, the send budget the leases are sized
        # for (settings.send_budget); aiohttp's read timeout alone would restart at every chunk.
        self.client_timeout = aiohttp.ClientTimeout(
            total=connect_timeout + read_timeout,
            connect=connect_timeout,
            sock_read=read_timeout,
        )
        self.pool_size = max(1, pool_size)
        self.trust_env = proxies_configured() if trust_env is None else trust_env
        self._local = threading.local()

    def _session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        mine = getattr(self._local, "session", None)
        if mine is not None and mine[0] == (os.getpid(), loop) and not mine[1].closed:
            return mine[1]  # type: ignore[no-any-return]
        # requests' own bundle (certifi) unless the environment names one: as the sync client.
        bundle = ca_bundle()
        tls = ssl.create_default_context(
            cafile=DEFAULT_CA_BUNDLE_PATH if bundle is True else str(bundle)
        )
        session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self.pool_size, ssl=tls),
            timeout=self.client_timeout,
            trust_env=self.trust_env,  # HTTP(S)_PROXY, NO_PROXY and a netrc, as requests
        )
        self._local.session = ((os.getpid(), loop), session)
        return session

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        url = rewrite(self.api_base_url, url)
        kwargs: dict[str, Any] = {
            "method": method.upper(), "url": url, "params": params, "data": data,
            "headers": headers, "allow_redirects": allow_redirects,
        }  # fmt: skip
        self.log_request({**kwargs, "auth": auth})
        self._test_only_last_request = TwilioRequest(**{**kwargs, "auth": auth})
        self._test_only_last_response = None
        sent = dict(headers or {})
        if auth is not None:
            sent["Authorization"] = aiohttp.encode_basic_auth(auth[0], auth[1])
        # The body encoded as the synchronous client encodes it (a list under one key as
        # repeated pairs, None left out), so both send the same bytes.
        if sent.get("Content-Type") in ("application/json", "application/scim+json"):
            kwargs["data"] = json.dumps(data, allow_nan=False).encode()
        elif data:
            kwargs["data"] = urlencode(list(form_pairs(data))).encode()
            sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
        kwargs["headers"] = sent
        if timeout is not None:
            kwargs["timeout"] = aiohttp.ClientTimeout(total=timeout)
        async with self._session().request(**kwargs) as answer:
            # Twilio answers JSON; without a charset it is read as UTF-8 (as the sync client).
            text = await answer.text(encoding=answer.charset or "utf-8")
            self.log_response(answer.status, answer)
            self._test_only_last_response = Response(answer.status, text, answer.headers)
        return self._test_only_last_response

    async def close(self) -> None:
        """Close this thread's session (its connections), from within its loop."""
        mine = getattr(self._local, "session", None)
        self._local.session = None
        if mine is not None:
            await mine[1].close()

    def close_idle(self) -> None:
        """Close this thread's session from outside its loop (the loop not running): for a
        client dropped before its process ends, so no connection is left to the collector."""
        mine = getattr(self._local, "session", None)
        if mine is not None and mine[0][0] == os.getpid() and not mine[0][1].is_closed():
            mine[0][1].run_until_complete(self.close())
