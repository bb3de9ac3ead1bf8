"""SIU messages shaped as a RIS sends them."""

from __future__ import annotations

from typing import Any

import hl7

from reminders.intake import hl7_siu

# As a RIS writes them: a home landline (PRN, PH) before the mobile (PRN, CP), in national
# form; the email as its own repetition; an escaped '&' in the family name; a location code.
PID = (
    "PID|1||4711^^^RIS^MR||Rossi\\T\\Bianchi^Maria^^^^^L||19700101|F|||Hauptstrasse 1^^Berlin"
    "||030 1234567^PRN^PH~0151 12345678^PRN^CP~^NET^Internet^maria@example.org||GER"
)


def siu(
    event: str = "S12",
    control_id: str = "MSG0001",
    appointment: str = "RIS-0042",
    start: str = "202703280900+0200",
    *,
    pid: str = PID,
    code: str = "CT-LESI^CT-guided lumbar epidural steroid injection^L",
    version: str = "2.5.1",
    minutes: str = "45|min",
    ail: bool = True,
    kind: str = "SIU",
    sep: str = "\r",
) -> str:
    segments = [
        f"MSH|^~\\&|RIS|RADIOLOGY|REMINDERS|CLINIC|20270315100000||{kind}^{event}^SIU_S12|"
        f"{control_id}|P|{version}|||AL|NE||UNICODE UTF-8",
        f"SCH|{appointment}-P^RIS|{appointment}^RIS|||||||30|min^minutes|^^30^{start}",
        pid,
        "RGS|1|A",
        f"AIS|1|A|{code}|{start}|||{minutes}",
    ]
    if ail:
        segments.append("AIL|1|A|CT1^^^RADIOLOGY")
    return sep.join(segments) + sep


def fields(ack: hl7.Message) -> dict[str, Any]:
    """What a test asserts about an ACK, each field on its own."""
    msh, msa = ack.segment("MSH"), ack.segment("MSA")
    out: dict[str, Any] = {
        "type": hl7_siu.get(msh, 9, comp=1),
        "event": hl7_siu.get(msh, 9, comp=2),
        "msa1": str(msa(1)),
        "msa2": str(msa(2)),
    }
    try:
        err = ack.segment("ERR")
    except KeyError:
        return out
    out["err2"] = str(err(2))
    out["err3"] = hl7_siu.get(err, 3, comp=1)
    return out
