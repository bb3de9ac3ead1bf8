"""A Twilio-compatible Messages API on 127.0.0.1, so tests run the real SDK over real HTTP.

It records every create, answers list/fetch like the API, can be told to fail the next creates
(429, 500, 21211, 21610, 21614, or time out after accepting), can take ``latency`` seconds to
answer each create as a real provider does (100-300 ms; each request has its own thread, so
concurrent creates overlap), and posts signed status callbacks to the URL a message was created
with, through a ``post`` function the test provides."""

from __future__ import annotations

import json
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from twilio.request_validator import RequestValidator
from twilio.rest import Client

from reminders.channels.twilio.async_http import ConfiguredAsyncHttpClient
from reminders.channels.twilio.http import ConfiguredHttpClient
from reminders.channels.twilio.transport import TwilioSms
from reminders.delivery import DeliveryConfig, deliver, dispatch_tick
from reminders.store import Store

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-auth-token-1234567890abcdef"
_LIST = re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Messages\.json$")
_ONE = re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Messages/(SM\w+)\.json$")
ERRORS = {
    "429": (429, 20429, "Too Many Requests"),
    "500": (500, 20500, "Internal Server Error"),
    "21211": (400, 21211, "The 'To' number is not a valid phone number."),
    "21610": (400, 21610, "Attempt to send to unsubscribed recipient"),
    "21614": (400, 21614, "'To' number is not a valid mobile number"),
}

Poster = Callable[[str, dict[str, str], dict[str, str]], Any]


class _Server(ThreadingHTTPServer):
    # Twilio takes as many connections as a client opens. socketserver's listen backlog of 5
    # would drop connections when a few worker processes' pools open theirs at once, and
    # those sends would fail as lost after sending.
    request_queue_size = 256
    daemon_threads = True


