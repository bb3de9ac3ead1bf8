"""What the HTTP API accepts and returns.

Every field is checked here, on its own, the same way wherever it appears (a booking, an edit,
a cancel): strict types (``true`` is not a number, ``5`` is not a name), lengths, one line of
plain text (no control characters, line breaks, U+2028/U+2029 or bidi controls), a real phone
number in E.164, one email address (email-validator), a canonical IANA zone, a language we can
resolve, an instant the calendar can hold. A problem is a 422 naming the field; the submitted
value is never echoed back. The checks that need the clock or several fields at once (the
procedure ahead and within the booking horizon, pause and restart days around the procedure
day) are in ``validation``."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

import phonenumbers
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
)
from pydantic_core import PydanticCustomError

from reminders.i18n.locales import normalize
from reminders.model import (
    EXTERNAL_ID_PATTERN,
    email_address,
    forbidden_character,
    zone_problem,
)

Channel = Literal["sms", "email"]
_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _one_line(value: Any) -> Any:
    """Before any other check (and before stripping): a line break is refused, not trimmed."""
    if isinstance(value, str) and (problem := forbidden_character(value)):
        raise PydanticCustomError("plain_text", problem)
    return value


def _zone(value: str) -> str:
    if problem := zone_problem(value):
        raise PydanticCustomError("time_zone", problem)
    return value


def _locale(value: str) -> str:
    if normalize(value) is None:
        raise PydanticCustomError("locale", "is not a language tag we know (e.g. 'pt-BR')")
    return value


def _phone(value: str) -> str:
    try:
        parsed = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        raise PydanticCustomError("phone", "is not a phone number in E.164 (+4930...)") from None
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if not phonenumbers.is_valid_number(parsed) or e164 != value:
        raise PydanticCustomError("phone", "is not a valid number in E.164 form (+4930...)")
    return value


def _email(value: str) -> str:
    try:
        return email_address(value)
    except ValueError as exc:
        why = {"why": str(exc)}
        raise PydanticCustomError("email", "is not one email address: {why}", why) from None


def _text_only(value: Any) -> Any:
    """Dates and instants come as ISO 8601 text, never as numbers (unix times)."""
    if not isinstance(value, str):
        raise PydanticCustomError("iso_text", "must be ISO 8601 text")
    return value


def _in_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise PydanticCustomError("datetime_range", "is out of range") from None


def _unique(value: list[str]) -> list[str]:
    if len(set(value)) != len(value):
        raise PydanticCustomError("unique", "names a channel twice")
    return value


OneLine = Annotated[StrictStr, BeforeValidator(_one_line)]
Name = Annotated[OneLine, Field(min_length=1, max_length=120)]
Address = Annotated[OneLine, Field(min_length=1, max_length=200)]
LocationPhone = Annotated[OneLine, Field(min_length=3, max_length=40)]
MedicineName = Annotated[OneLine, Field(min_length=1, max_length=80)]
Note = Annotated[OneLine, Field(max_length=160)]
ReducedDose = Annotated[OneLine, Field(min_length=1, max_length=40, examples=["2.5 mg once a day"])]
Zone = Annotated[
    StrictStr,
    BeforeValidator(_one_line),
    Field(min_length=1, max_length=64, examples=["Europe/Berlin"]),
    AfterValidator(_zone),
]
Locale = Annotated[
    StrictStr,
    BeforeValidator(_one_line),
    Field(min_length=2, max_length=35, examples=["pt-BR"]),
    AfterValidator(_locale),
]
Phone = Annotated[
    StrictStr,
    BeforeValidator(_one_line),
    Field(max_length=20, examples=["+4915112345678"]),
    AfterValidator(_phone),
]
Email = Annotated[
    StrictStr,
    BeforeValidator(_one_line),
    Field(max_length=254, examples=["maria@example.org"]),
    AfterValidator(_email),
]
Channels = Annotated[list[Channel], Field(min_length=1, max_length=2), AfterValidator(_unique)]
Instant = Annotated[
    AwareDatetime,
    BeforeValidator(_text_only),
    AfterValidator(_in_utc),
    Field(description="ISO 8601 with offset, e.g. 2027-03-28T09:00:00+02:00"),
]
Day = Annotated[date, BeforeValidator(_text_only)]
ProcedureType = Annotated[StrictStr, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
Minutes = Annotated[StrictInt, Field(ge=1, le=1440)]
ExternalId = Annotated[StrictStr, Field(pattern=EXTERNAL_ID_PATTERN, examples=["RIS-2027-0042"])]


class LocationIn(BaseModel):
    model_config = _STRICT
    name: Name
    address: Address
    phone: LocationPhone


class PatientIn(BaseModel):
    model_config = _STRICT
    name: Name
    timezone: Zone
    locale: Locale = "en"
    phone: Phone | None = None
    email: Email | None = None
    channels: Channels = Field(default=["sms", "email"])
    discreet_sms: StrictBool = Field(
        default=False,
        description="SMS name no procedure, medicine or condition: the details come by email "
        "or a call to the clinic (the patient's choice at booking)",
    )


class ProcedureIn(BaseModel):
    model_config = _STRICT
    type: ProcedureType = "epidural_steroid_injection"
    start: Instant
    duration_minutes: Minutes = 30
    location: LocationIn


class MedicationIn(BaseModel):
    model_config = _STRICT
    name: MedicineName
    pause_from: Day | None = Field(default=None, description="first day without the medicine")
    resume_on: Day | None = Field(default=None, description="day it may be taken again")
    note: Note = Field(default="", description="the doctor's note, sent verbatim")
    # A dose reduction instead of a pause: the reduced dose from reduce_from to reduce_until.
    reduced_dose: ReducedDose | None = Field(
        default=None, description="a dose reduction: the reduced dose, sent verbatim"
    )
    reduce_from: Day | None = Field(default=None, description="first day on the reduced dose")
    reduce_until: Day | None = Field(default=None, description="last day on the reduced dose")


class AppointmentIn(BaseModel):
    model_config = _STRICT
    external_id: ExternalId
    patient: PatientIn
    procedure: ProcedureIn
    medications: list[MedicationIn] = Field(default=[], max_length=10)


# An edit: the same fields with the same checks, each optional. A field left out keeps its
# value; ``null`` is allowed only where a booking allows it (phone, email: remove it). The
# placeholder default is never validated, documented or stored: the edit takes only the fields
# given (``model_dump(exclude_unset=True)``).


def _drop_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def _left_out() -> Any:
    return Field(default=None, json_schema_extra=_drop_default)


class LocationPatch(BaseModel):
    model_config = _STRICT
    name: Name = _left_out()
    address: Address = _left_out()
    phone: LocationPhone = _left_out()


class PatientPatch(BaseModel):
    model_config = _STRICT
    name: Name = _left_out()
    timezone: Zone = _left_out()
    locale: Locale = _left_out()
    phone: Phone | None = None
    email: Email | None = None
    channels: Channels = _left_out()
    discreet_sms: StrictBool = _left_out()


class ProcedurePatch(BaseModel):
    model_config = _STRICT
    type: ProcedureType = _left_out()
    start: Instant = _left_out()
    duration_minutes: Minutes = _left_out()
    location: LocationPatch = _left_out()


class AppointmentPatch(BaseModel):
    """Only the fields given change; lists (medications) are replaced whole."""

    model_config = _STRICT
    patient: PatientPatch = _left_out()
    procedure: ProcedurePatch = _left_out()
    medications: Annotated[list[MedicationIn], Field(max_length=10)] = _left_out()


class CancelIn(BaseModel):
    model_config = _STRICT
    reason: Annotated[OneLine, Field(max_length=200)] = ""
    notify: StrictBool = True


class HandledIn(BaseModel):
    model_config = _STRICT
    note: Annotated[OneLine, Field(max_length=500)] = ""


class ReminderOut(BaseModel):
    id: str
    rule: str
    message: str
    medicine: int | None
    channel: str
    state: str
    version: int
    due_at: datetime
    due_local: str
    deadline: datetime
    reason: str = ""
    attempts: int = 0
    locale: str | None = None
    fallback: str | None = None
    provider_id: str | None = None
    error: str | None = None


class BookingOut(BaseModel):
    external_id: str
    version: int
    status: str
    created: bool
    changed: bool
    reminders: list[ReminderOut]


class TimelineOut(BaseModel):
    external_id: str
    version: int
    status: str
    appointment: dict[str, object]
    reminders: list[ReminderOut]
    events: list[dict[str, object]]
    acknowledgements: list[dict[str, object]]
