"""The HL7 ACK we answer each message with (original mode): MSA-1 AA, AE or AR, MSA-2 the
message's MSH-10, MSA-3 a short text, and for AE and AR an ERR segment naming where (ERR-2,
``PID^1^13``), the HL7 error code (ERR-3, table 0357), the severity (ERR-4) and the text
(ERR-8); for v2.3 and 2.4, whose ERR has one field, ERR-1 holds the location and the code.
The texts name fields and codes, never a patient's data."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import hl7

from reminders.intake.hl7_siu import Problem

_ERR_CODES = {
    101: "Required field missing",
    102: "Data type error",
    103: "Table value not found",
    200: "Unsupported message type",
    201: "Unsupported event code",
    203: "Unsupported version id",
    207: "Application internal error",
}
_OLD_ERR = ("2.3", "2.3.1", "2.4")


def build(
    msg: hl7.Message | None,
    code: str,
    control_id: str,
    problem: Problem | None = None,
    text: str = "",
) -> str:
    """The ACK as text (segments ended by \\r). ``msg`` None: the message could not be parsed,
    so the header is our own and MSA-2 holds whatever control id could be found."""
    now = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    ack_id = uuid.uuid4().hex[:20]
    base: hl7.Message | None = None
    if msg is not None:
        try:
            base = msg.create_ack(code, message_id=ack_id)
        except (IndexError, KeyError, TypeError, ValueError):
            base = None
    if base is None or msg is None:
        head = f"MSH|^~\\&|REMINDERS||||{now}||ACK|{ack_id}|P|2.5\rMSA|{code}|{_esc(control_id)}"
        base = hl7.parse(head)
        version = "2.5"
    else:
        version = str(base.segment("MSH")(12))
    out = str(base).rstrip("\r")
    if text or problem is not None:
        out += "|" + _esc(text or (problem.message if problem else ""))
    if problem is not None:
        out += "\r" + _err(problem, version)
    return out + "\r"


def _err(p: Problem, version: str) -> str:
    what = _ERR_CODES.get(p.code, "")
    code = f"{p.code}^{what}^HL70357"
    if version in _OLD_ERR:
        # ERR-1 (ELD): segment^sequence^field^code&text&table
        return f"ERR|{p.where}^{p.code}&{what}&HL70357"
    return f"ERR||{p.where}|{code}|E||||{_esc(p.message)}"


def _esc(text: str) -> str:
    """HL7 escapes for the default delimiters (|^~\\&), and no line breaks."""
    out = text.replace("\\", "\\E\\").replace("|", "\\F\\").replace("^", "\\S\\")
    out = out.replace("~", "\\R\\").replace("&", "\\T\\")
    return " ".join(out.split())
