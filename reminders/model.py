"""The domain: an appointment for a procedure, its patient, the doctor's medication
instructions, and the reminders planned from them.

All datetimes are aware and UTC inside; the patient's IANA zone is kept beside them and used
only to plan calendar-day offsets and to render text.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import email_validator

from reminders.ids import ReminderId

CHANNELS = ("sms", "email")
# The doctor's note is sent verbatim, never cut: this keeps it a note, not a letter.
NOTE_MAX_CHARS = 200
# A reduced dose is a dose as the doctor writes it ("2.5 mg once a day"), sent verbatim in SMS.
REDUCED_DOSE_MAX_CHARS = 40
# A letter or digit first, so '.', '..' and '-x' are never ids (they go into keys and URLs).
EXTERNAL_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
_EXTERNAL_ID = re.compile(EXTERNAL_ID_PATTERN)
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
# Embeddings, overrides and isolates: in a name they would reorder the text around it (and
# unbalance the isolates the renderer puts around names in right-to-left messages).
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Control characters (NUL, tab, line breaks, vertical tab, DEL, C1), lone surrogates, the
# Unicode line and paragraph separators (U+2028, U+2029).
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})


class ValidationError(ValueError):
    """Bad input; ``field`` names where, in dotted form (``patient.phone``,
    ``medications[0].name``); ``where`` is the part of the request (``body``, ``query``)."""

    def __init__(self, field: str, message: str, *, where: str = "body") -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.where = where


def forbidden_character(text: str) -> str | None:
    """What is wrong with ``text`` as one line of plain text, or None: the first control
    character, line break or bidi control, by code point and position (never the text)."""
    for i, ch in enumerate(text, start=1):
        if unicodedata.category(ch) in _FORBIDDEN_CATEGORIES or ch in _BIDI_CONTROLS:
            kind = "a lone surrogate" if unicodedata.category(ch) == "Cs" else "not allowed"
            return (
                f"must be one line of plain text: U+{ord(ch):04X} at character {i} is {kind} "
                "(no control characters, line breaks, U+2028/U+2029 or bidi controls)"
            )
    return None


@functools.cache
def _zones() -> tuple[frozenset[str], dict[str, str]]:
    """The IANA zones people live in (zone.tab and zone1970.tab of the tzdata package, so the
    same on every machine) and UTC; and the old aliases (``US/Eastern``) with their zones."""
    base = resources.files("tzdata").joinpath("zoneinfo")
    names = {"UTC", "Etc/UTC"}
    for tab in ("zone.tab", "zone1970.tab"):
        for line in base.joinpath(tab).read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                names.add(line.split("\t")[2])
    links = {}
    for line in base.joinpath("tzdata.zi").read_text(encoding="utf-8").splitlines():
        if line.startswith("L "):
            _, target, alias = line.split()
            links[alias] = target
    return frozenset(names), links


def zone_problem(name: str) -> str | None:
    """Why ``name`` is not a zone we accept, or None. Only canonical IANA zone names (the
    ``Area/Location`` names of zone.tab, and UTC): never ``localtime``, ``Factory``,
    ``right/...``, ``posix/...`` or an alias; an alias's message names the zone to use."""
    names, links = _zones()
    if name in names:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):  # pragma: no cover - tzdata is a dependency
            return "is not in this machine's zone database"
        return None
    target = links.get(name)
    if target in names:
        return f"is an old alias: use {target!r}"
    return "is not a canonical IANA time zone (e.g. 'Europe/Berlin')"


def email_address(value: str, *, reserved_ok: bool = False) -> str:
    """One email address, checked by email-validator (RFC 5321/5322 syntax, no display name,
    no list, no quoted local part), in its normalized form. Raises ValueError saying why.
    ``reserved_ok`` lets a special-use domain (``example.invalid``, ``.test``) pass: it is one
    address, though never deliverable (the HTTP API refuses it; tests use it)."""
    local, _, domain = value.rpartition("@")
    if reserved_ok and any(
        domain.lower() == d or domain.lower().endswith("." + d)
        for d in email_validator.SPECIAL_USE_DOMAIN_NAMES
    ):
        email_address(f"{local}@example.org")
        return value
    try:
        checked = email_validator.validate_email(value, check_deliverability=False)
    except email_validator.EmailNotValidError as exc:
        why = str(exc)
        # The library's reason, unless it quotes the address (errors never echo contact data).
        parts = [p for p in value.replace("@", " ").split() if len(p) >= 3]
        if any(p in why for p in parts):
            why = "use one address like name@example.org"
        raise ValueError(why) from None
    return checked.normalized


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"


