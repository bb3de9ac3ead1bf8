"""A Twilio-compatible Messages API that misbehaves on purpose, run as its own process by the
chaos test (``python -m reminders.devtools.chaos.fake_twilio --port N ...``). Without
``--faults`` it misbehaves in no way: the README ("Try it without Twilio") starts it so that a
clinic can run the service with the twilio channel and no Twilio account.

The real Twilio SDK in the workers talks to it over HTTP. On each message create it injects, at
configurable rates: HTTP 500, HTTP 429, a connection reset before anything is recorded, and
"accept then time out" (the message is recorded as accepted, and the answer comes only after
the client's read timeout). It answers list (``To``, ``PageSize``) and fetch like Twilio, and
posts signed status callbacks (``sent`` then ``delivered``) to each accepted message's
StatusCallback URL from background threads, dropping some on purpose.

Private endpoints for the harness, under ``/_chaos/``: ``GET log`` (every accepted message),
``GET stats`` (faults by kind, callbacks, requests in flight), ``POST faults`` (new rates, JSON).
"""

from __future__ import annotations

import argparse
import contextlib
import heapq
import json
import random
import secrets
import socket
import struct
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from twilio.request_validator import RequestValidator

FAULT_KINDS = ("500", "429", "reset", "timeout")
_API = "/2010-04-01/Accounts/"
FROM_NUMBER = "+15005550006"


@dataclass
class Faults:
    """Probability of each fault per create, of a failing list (a lookup), of a list that
    answers without the newest messages (a lagging index: off by default, it makes the service
    send again, which shows the oracle counts duplicates), and of dropping a status callback."""

    rates: dict[str, float] = field(default_factory=dict)
    list_500: float = 0.0
    list_empty: float = 0.0
    drop_callback: float = 0.0

    def update(self, data: dict[str, Any]) -> None:
        for kind in FAULT_KINDS:
            if kind in data:
                self.rates[kind] = float(data[kind])
        if "list_500" in data:
            self.list_500 = float(data["list_500"])
        if "list_empty" in data:
            self.list_empty = float(data["list_empty"])
        if "drop_callback" in data:
            self.drop_callback = float(data["drop_callback"])

    def as_json(self) -> dict[str, float]:
        return {
            **self.rates,
            "list_500": self.list_500,
            "list_empty": self.list_empty,
            "drop_callback": self.drop_callback,
        }


