"""The MLLP listener on a free port, over the Services of the test's HTTP app (so the API, the
listener and the test see one store and one clock), and a small raw-socket MLLP client that can
send frames however a RIS might: whole, split, two in one write, without their end block."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import hl7
import pytest

from reminders.intake import mllp
from tests.helpers import current

SB, EB, CR = b"\x0b", b"\x1c", b"\r"

MAPPING = """\
default_region = "DE"

[procedures]
"CT-LESI" = "epidural_steroid_injection"

[languages]
GER = "de"

[locations.CT1]
name = "Riverside Radiology, CT suite 1"
address = "Hauptstrasse 1, Berlin"
phone = "+49 30 1234567"
timezone = "Europe/Berlin"
"""


@pytest.fixture
def api_env(tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "hl7.toml"
    path.write_text(MAPPING, encoding="utf-8")
    return {"REMINDERS_HL7_MAPPING": str(path), "CLINIC_TIMEZONE": "Europe/Berlin"}


class Client:
    """One TCP connection speaking MLLP by hand."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buffer = b""

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def send(self, message: str) -> None:
        self.send_raw(frame(message))

    def ack(self) -> hl7.Message:
        """The next ACK, parsed (after checking its MLLP framing)."""
        while EB + CR not in self.buffer:
            chunk = self.sock.recv(65536)
            assert chunk, "the listener closed the connection"
            self.buffer += chunk
        block, _, self.buffer = self.buffer.partition(EB + CR)
        assert block.startswith(SB), block
        return hl7.parse(block[1:].decode("utf-8"))

    def ask(self, message: str) -> hl7.Message:
        self.send(message)
        return self.ack()

    def close(self) -> None:
        self.sock.close()


def frame(message: str) -> bytes:
    return SB + message.encode("utf-8") + EB + CR


@pytest.fixture
def listener(api: object) -> Iterator[int]:
    """The port of a running listener (its own event loop in a background thread)."""
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(mllp.serve(current(), "127.0.0.1", 0))
    port: int = server.sockets[0].getsockname()[1]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield port
    finally:

        async def stop() -> None:
            server.close()
            await server.wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


@pytest.fixture
def ris(listener: int) -> Iterator[Client]:
    client = Client(listener)
    yield client
    client.close()