class ReminderState(StrEnum):
    SCHEDULED = "scheduled"
    CLAIMED = "claimed"
    SENDING = "sending"
    SENT = "sent"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"
    FAILED = "failed"
    FLAGGED = "flagged"
    UNKNOWN = "unknown"  # the provider may have accepted it (timeout after sending): reconcile


# The named sets of states; the Lua scripts get the same sets from store/lua.py, generated from
# these, so the two cannot disagree.
_S = ReminderState
# Waiting for its moment (or for staff): a new version of the appointment replaces these.
PENDING = frozenset({_S.SCHEDULED, _S.CLAIMED, _S.FLAGGED})
# The patient has (or may have) been told: a reschedule or correction notice is due.
TOLD = frozenset({_S.SENT, _S.SENDING, _S.UNKNOWN})
# Nothing more will happen to it: retention may purge an appointment whose reminders are all so.
TERMINAL = frozenset({_S.SENT, _S.SKIPPED, _S.CANCELLED, _S.FAILED})
# What a dispatch tick may claim from the due index (sending/unknown: a lease ran out mid-send).
CLAIMABLE = frozenset({_S.SCHEDULED, _S.CLAIMED, _S.SENDING, _S.UNKNOWN})
# The send may have reached the provider: look it up before sending again.
MAYBE_SENT = frozenset({_S.SENDING, _S.UNKNOWN})
# A worker held it and its lease ran out.
LEASED = frozenset({_S.CLAIMED, _S.SENDING})
# A person must look (a failed one only while no email twin covers it).
NEEDS_ATTENTION = frozenset({_S.FAILED, _S.FLAGGED, _S.UNKNOWN})
# An email twin in one of these already stands in for a failed SMS: no second one is added.
COVERS_TWIN = frozenset({_S.SCHEDULED, _S.CLAIMED, _S.SENDING, _S.SENT, _S.UNKNOWN})
STATE_SETS: dict[str, frozenset[ReminderState]] = {
    "PENDING": PENDING,
    "TOLD": TOLD,
    "TERMINAL": TERMINAL,
    "CLAIMABLE": CLAIMABLE,
    "MAYBE_SENT": MAYBE_SENT,
    "LEASED": LEASED,
    "NEEDS_ATTENTION": NEEDS_ATTENTION,
    "COVERS_TWIN": COVERS_TWIN,
}


@dataclass(frozen=True)
class Patient:
    name: str
    timezone: str
    locale: str = "en"
    phone: str | None = None
    email: str | None = None
    channels: tuple[str, ...] = CHANNELS
    # The patient chose SMS that name no procedure, medicine or condition (shared phones, lock
    # screens): the details come by email or a call to the clinic.
    discreet_sms: bool = False

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def reachable_channels(self) -> tuple[str, ...]:
        have = {"sms": bool(self.phone), "email": bool(self.email)}
        return tuple(c for c in self.channels if have.get(c, False))


@dataclass(frozen=True)
class Location:
    name: str
    address: str
    phone: str


@dataclass(frozen=True)
class Procedure:
    type: str
    start: datetime
    duration_minutes: int
    location: Location

    @property
    def end(self) -> datetime:
        # In UTC, so "+45 minutes" is elapsed time even when the end crosses a DST change.
        return self.start.astimezone(UTC) + timedelta(minutes=self.duration_minutes)