class FakeTwilio:
    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        faults: Faults,
        seed: int,
        timeout_delay: float,
        latency: tuple[float, float] = (0.0, 0.0),
    ) -> None:
        self.account_sid = account_sid
        self.latency = latency
        self.validator = RequestValidator(auth_token)
        self.faults = faults
        self.timeout_delay = timeout_delay
        # A run's faults follow its seed (thread order aside); nothing here is a secret.
        self.rng = random.Random(seed)  # noqa: S311
        self.lock = threading.Lock()
        self.messages: dict[str, dict[str, Any]] = {}
        self.log: list[dict[str, Any]] = []  # accepted messages, in order, as the harness sees
        self.stats: Counter[str] = Counter()
        self.in_flight = 0
        self.in_flight_to: Counter[str] = Counter()  # numbers whose create is being answered
        self.last_create = 0.0
        self.callback_urls: dict[str, str] = {}
        self.posting = 0  # callbacks taken from the queue and not yet posted
        self._callbacks: list[tuple[float, int, str, str]] = []  # (due, seq, sid, status)
        self._seq = 0
        self._wake = threading.Condition(self.lock)

    # --- faults -------------------------------------------------------------------------------

    def _draw(self) -> str | None:
        with self.lock:
            x = self.rng.random()
            for kind in FAULT_KINDS:
                rate = self.faults.rates.get(kind, 0.0)
                if x < rate:
                    self.stats[f"fault_{kind}"] += 1
                    return kind
                x -= rate
            return None

    def _chance(self, p: float) -> bool:
        with self.lock:
            return self.rng.random() < p

    # --- the Messages API ---------------------------------------------------------------------

    def create(self, h: Handler, form: dict[str, str]) -> None:
        with self.lock:
            self.stats["creates"] += 1
            self.last_create = time.time()
        fault = self._draw()
        if fault == "reset":
            return h.reset()  # the request reached us, nothing was recorded, no answer
        if fault in ("500", "429"):
            status = int(fault)
            text = "Internal Server Error" if status == 500 else "Too Many Requests"
            code = 20500 if status == 500 else 20429
            return h.answer(status, {"code": code, "message": text, "status": status})
        msg = self._accept(form, timed_out=fault == "timeout")
        if fault == "timeout":
            time.sleep(self.timeout_delay)  # longer than the client waits: it sees a timeout
        else:
            with self.lock:
                pause = self.rng.uniform(*self.latency)
            time.sleep(pause)  # Twilio takes a moment too: sends are in flight that long
        h.answer(201, msg)

    def _accept(self, form: dict[str, str], *, timed_out: bool) -> dict[str, Any]:
        now = time.time()
        sid = "SM" + secrets.token_hex(16)
        stamp = format_datetime(datetime.fromtimestamp(now, UTC), usegmt=True)
        msg: dict[str, Any] = {
            "sid": sid,
            "account_sid": self.account_sid,
            "to": form.get("To"),
            "from": FROM_NUMBER,
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "body": form.get("Body"),
            "status": "accepted",
            "num_segments": "1",
            "direction": "outbound-api",
            "date_created": stamp,
            "date_updated": stamp,
            "date_sent": None,
            "error_code": None,
            "error_message": None,
            "api_version": "2010-04-01",
            "uri": f"{_API}{self.account_sid}/Messages/{sid}.json",
        }
        callback = form.get("StatusCallback") or ""
        entry: dict[str, Any] = {
            "sid": sid,
            "to": form.get("To"),
            "body": form.get("Body"),
            "created": now,
            "status_callback": callback,
            "timed_out": timed_out,
        }
        with self.lock:
            self.messages[sid] = msg
            self.callback_urls[sid] = callback
            self.log.append(entry)
            self.stats["accepted"] += 1
        if callback:
            self._schedule(sid, "sent", now + 0.2)
            self._schedule(sid, "delivered", now + 0.5)
        return msg

    def fetch(self, h: Handler, sid: str) -> None:
        with self.lock:
            msg = self.messages.get(sid)
        if msg is None:
            return h.answer(404, {"code": 20404, "message": "not found", "status": 404})
        h.answer(200, msg)

    def list_messages(self, h: Handler, path: str, query: dict[str, str]) -> None:
        with self.lock:
            self.stats["lists"] += 1
        if self._chance(self.faults.list_500):
            with self.lock:
                self.stats["fault_list_500"] += 1
            return h.answer(500, {"code": 20500, "message": "Internal Server Error", "status": 500})
        to = query.get("To")
        with self.lock:
            found = [m for m in reversed(self.messages.values()) if to in (None, m["to"])]
        if self._chance(self.faults.list_empty):
            with self.lock:
                self.stats["fault_list_empty"] += 1
            found = []
        size = int(query.get("PageSize", 50))
        page = {
            "messages": found[:size],
            "first_page_uri": path,
            "next_page_uri": None,
            "previous_page_uri": None,
            "page": 0,
            "page_size": size,
            "uri": path,
            "start": 0,
            "end": max(0, min(size, len(found)) - 1),
        }
        h.answer(200, page)

    # --- status callbacks ---------------------------------------------------------------------

    def _schedule(self, sid: str, status: str, due: float) -> None:
        with self._wake:
            self._seq += 1
            heapq.heappush(self._callbacks, (due, self._seq, sid, status))
            self._wake.notify()

    def callback_worker(self) -> None:
        while True:
            with self._wake:
                while not self._callbacks or self._callbacks[0][0] > time.time():
                    wait = self._callbacks[0][0] - time.time() if self._callbacks else None
                    self._wake.wait(wait)
                _, _, sid, status = heapq.heappop(self._callbacks)
                self.posting += 1
                msg, url = dict(self.messages[sid]), self.callback_urls[sid]
            try:
                self._post_status(msg, url, status)
            finally:
                with self.lock:
                    self.posting -= 1

    def _post_status(self, msg: dict[str, Any], url: str, status: str) -> None:
        if self._chance(self.faults.drop_callback):
            with self.lock:
                self.stats["callbacks_dropped"] += 1
            return
        params = {
            "AccountSid": self.account_sid,
            "MessageSid": msg["sid"],
            "SmsSid": msg["sid"],
            "MessageStatus": status,
            "SmsStatus": status,
            "To": msg["to"] or "",
            "From": FROM_NUMBER,
            "ApiVersion": "2010-04-01",
        }
        signature = self.validator.compute_signature(url, params)
        data = urllib.parse.urlencode(params).encode()
        # The API stays up, but answers 5xx while Redis restarts: try for about 15 s.
        for attempt in range(10):
            req = urllib.request.Request(url, data=data, method="POST")  # noqa: S310 - our API
            req.add_header("X-Twilio-Signature", signature)
            req.add_header("Content-Type", "application/x-www-form-urlencoded")
            try:
                with urllib.request.urlopen(req, timeout=5) as resp:  # noqa: S310
                    resp.read()
                with self.lock:
                    self.stats["callbacks_posted"] += 1
                return
            except urllib.error.HTTPError as exc:
                if exc.code < 500:
                    with self.lock:
                        self.stats[f"callbacks_refused_{exc.code}"] += 1
                    return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(min(0.25 * 2**attempt, 3.0))
        with self.lock:
            self.stats["callbacks_failed"] += 1

    # --- the harness's view -------------------------------------------------------------------

    def snapshot_stats(self) -> dict[str, Any]:
        with self.lock:
            return {
                "counts": dict(self.stats),
                "in_flight": self.in_flight,
                "in_flight_to": sorted(+self.in_flight_to),
                "pending_callbacks": len(self._callbacks) + self.posting,
                "last_create": self.last_create,
                "faults": self.faults.as_json(),
            }


