"""``reminders mllp``: HL7 v2 over MLLP (python-hl7's asyncio server and framing). Each
message is handled in order per connection and answered only after its change is stored; the
store is called in a thread (``asyncio.to_thread``) so that a slow Redis call holds up only its
own connection. No message, however malformed, stops the listener.

What python-hl7's reader leaves to us: a frame whose end block never came runs into the next
frame (the reader reads up to the next end block), so a block holding a second start block is
split there, and the unfinished frame before it answered AR. A frame cut off by the sender
closing the connection cannot be answered at all."""

from __future__ import annotations

import asyncio
import logging

import hl7
from hl7.mllp import InvalidBlockError, start_hl7_server
from hl7.mllp.streams import START_BLOCK, HL7StreamReader, HL7StreamWriter

from reminders.intake import ack, hl7_siu
from reminders.intake.apply import Refused, apply
from reminders.intake.hl7_siu import INTERNAL, Problem
from reminders.store import StoreUnavailable
from reminders.wiring import Services

log = logging.getLogger(__name__)
MAX_MESSAGE = 1024 * 1024  # bytes; a longer block is answered AR and skipped


async def serve(sv: Services, host: str, port: int) -> asyncio.Server:
    """Listening once this returns (port 0: a free one, see ``server.sockets``)."""
    listener = Listener(sv)
    server: asyncio.Server = await start_hl7_server(
        listener.connection, host, port, limit=MAX_MESSAGE
    )
    return server


class Listener:
    def __init__(self, sv: Services) -> None:
        self.sv = sv

    async def connection(self, reader: HL7StreamReader, writer: HL7StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        log.info("mllp: connection from %s", peer)
        try:
            while True:
                try:
                    block = await reader.readblock()
                except asyncio.IncompleteReadError as exc:
                    if exc.partial.strip():
                        log.warning("mllp: %s closed in the middle of a frame", peer)
                    break
                except InvalidBlockError:
                    await _send(writer, _rejected("data outside an MLLP frame"))
                    continue
                except ValueError:
                    await _send(writer, _rejected(f"a frame longer than {MAX_MESSAGE} bytes"))
                    continue
                *unfinished, last = block.split(START_BLOCK)
                for frame in unfinished:
                    if frame.strip():
                        await _send(writer, self.answer(frame, finished=False))
                await _send(writer, await asyncio.to_thread(self.answer, last))
        except (ConnectionError, OSError) as exc:
            log.info("mllp: %s went away (%s)", peer, type(exc).__name__)
        except Exception:
            log.exception("mllp: connection from %s ended by an error", peer)
        finally:
            writer.close()

    def answer(self, frame: bytes, *, finished: bool = True) -> str:
        """The ACK for one frame (blocking: it calls the store)."""
        text = _decode(frame)
        control_id = ""
        msg: hl7.Message | None = None
        try:
            msg = hl7_siu.parse(text)
            control_id = hl7_siu.get(msg.segment("MSH"), 10)
            if not finished:
                raise Problem("AR", "MSH^1^1", hl7_siu.DATA_TYPE, "the frame had no end block")
            hdr = hl7_siu.header(msg)
            return self._handle(msg, hdr)
        except Problem as p:
            log.info("mllp: %s %s: %s %s", control_id or "-", p.ack, p.where, p.message)
            return ack.build(msg, p.ack, control_id, p)
        except StoreUnavailable as exc:
            log.warning("mllp: %s: Redis did not answer (%s)", control_id, type(exc).__name__)
            down = Problem("AE", "", INTERNAL, "could not store the change now; send it again")
            return ack.build(msg, "AE", control_id, down)
        except Exception:
            log.exception("mllp: %s: unexpected error", control_id or "-")
            error = Problem("AE", "", INTERNAL, "internal error; nothing was stored")
            return ack.build(msg, "AE", control_id, error)

    def _handle(self, msg: hl7.Message, hdr: hl7_siu.Header) -> str:
        store = self.sv.store.intake
        sent = store.acknowledged(hdr.sender, hdr.control_id)
        if sent is not None:
            log.info("mllp: %s repeated: acknowledged again", hdr.control_id)
            return sent
        read = hl7_siu.read(msg, hdr, self.sv.mapping, self.sv.settings.clinic)
        try:
            done = apply(self.sv, read.change)
        except Refused as exc:
            where = read.where(exc.field)
            code = hl7_siu.REQUIRED_MISSING if "missing" in exc.message else hl7_siu.DATA_TYPE
            if exc.field == "procedure.type":
                code = hl7_siu.TABLE_VALUE
            raise Problem("AE", where, code, f"{exc.field} {exc.message}") from None
        log.info("mllp: %s %s %s: %s", hdr.control_id, hdr.event, done.external_id, done.what)
        answer = ack.build(msg, "AA", hdr.control_id, text="; ".join(done.notes))
        store.record(hdr.sender, hdr.control_id, answer)
        return answer


def _rejected(why: str) -> str:
    return ack.build(None, "AR", "", Problem("AR", "", hl7_siu.DATA_TYPE, why))


def _decode(frame: bytes) -> str:
    """UTF-8 (HL7 2.8's preferred set, and ASCII's superset), else ISO 8859-1 (MSH-18
    ``8859/1``, what older systems send): every byte is a character there."""
    try:
        return frame.decode("utf-8")
    except UnicodeDecodeError:
        return frame.decode("iso-8859-1")


async def _send(writer: HL7StreamWriter, answer: str) -> None:
    writer.writeblock(answer.encode("utf-8"))
    await writer.drain()
