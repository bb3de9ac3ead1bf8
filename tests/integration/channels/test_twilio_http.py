"""The SDK's requests as they leave our HTTP clients: straight to the connection pool (no
proxies configured) they are byte for byte what the SDK's own path through a requests session
sends, so the shortcut changes nothing a server sees; and the asynchronous client (aiohttp, what
a batch sends through) sends the same request line, body and the SDK's headers."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
from twilio.rest import Client

from reminders.channels.twilio.async_http import ConfiguredAsyncHttpClient
from reminders.channels.twilio.http import ConfiguredHttpClient

SID = "AC" + "0" * 32


class Capture(BaseHTTPRequestHandler):
    seen: ClassVar[list[tuple[str, str, dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.seen.append((self.command, self.path, dict(self.headers.items()), body))
        answer = b'{"sid": "SM1", "status": "queued"}'
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    Capture.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Capture)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


MESSAGE: dict[str, Any] = {
    "to": "+4915112345678",
    "messaging_service_sid": "MG" + "1" * 32,
    "body": "Grüße: Ihr Termin ist am 3. März um 09:00 & danach 24 h nicht fahren.",
    "media_url": ["https://example.org/a.png", "https://example.org/b?x=1&y=2"],
    "smart_encoded": True,
    "validity_period": 3600,
}


def test_the_direct_path_sends_what_the_sdks_session_path_sends(
    server: ThreadingHTTPServer,
) -> None:
    url = f"http://127.0.0.1:{server.server_address[1]}"
    for trust_env in (True, False):  # True: the SDK's own path through the session
        http = ConfiguredHttpClient(url, 2, 5, trust_env=trust_env)
        created = Client(SID, "token", http_client=http).messages.create(**MESSAGE)
        assert created.sid == "SM1"
    (m1, path1, headers1, body1), (m2, path2, headers2, body2) = Capture.seen
    assert (m1, path1, body1) == (m2, path2, body2)
    assert path1 == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert b"MediaUrl=https%3A%2F%2Fexample.org%2Fa.png&MediaUrl=" in body1
    assert headers1 == headers2
    assert headers1["Content-Type"] == "application/x-www-form-urlencoded"
    assert headers1["Authorization"].startswith("Basic ")


def test_the_async_client_sends_the_same_request_and_the_sdks_headers(
    server: ThreadingHTTPServer,
) -> None:
    # The SDK's URL is api.twilio.com: both clients send it to the configured base instead.
    url = f"http://127.0.0.1:{server.server_address[1]}"
    sync = Client(SID, "token", http_client=ConfiguredHttpClient(url, 2, 5, trust_env=False))
    assert sync.messages.create(**MESSAGE).sid == "SM1"
    http = ConfiguredAsyncHttpClient(url, 2, 5, trust_env=False)

    async def create() -> str:
        try:
            created = await Client(SID, "token", http_client=http).messages.create_async(**MESSAGE)
            return str(created.sid)
        finally:
            await http.close()

    assert asyncio.run(create()) == "SM1"
    (m1, path1, headers1, body1), (m2, path2, headers2, body2) = Capture.seen
    assert (m2, path2, body2) == (m1, path1, body1)
    sdk = ("User-Agent", "Accept", "Accept-Charset", "Authorization", "Content-Type")
    assert {h: headers2.get(h) for h in sdk} == {h: headers1.get(h) for h in sdk}
    assert headers2["Content-Length"] == str(len(body1))