class Handler(BaseHTTPRequestHandler):
    # HTTP/1.0: one request per connection, so a client never reuses a connection we closed
    # (which it would report as a lost answer: a fault we did not mean to inject).
    protocol_version = "HTTP/1.0"
    fake: FakeTwilio

    def do_POST(self) -> None:
        path = urllib.parse.urlsplit(self.path).path
        length = int(self.headers.get("Content-Length", 0))
        raw = self.rfile.read(length).decode()
        if path == "/_chaos/faults":
            self.fake.faults.update(json.loads(raw or "{}"))
            return self.answer(200, self.fake.faults.as_json())
        if not self._messages_path(path):
            return self.answer(404, {"code": 20404, "message": "not found", "status": 404})
        form = {k: v[0] for k, v in urllib.parse.parse_qs(raw).items()}
        self._counted(form.get("To", ""), lambda: self.fake.create(self, form))

    def do_GET(self) -> None:
        parts = urllib.parse.urlsplit(self.path)
        if parts.path == "/_chaos/log":
            with self.fake.lock:
                log = list(self.fake.log)
            return self.answer(200, {"messages": log})
        if parts.path == "/_chaos/stats":
            return self.answer(200, self.fake.snapshot_stats())
        if self._messages_path(parts.path):
            query = {k: v[0] for k, v in urllib.parse.parse_qs(parts.query).items()}
            return self.fake.list_messages(self, self.path, query)
        prefix = f"{_API}{self.fake.account_sid}/Messages/"
        if parts.path.startswith(prefix) and parts.path.endswith(".json"):
            return self.fake.fetch(self, parts.path[len(prefix) : -len(".json")])
        self.answer(404, {"code": 20404, "message": "not found", "status": 404})

    def _messages_path(self, path: str) -> bool:
        return path == f"{_API}{self.fake.account_sid}/Messages.json"

    def _counted(self, to: str, work: Callable[[], None]) -> None:
        with self.fake.lock:
            self.fake.in_flight += 1
            self.fake.in_flight_to[to] += 1
        try:
            work()
        finally:
            with self.fake.lock:
                self.fake.in_flight -= 1
                self.fake.in_flight_to[to] -= 1

    def answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass  # the client gave up waiting (the timeout fault)

    def reset(self) -> None:
        """Close with a TCP reset and no answer (SO_LINGER 0)."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    def finish(self) -> None:
        with contextlib.suppress(OSError):  # the socket was reset on purpose
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def parse_rates(text: str) -> dict[str, float]:
    """``500=0.04,429=0.04,reset=0.03,timeout=0.03,list_500=0.02,list_empty=0,drop_callback=0.1``"""
    out: dict[str, float] = {}
    for item in filter(None, (p.strip() for p in text.split(","))):
        name, _, value = item.partition("=")
        out[name.strip()] = float(value)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--account-sid", required=True)
    p.add_argument("--auth-token", required=True)
    p.add_argument("--faults", default="", help="kind=rate,... (see parse_rates)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--timeout-delay", type=float, default=2.0, help="seconds (> read timeout)")
    p.add_argument("--latency", default="0,0", help="min,max seconds to answer a create")
    args = p.parse_args(argv)
    faults = Faults()
    faults.update(parse_rates(args.faults))
    low, high = (float(x) for x in args.latency.split(","))
    fake = FakeTwilio(
        args.account_sid, args.auth_token, faults, args.seed, args.timeout_delay, (low, high)
    )
    handler = type("BoundHandler", (Handler,), {"fake": fake})
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler)
    server.daemon_threads = True
    for _ in range(2):  # two senders, so one slow callback does not hold up the others
        threading.Thread(target=fake.callback_worker, daemon=True).start()
    print(f"fake Twilio on 127.0.0.1:{args.port}, faults {faults.as_json()}", flush=True)
    server.serve_forever(poll_interval=0.1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
