"""The test suite's fake Twilio (``tests/fakes/twilio.py``) as a process of its own for the
delivery benchmark, so that its work does not share a core's GIL with what it measures.

``python bench/fake_twilio_server.py --latency 0.15`` prints its port on the first line, then
serves the Messages API, plus ``GET /_bench/creates`` (each create's arrival: [unix time, To]),
``GET /_bench/count`` (how many creates: what the bench polls while a burst runs, so that its
waiting costs the cores it measures next to nothing) and ``POST /_bench/reset`` (forget every
create)."""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fakes.twilio import FakeTwilio, _answer


class BenchTwilio(FakeTwilio):
    def start(self) -> BenchTwilio:
        self.arrivals: list[tuple[float, str]] = []
        self.on_create = lambda form: self.arrivals.append((time.time(), form.get("To", "")))
        super().start()
        return self

    def _read(self, h: BaseHTTPRequestHandler) -> None:
        if h.path == "/_bench/creates":
            return _answer_list(h, self.arrivals)
        if h.path == "/_bench/count":
            return _answer(h, 200, {"count": len(self.arrivals)})
        super()._read(h)

    def _create(self, h: BaseHTTPRequestHandler) -> None:
        if h.path == "/_bench/reset":
            h.rfile.read(int(h.headers.get("Content-Length", 0)))
            self.arrivals.clear()
            self.creates.clear()
            self.messages.clear()
            return _answer(h, 200, {"reset": True})
        super()._create(h)


def _answer_list(h: BaseHTTPRequestHandler, rows: list[Any]) -> None:
    data = json.dumps(list(rows)).encode()
    h.send_response(200)
    h.send_header("Content-Type", "application/json")
    h.send_header("Content-Length", str(len(data)))
    h.end_headers()
    h.wfile.write(data)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--latency", type=float, default=0.0, help="seconds before a create answers")
    args = p.parse_args()
    fake = BenchTwilio(latency=args.latency).start()
    print(fake.server.server_address[1], flush=True)
    threading.Event().wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