@dataclass
class FakeTwilio:
    auth_token: str = AUTH_TOKEN
    post: Poster | None = None
    timeout_delay: float = 2.0
    creates: list[dict[str, str]] = field(default_factory=list)
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    faults: list[str] = field(default_factory=list)
    # Faults for every create to a number (concurrent sends make "the next create" ambiguous).
    faults_to: dict[str, str] = field(default_factory=dict)
    lists: int = 0
    base_url: str = ""  # set instead of start() to point clients at a closed port
    latency: float = 0.0  # seconds before each create is answered
    # Called with each create's form before it is answered (a test's hook into "mid-batch").
    on_create: Callable[[dict[str, str]], None] | None = None
    async_clients: list[ConfiguredAsyncHttpClient] = field(default_factory=list)
    # Creates being answered at once, and the most there ever were (sends side by side).
    in_flight: int = 0
    most_at_once: int = 0

    def start(self) -> FakeTwilio:
        fake = self
        self._release = threading.Event()

        self._lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            # Keep-alive, as Twilio: a client's connection pool reuses its connections. Without
            # Nagle's algorithm, or each answer's body would wait for the client's delayed ACK
            # of its headers (40 ms) on a kept-alive connection.
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                fake._create(self)

            def do_GET(self) -> None:
                fake._read(self)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = _Server(("127.0.0.1", 0), Handler)
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    @property
    def url(self) -> str:
        return self.base_url or f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        for http in self.async_clients:
            http.close_idle()
        self._release.set()
        self.server.shutdown()
        self.server.server_close()

    def fail_next(self, *kinds: str) -> None:
        """Queue faults for the next creates: a key of ERRORS, or "timeout" (accept and record
        the message, then answer only after the client's read timeout)."""
        self.faults.extend(kinds)

    def callback(self, sid: str, status: str, error_code: str | None = None) -> Any:
        """Post a signed status callback for ``sid`` as Twilio would; returns the response."""
        msg = self.messages[sid]
        params = {
            "AccountSid": ACCOUNT_SID,
            "MessageSid": sid,
            "SmsSid": sid,
            "MessageStatus": status,
            "SmsStatus": status,
            "To": msg["to"],
            "From": msg["from"] or "",
            "ApiVersion": "2010-04-01",
        }
        if error_code:
            params["ErrorCode"] = error_code
        return self.signed_post(msg["status_callback"], params)

    def signed_post(self, url: str, params: dict[str, str]) -> Any:
        assert self.post is not None, "give FakeTwilio a post function to deliver webhooks"
        signature = RequestValidator(self.auth_token).compute_signature(url, params)
        return self.post(url, params, {"X-Twilio-Signature": signature})

    # --- the API ------------------------------------------------------------------------------

    def _create(self, h: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.in_flight += 1
            self.most_at_once = max(self.most_at_once, self.in_flight)
        try:
            self._answer_create(h)
        finally:
            with self._lock:
                self.in_flight -= 1

    def _answer_create(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length", 0))
        body = h.rfile.read(length).decode()  # all of it: the connection is kept alive
        if not _LIST.match(urlsplit(h.path).path):
            return _answer(h, 404, {"code": 20404, "message": "not found", "status": 404})
        form = {k: v[0] for k, v in parse_qs(body).items()}
        with self._lock:
            self.creates.append(form)
            fault = self.faults.pop(0) if self.faults else self.faults_to.get(form.get("To", ""))
        if self.on_create is not None:
            self.on_create(form)
        if self.latency:
            # A provider's own latency, in this request's thread (others go on meanwhile);
            # a stop answers every waiting request at once.
            self._release.wait(self.latency)
        if fault in ERRORS:
            status, code, text = ERRORS[fault]
            return _answer(h, status, {"code": code, "message": text, "status": status})
        sid = "SM" + secrets.token_hex(16)
        now = datetime.now(UTC)
        msg = {
            "sid": sid,
            "account_sid": ACCOUNT_SID,
            "to": form.get("To"),
            "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "body": form.get("Body"),
            "status": "accepted" if form.get("MessagingServiceSid") else "queued",
            "num_segments": "1",
            "direction": "outbound-api",
            "date_created": format_datetime(now, usegmt=True),
            "date_updated": format_datetime(now, usegmt=True),
            "date_sent": None,
            "error_code": None,
            "error_message": None,
            "api_version": "2010-04-01",
            "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json",
            "status_callback": form.get("StatusCallback"),
        }
        self.messages[sid] = msg
        if fault == "timeout":
            self._release.wait(self.timeout_delay)
        _answer(h, 201, msg)

    def _read(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        one = _ONE.match(parts.path)
        if one:
            msg = self.messages.get(one.group(2))
            if msg is None:
                return _answer(h, 404, {"code": 20404, "message": "not found", "status": 404})
            return _answer(h, 200, msg)
        if not _LIST.match(parts.path):
            return _answer(h, 404, {"code": 20404, "message": "not found", "status": 404})
        self.lists += 1
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        found = [m for m in reversed(self.messages.values()) if m["to"] == query.get("To", m["to"])]
        size = int(query.get("PageSize", 50))
        _answer(
            h,
            200,
            {
                "messages": found[:size],
                "first_page_uri": parts.path,
                "next_page_uri": None,
                "previous_page_uri": None,
                "page": 0,
                "page_size": size,
                "uri": h.path,
                "start": 0,
                "end": min(size, len(found)) - 1,
            },
        )


def _answer(h: BaseHTTPRequestHandler, status: int, body: dict[str, Any]) -> None:
    data = json.dumps(body).encode()
    try:
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the client gave up (a timeout test)


# --- wiring the real SDK and our channel to the fake ------------------------------------------

PUBLIC = "https://reminders.example.org"
MESSAGING_SERVICE = "MG" + "1" * 32


def sms_channel(
    fake: FakeTwilio,
    client: Any,
    prefix: str,
    clock: Any,
    *,
    rate: float = 1000.0,
    max_wait: float = 1.0,
    read_timeout: float = 0.5,
    from_number: str = "",
    sleep: Callable[[float], None] | None = None,
    sends_async: bool = True,
) -> TwilioSms:
    """As the registry builds it: the SDK on our synchronous client, and (``sends_async``, what
    a batch sends through) on our asynchronous one."""
    http = ConfiguredHttpClient(fake.url, 0.5, read_timeout)
    extra: dict[str, Any] = {} if sleep is None else {"sleep": sleep}
    if sends_async:
        async_http = ConfiguredAsyncHttpClient(fake.url, 0.5, read_timeout)
        extra["async_client"] = Client(ACCOUNT_SID, fake.auth_token, http_client=async_http)
        fake.async_clients.append(async_http)  # closed when the fake stops
    return TwilioSms(
        Client(ACCOUNT_SID, fake.auth_token, http_client=http),
        Store(client, prefix).sendlog,
        clock,
        Store(client, prefix).sms_gate("test", rate),
        messaging_service_sid="" if from_number else MESSAGING_SERVICE,
        from_number=from_number,
        public_base_url=PUBLIC,
        max_wait=max_wait,
        **extra,
    )


def deliver_due(
    store: Store, clock: Any, channels: dict[str, Any], config: DeliveryConfig
) -> dict[str, str]:
    """Claim what is due at the clock's time and deliver each: reminder id -> state."""
    pairs: list[tuple[str, str]] = []
    dispatch_tick(store, clock.now(), lambda rid, tok: pairs.append((rid, tok)))
    return {rid: deliver(store, rid, tok, channels, clock.now, config) for rid, tok in pairs}
