"""Benchmark the MLLP intake: a burst of 1,000 SIU^S12 over one connection.

Usage: .venv/bin/python bench/mllp_burst.py [--messages N]

Starts its own redis-server on a free loopback port (never a shared Redis) and a real
``reminders mllp`` process against it, then plays an interface engine: one TCP connection, each
message sent once the previous one's ACK is in (original-mode acknowledgement, as engines
send), then the same number again written all at once (pipelined: what the listener takes when
the sender does not wait). Each message books a new appointment (16 reminders planned and
stored in one Lua script). Prints messages acknowledged per second and the ACK latency
(p50/p99), measured from the write of a message to the end block of its ACK.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from reminders.devtools.embedded_redis import EmbeddedRedis

BIN = Path(sys.executable).with_name("reminders")
SB, EB = b"\x0b", b"\x1c\r"
CLOCK = "fixed:2027-03-15T10:00:00+00:00"


def message(n: int, run: str) -> bytes:
    text = "\r".join(
        [
            f"MSH|^~\\&|RIS|RADIOLOGY|REMINDERS|CLINIC|20270315100000||SIU^S12^SIU_S12|"
            f"{run}{n:06d}|P|2.5.1",
            f"SCH|{run}-{n}-P|{run}-{n}|||||||30|min|^^30^202703280900+0200",
            "PID|1||4711||Rossi^Maria||||||||0151 12345678^PRN^CP~^NET^Internet^m@example.org||de",
            "AIS|1|A|epidural_steroid_injection^CT-guided lumbar ESI|202703280900+0200|||45|min",
        ]
    )
    return SB + text.encode() + b"\r" + EB


def read_ack(sock: socket.socket, buffer: bytearray) -> bytes:
    while EB not in buffer:
        chunk = sock.recv(65536)
        if not chunk:
            raise RuntimeError("the listener closed the connection")
        buffer += chunk
    end = buffer.index(EB) + len(EB)
    block = bytes(buffer[:end])
    del buffer[:end]
    if b"MSA|AA|" not in block:
        raise RuntimeError(f"not accepted: {block[:300]!r}")
    return block


def wait_for_port(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("reminders mllp exited")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("reminders mllp did not listen")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def in_turn(port: int, count: int) -> tuple[float, list[float]]:
    latencies = []
    buffer = bytearray()
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        start = time.perf_counter()
        for n in range(count):
            sent = time.perf_counter()
            sock.sendall(message(n, "T"))
            read_ack(sock, buffer)
            latencies.append(time.perf_counter() - sent)
        return time.perf_counter() - start, latencies


def pipelined(port: int, count: int) -> float:
    burst = b"".join(message(n, "P") for n in range(count))
    buffer = bytearray()
    with socket.create_connection(("127.0.0.1", port)) as sock:
        start = time.perf_counter()
        sock.sendall(burst)
        for _ in range(count):
            read_ack(sock, buffer)
        return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    args = parser.parse_args(argv)
    redis_server = EmbeddedRedis().start()
    port = free_port()
    env = {
        **os.environ,
        "REDIS_URL": redis_server.url,
        "REMINDERS_KEY_PREFIX": "bench-mllp",
        "REMINDERS_CLOCK": CLOCK,
        "REMINDERS_CHANNELS": "outbox",
        "CLINIC_TIMEZONE": "Europe/Berlin",
    }
    env.pop("REMINDERS_HL7_MAPPING", None)
    proc = subprocess.Popen(
        [str(BIN), "mllp", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, proc)
        in_turn(port, 20)  # warm up: connections, scripts loaded, schedules read
        total, latencies = in_turn(port, args.messages)
        burst = pipelined(port, args.messages)
    finally:
        proc.terminate()
        proc.wait(10)
        redis_server.cleanup()
    ms = sorted(x * 1000 for x in latencies)
    p99 = ms[min(len(ms) - 1, round(0.99 * len(ms)) - 1)]
    print(f"SIU^S12 over one MLLP connection, {args.messages} messages, each a new booking")
    print(f"  in turn (ACK awaited):  {args.messages / total:8.0f} messages/s acknowledged")
    print(f"  ACK latency:            p50 {statistics.median(ms):.2f} ms, p99 {p99:.2f} ms")
    print(f"  pipelined (one write):  {args.messages / burst:8.0f} messages/s acknowledged")
    return 0


if __name__ == "__main__":
    sys.exit(main())
