"""What the HTTP API accepts and returns. Field constraints here are documented in the OpenAPI
schema; the checks that need the clock, the zone database or the phone-number metadata live in
``validation``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Channel = Literal["sms", "email"]
_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)


class LocationIn(BaseModel):
    model_config = _STRICT
    name: str = Field(min_length=1, max_length=120)
    address: str = Field(min_length=1, max_length=200)
    phone: str = Field(min_length=3, max_length=40)


class PatientIn(BaseModel):
    model_config = _STRICT
    name: str = Field(min_length=1, max_length=120)
    timezone: str = Field(min_length=1, max_length=64, examples=["Europe/Berlin"])
    locale: str = Field(default="en", min_length=2, max_length=35, examples=["pt-BR"])
    phone: str | None = Field(default=None, max_length=20, examples=["+4915112345678"])
    email: str | None = Field(default=None, max_length=254)
    channels: list[Channel] = Field(default=["sms", "email"], min_length=1, max_length=2)


class ProcedureIn(BaseModel):
    model_config = _STRICT
    type: str = Field(default="epidural_steroid_injection", pattern=r"^[a-z][a-z0-9_]{0,39}$")
    start: datetime = Field(description="ISO 8601 with offset, e.g. 2027-03-28T09:00:00+02:00")
    duration_minutes: int = Field(default=30, ge=1, le=1440)
    location: LocationIn


class MedicationIn(BaseModel):
    model_config = _STRICT
    name: str = Field(min_length=1, max_length=80)
    pause_from: date | None = Field(default=None, description="first day without the medicine")
    resume_on: date | None = Field(default=None, description="day it may be taken again")
    note: str = Field(default="", max_length=160, description="the doctor's note, sent verbatim")


class AppointmentIn(BaseModel):
    model_config = _STRICT
    external_id: str = Field(pattern=r"^[A-Za-z0-9._-]{1,64}$")
    patient: PatientIn
    procedure: ProcedureIn
    medications: list[MedicationIn] = Field(default=[], max_length=10)


class AppointmentPatch(BaseModel):
    """Only the fields given change; lists (medications) are replaced whole."""

    model_config = _STRICT
    patient: dict[str, object] | None = None
    procedure: dict[str, object] | None = None
    medications: list[MedicationIn] | None = Field(default=None, max_length=10)


class CancelIn(BaseModel):
    model_config = _STRICT
    reason: str = Field(default="", max_length=200)
    notify: bool = True


class HandledIn(BaseModel):
    model_config = _STRICT
    note: str = Field(default="", max_length=500)


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