@dataclass(frozen=True)
class Medication:
    """One medicine as the doctor entered it: a pause or a dose reduction, never both.

    A pause: ``pause_from`` is the first day the patient does not take it (so the last dose is
    the day before); ``resume_on`` the day they may restart. A reduction: from ``reduce_from``
    the patient takes ``reduced_dose`` (the doctor's words, relayed verbatim) instead of the
    usual dose, up to and including ``reduce_until``. Either end may be left for the doctor to
    tell the patient later."""

    name: str
    pause_from: date | None = None
    resume_on: date | None = None
    note: str = ""
    reduced_dose: str = ""
    reduce_from: date | None = None
    reduce_until: date | None = None

    @property
    def last_dose(self) -> date | None:
        return self.pause_from - timedelta(days=1) if self.pause_from else None

    @property
    def is_reduction(self) -> bool:
        return bool(self.reduced_dose)

    @property
    def change_from(self) -> date | None:
        """The first day of the doctor's change (no dose, or the reduced one)."""
        return self.reduce_from if self.is_reduction else self.pause_from

    @property
    def usual_again(self) -> date | None:
        """The first day the patient may take the usual dose again, when the doctor said."""
        if self.is_reduction:
            return self.reduce_until + timedelta(days=1) if self.reduce_until else None
        return self.resume_on

    @property
    def instruction(self) -> tuple[object, ...]:
        """Everything the doctor entered about it but its name: what a correction compares."""
        return (
            self.pause_from,
            self.resume_on,
            self.note,
            self.reduced_dose,
            self.reduce_from,
            self.reduce_until,
        )


@dataclass(frozen=True)
class Appointment:
    external_id: str
    patient: Patient
    procedure: Procedure
    medications: tuple[Medication, ...] = ()
    status: AppointmentStatus = AppointmentStatus.BOOKED
    version: int = 1
    booked_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["procedure"]["start"] = self.procedure.start.isoformat()
        data["booked_at"] = self.booked_at.isoformat()
        data["patient"]["channels"] = list(self.patient.channels)
        data["medications"] = [_medication_dict(m) for m in self.medications]
        data["status"] = str(self.status)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Appointment:
        """Decode what ``to_dict`` wrote. It does not validate: a stored appointment stays
        readable when input rules tighten (the API parses and validates input)."""
        p, pr, loc = data["patient"], data["procedure"], data["procedure"]["location"]
        return cls(
            external_id=data["external_id"],
            patient=Patient(
                name=p["name"],
                timezone=p["timezone"],
                locale=p.get("locale") or "en",
                phone=p.get("phone") or None,
                email=p.get("email") or None,
                channels=tuple(p.get("channels") or CHANNELS),
                discreet_sms=bool(p.get("discreet_sms", False)),
            ),
            procedure=Procedure(
                type=pr["type"],
                start=_instant(pr["start"]),
                duration_minutes=int(pr["duration_minutes"]),
                location=Location(loc["name"], loc["address"], loc["phone"]),
            ),
            medications=tuple(
                Medication(
                    name=m["name"],
                    pause_from=_day(m.get("pause_from")),
                    resume_on=_day(m.get("resume_on")),
                    note=m.get("note") or "",
                    reduced_dose=m.get("reduced_dose") or "",
                    reduce_from=_day(m.get("reduce_from")),
                    reduce_until=_day(m.get("reduce_until")),
                )
                for m in data.get("medications") or ()
            ),
            status=AppointmentStatus(data.get("status", "booked")),
            version=int(data.get("version", 1)),
            booked_at=_instant(data["booked_at"]),
        )

    def with_version(self, version: int) -> Appointment:
        return replace(self, version=version)


@dataclass(frozen=True)
class PlannedReminder:
    """One reminder as the planner made it: what the store persists when booking."""

    appointment_id: str
    version: int
    rule: str
    message: str
    medicine: int | None
    channel: str
    nominal_at: datetime
    due_at: datetime
    deadline: datetime
    state: ReminderState
    reason: str = ""
    # Earlier versions' reminders of the same slot that would make this one a repeat if they
    # went out. When the plan is written (replace.lua), the one among them that is then in
    # flight or sent becomes this one's ``waits_for``: it goes out only if that one did not.
    unless_sent: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return str(
            ReminderId(self.appointment_id, self.version, self.rule, self.medicine, self.channel)
        )

    @property
    def slot(self) -> tuple[str, int | None, str]:
        """What the reminder is, whatever the version: rule, medicine, channel."""
        return (self.rule, self.medicine, self.channel)


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _medication_dict(m: Medication) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": m.name,
        "pause_from": m.pause_from.isoformat() if m.pause_from else None,
        "resume_on": m.resume_on.isoformat() if m.resume_on else None,
        "note": m.note,
    }
    if m.is_reduction:  # pauses keep the record they always had
        out["reduced_dose"] = m.reduced_dose
        out["reduce_from"] = m.reduce_from.isoformat() if m.reduce_from else None
        out["reduce_until"] = m.reduce_until.isoformat() if m.reduce_until else None
    return out


EXTERNAL_ID_RULE = "use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"


