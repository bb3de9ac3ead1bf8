"""An SIU message (HL7 v2.3 to 2.8) -> the change it asks for: a booking as the API takes it, or
a cancel. Values are read where the clinic's mapping says (``mapping.HL7_DEFAULTS``), escapes
decoded by python-hl7. A problem is a ``Problem`` naming the segment and field
(``PID^1^13``) and the HL7 error code (table 0357); ``where`` turns the API's own field names
(``patient.phone``) into the position the value was read from."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

import hl7

from reminders.i18n.locales import normalize
from reminders.intake import contacts
from reminders.intake.apply import Book, Cancel, Read
from reminders.intake.mapping import Mapping, Place, Position
from reminders.settings import Clinic

VERSIONS = frozenset(
    {"2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.7.1", "2.8", "2.8.1", "2.8.2"}
)
# S15 cancelled, S17 deleted: a patient who was told about the appointment is told it is off.
# S26 did not show: the rest of their reminders stop, and nothing is said.
CANCELS = {"S15": ("cancelled (SIU^S15)", True), "S17": ("deleted (SIU^S17)", True)}
CANCELS["S26"] = ("did not show (SIU^S26)", False)
EVENTS = frozenset({"S12", "S13", "S14", *CANCELS})

# HL7 table 0357
REQUIRED_MISSING, DATA_TYPE, TABLE_VALUE, UNSUPPORTED_TYPE = 101, 102, 103, 200
UNSUPPORTED_EVENT, UNSUPPORTED_VERSION, INTERNAL = 201, 203, 207

_DTM = re.compile(r"^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(?:\.\d{1,4})?([+-]\d{4})?$")
_SEGMENT_START = re.compile(r"^[A-Z][A-Z0-9]{2}(\||$)")
_UNITS = {"min": 1.0, "m": 1.0, "minute": 1.0, "minutes": 1.0, "h": 60.0, "hr": 60.0}
_UNITS |= {"hour": 60.0, "hours": 60.0, "s": 1 / 60, "sec": 1 / 60, "d": 1440.0}


class Problem(Exception):
    """``ack``: AR (we do not take such messages) or AE (this one cannot be accepted);
    ``where``: SEG^1^field; ``code``: HL7 table 0357; ``message`` names no patient data."""

    def __init__(self, ack: Literal["AR", "AE"], where: str, code: int, message: str) -> None:
        super().__init__(ack, where, code, message)
        self.ack, self.where, self.code, self.message = ack, where, code, message

    def __str__(self) -> str:
        return f"{self.ack} {self.where}: {self.message}"


@dataclass(frozen=True)
class Header:
    sender: str  # MSH-3 and MSH-4: control ids are unique per sender
    control_id: str
    event: str
    version: str


def parse(text: str) -> hl7.Message:
    """Segments may end in \\r, \\r\\n or \\n; a line that starts no segment (a line break a
    sender let into a value) continues the one before, joined with a space."""
    lines: list[str] = []
    for line in re.split(r"\r\n|\r|\n", text.strip()):
        if not line:
            continue
        if lines and not _SEGMENT_START.match(line):
            lines[-1] += " " + line
        else:
            lines.append(line)
    if not lines or not lines[0].startswith("MSH") or len(lines[0]) < 8:
        raise Problem("AR", "MSH^1^1", REQUIRED_MISSING, "the message does not begin with MSH")
    try:
        return hl7.parse("\r".join(lines))
    except Exception:  # python-hl7 raises whatever its parse meets: all mean AR
        raise Problem("AR", "MSH^1^1", DATA_TYPE, "the message cannot be parsed") from None


def header(msg: hl7.Message) -> Header:
    msh = msg.segment("MSH")
    kind, event = get(msh, 9, comp=1), get(msh, 9, comp=2)
    version = get(msh, 12, comp=1)
    hdr = Header(f"{get(msh, 3)}|{get(msh, 4)}", get(msh, 10), event, version)
    if not hdr.control_id:
        raise Problem("AR", "MSH^1^10", REQUIRED_MISSING, "MSH-10 (message control id) is empty")
    if kind != "SIU":
        raise Problem("AR", "MSH^1^9", UNSUPPORTED_TYPE, f"message type {kind!r} is not taken")
    if event not in EVENTS:
        raise Problem("AR", "MSH^1^9", UNSUPPORTED_EVENT, f"event {event!r} is not taken")
    if version not in VERSIONS:
        raise Problem("AR", "MSH^1^12", UNSUPPORTED_VERSION, f"version {version!r} is not taken")
    return hdr


def read(msg: hl7.Message, hdr: Header, mapping: Mapping, clinic: Clinic) -> Read:
    """Raises Problem (AE) for a value the message lacks or we cannot read."""
    pos = mapping.hl7
    out = Read(Cancel("", "", notify=False))
    external_id = _first(msg, pos["external_id"], out, "external_id")
    if not external_id:
        where = _where(pos["external_id"][0])
        raise Problem("AE", where, REQUIRED_MISSING, "no appointment id (SCH-2 or SCH-1)")
    if hdr.event in CANCELS:
        reason, notify = CANCELS[hdr.event]
        out.change = Cancel(external_id, reason, notify)
        return out
    place_code = _first(msg, pos["location"], out, "procedure.location")
    place = mapping.locations.get(place_code) or Place(clinic.name, clinic.address, clinic.phone)
    zone = place.timezone or clinic.timezone
    out.sources["patient.timezone"] = out.sources.get("procedure.location", "")
    patient: dict[str, Any] = {"name": _name(msg, pos["name"], out), "timezone": zone}
    patient |= _contacts(msg, pos["telecom"], mapping.default_region, out)
    language = _first(msg, pos["language"], out, "patient.locale")
    if language and normalize(mapping.language(language)):
        patient["locale"] = mapping.language(language)
    procedure = {
        "type": _procedure(msg, pos["procedure"], mapping, out),
        "start": _start(msg, pos["start"], ZoneInfo(clinic.timezone), out),
        "duration_minutes": _duration(msg, pos["duration"], out),
        "location": {"name": place.name, "address": place.address, "phone": place.phone},
    }
    out.change = Book({"external_id": external_id, "patient": patient, "procedure": procedure})
    return out


# --- values -------------------------------------------------------------------------------------


def get(seg: hl7.Segment, fld: int, rep: int = 1, comp: int = 1, sub: int = 1) -> str:
    """One value, unescaped (\\F\\ \\S\\ \\T\\ \\R\\ \\E\\ and the rest); "" when absent."""
    try:
        return str(
            seg.extract_field(
                field_num=fld, repeat_num=rep, component_num=comp, subcomponent_num=sub
            )
        ).strip()
    except (IndexError, KeyError, TypeError):
        return ""


def _segment(msg: hl7.Message, segment_id: str) -> hl7.Segment | None:
    try:
        return msg.segment(segment_id)
    except KeyError:
        return None


def _where(p: Position) -> str:
    return f"{p.segment}^1^{p.field}"


def _first(msg: hl7.Message, places: tuple[Position, ...], out: Read, api: str) -> str:
    for p in places:
        seg = _segment(msg, p.segment)
        value = get(seg, p.field, comp=p.component or 1) if seg is not None else ""
        if value:
            out.sources[api] = _where(p)
            return value
    out.sources[api] = _where(places[0])
    return ""


def _name(msg: hl7.Message, places: tuple[Position, ...], out: Read) -> str:
    out.sources["patient.name"] = _where(places[0])
    for p in places:
        seg = _segment(msg, p.segment)
        if seg is None:
            continue
        # XPN: family (its first subcomponent: the surname) ^ given ^ further given names
        family, given = get(seg, p.field, comp=1), get(seg, p.field, comp=2)
        name = " ".join(x for x in (given, get(seg, p.field, comp=3), family) if x)
        if name:
            out.sources["patient.name"] = _where(p)
            return name
    raise Problem("AE", out.sources["patient.name"], REQUIRED_MISSING, "no patient name")


def _repetitions(seg: hl7.Segment, fld: int) -> int:
    return len(seg(fld)) if fld < len(seg) else 0


def _contacts(
    msg: hl7.Message, places: tuple[Position, ...], region: str, out: Read
) -> dict[str, str | None]:
    """XTN repetitions: a phone with use PRN or ORN or equipment CP (mobiles first), an email
    with use NET or equipment Internet/X.400. Unusable ones are passed over."""
    phones: list[tuple[int, str]] = []
    emails: list[str] = []
    for p in places:
        seg = _segment(msg, p.segment)
        for rep in range(1, (_repetitions(seg, p.field) if seg is not None else 0) + 1):
            assert seg is not None
            c = {n: get(seg, p.field, rep, n) for n in (1, 2, 3, 4, 5, 6, 7, 12)}
            use, kind = c[2].upper(), c[3].upper()
            if use == "NET" or kind in ("INTERNET", "X.400"):
                if (email := contacts.address(c[4] or c[1])) is not None:
                    emails.append(email)
            elif use in ("PRN", "ORN") or kind == "CP":
                raw = c[12] or c[1] or "".join(("+" if c[5] else "", c[5], c[6], c[7]))
                if (phone := contacts.e164(raw, region)) is not None:
                    phones.append((0 if kind == "CP" else 1, phone))
    where = _where(places[0])
    for api in ("patient.phone", "patient.email", "patient.channels"):
        out.sources[api] = where
    if not phones and not emails:
        raise Problem("AE", where, REQUIRED_MISSING, "no usable phone (PRN, ORN, CP) or email")
    phones.sort(key=lambda t: t[0])
    return {"phone": phones[0][1] if phones else None, "email": emails[0] if emails else None}


def _procedure(msg: hl7.Message, places: tuple[Position, ...], mapping: Mapping, out: Read) -> str:
    code = _first(msg, places, out, "procedure.type")
    where = out.sources["procedure.type"]
    if not code:
        raise Problem("AE", where, REQUIRED_MISSING, "no procedure code (AIS-3)")
    name = mapping.procedure(code)
    if name is None:
        raise Problem("AE", where, TABLE_VALUE, f"procedure code {code!r} is not in the mapping")
    return name


def _start(msg: hl7.Message, places: tuple[Position, ...], zone: ZoneInfo, out: Read) -> str:
    value = _first(msg, places, out, "procedure.start")
    where = out.sources["procedure.start"]
    if not value:
        raise Problem("AE", where, REQUIRED_MISSING, "no start time (SCH-11.4 or AIS-4)")
    m = _DTM.match(value)
    if not m:
        raise Problem("AE", where, DATA_TYPE, "the start is not a time YYYYMMDDHHMM[SS][+ZZZZ]")
    y, mo, d, h, mi, s, offset = m.groups()
    try:
        local = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0))
    except ValueError:
        raise Problem("AE", where, DATA_TYPE, "the start is not a real date and time") from None
    if offset:
        sign = 1 if offset[0] == "+" else -1
        delta = timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5])) * sign
        start = (local - delta).replace(tzinfo=UTC)
    else:
        start = local.replace(tzinfo=zone).astimezone(UTC)  # a wall time at the clinic
    return start.isoformat()


def _duration(msg: hl7.Message, places: tuple[Position, ...], out: Read) -> int:
    out.sources["procedure.duration_minutes"] = _where(places[0])
    for p in places:
        seg = _segment(msg, p.segment)
        value = get(seg, p.field) if seg is not None else ""
        if not value:
            continue
        out.sources["procedure.duration_minutes"] = where = _where(p)
        unit = get(seg, p.field + 1).lower() if seg is not None else ""
        try:
            amount = float(value)
        except ValueError:
            raise Problem("AE", where, DATA_TYPE, "the duration is not a number") from None
        if unit and unit not in _UNITS:
            units = f"{p.segment}^1^{p.field + 1}"
            raise Problem("AE", units, TABLE_VALUE, f"duration units {unit!r} are not known")
        return max(1, round(amount * _UNITS.get(unit, 1.0)))
    return 30