def validate(a: Appointment) -> Appointment:
    """The domain's invariants, whoever built the appointment (the API, a preview)."""
    if not _EXTERNAL_ID.match(a.external_id):
        raise ValidationError("external_id", EXTERNAL_ID_RULE)
    _validate_text(a)
    if problem := zone_problem(a.patient.timezone):
        raise ValidationError("patient.timezone", problem)
    if a.patient.phone is not None and not _E164.match(a.patient.phone):
        raise ValidationError("patient.phone", "is not in E.164 form (+4930...)")
    if a.patient.email is not None:
        try:
            email_address(a.patient.email, reserved_ok=True)
        except ValueError as exc:
            raise ValidationError("patient.email", f"is not one email address: {exc}") from None
    for i, ch in enumerate(a.patient.channels):
        if ch not in CHANNELS:
            raise ValidationError(f"patient.channels[{i}]", f"unknown channel {ch!r}")
    if len(set(a.patient.channels)) != len(a.patient.channels):
        raise ValidationError("patient.channels", "names a channel twice")
    if not a.patient.reachable_channels():
        raise ValidationError("patient.channels", "no allowed channel has a phone or email")
    if a.procedure.start.tzinfo is None:
        raise ValidationError("procedure.start", "needs a UTC offset, e.g. 2027-03-28T09:00+02:00")
    if isinstance(a.procedure.duration_minutes, bool) or not (
        isinstance(a.procedure.duration_minutes, int) and 1 <= a.procedure.duration_minutes <= 1440
    ):
        raise ValidationError("procedure.duration_minutes", "must be a whole number, 1 to 1440")
    _validate_medications(a.medications)
    return a


def _validate_text(a: Appointment) -> None:
    p, pr, loc = a.patient, a.procedure, a.procedure.location
    fields: list[tuple[str, str | None]] = [
        ("patient.name", p.name),
        ("patient.timezone", p.timezone),
        ("patient.locale", p.locale),
        ("patient.phone", p.phone),
        ("patient.email", p.email),
        ("procedure.type", pr.type),
        ("procedure.location.name", loc.name),
        ("procedure.location.address", loc.address),
        ("procedure.location.phone", loc.phone),
    ]
    for i, m in enumerate(a.medications):
        fields += [
            (f"medications[{i}].name", m.name),
            (f"medications[{i}].note", m.note),
            (f"medications[{i}].reduced_dose", m.reduced_dose),
        ]
    for where, value in fields:
        if value is not None and (problem := forbidden_character(value)):
            raise ValidationError(where, problem)


def _validate_medications(medications: tuple[Medication, ...]) -> None:
    for i, m in enumerate(medications):
        if not m.name.strip():
            raise ValidationError(f"medications[{i}].name", "must not be empty")
        if len(m.note) > NOTE_MAX_CHARS:
            raise ValidationError(
                f"medications[{i}].note", f"is longer than {NOTE_MAX_CHARS} characters"
            )
        if m.pause_from and m.resume_on and m.resume_on < m.pause_from:
            raise ValidationError(f"medications[{i}].resume_on", "is before pause_from")
        _validate_reduction(i, m)


def _validate_reduction(i: int, m: Medication) -> None:
    at = f"medications[{i}]"
    if not m.is_reduction:
        for name in ("reduce_from", "reduce_until"):
            if getattr(m, name) is not None:
                raise ValidationError(f"{at}.{name}", "needs reduced_dose (the reduced dose)")
        return
    if m.pause_from is not None or m.resume_on is not None:
        which = "pause_from" if m.pause_from is not None else "resume_on"
        raise ValidationError(
            f"{at}.{which}",
            "a dose reduction cannot also pause the medicine: enter the pause as its own entry",
        )
    if not m.reduced_dose.strip():
        raise ValidationError(f"{at}.reduced_dose", "must not be blank")
    if len(m.reduced_dose) > REDUCED_DOSE_MAX_CHARS:
        raise ValidationError(
            f"{at}.reduced_dose", f"is longer than {REDUCED_DOSE_MAX_CHARS} characters"
        )
    if m.reduce_from is None:
        raise ValidationError(f"{at}.reduce_from", "is required for a dose reduction")
    if m.reduce_until is not None and m.reduce_until < m.reduce_from:
        raise ValidationError(f"{at}.reduce_until", "is before reduce_from")
