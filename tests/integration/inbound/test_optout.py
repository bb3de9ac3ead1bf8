"""Answering a patient's own SMS (optout.handle) against real Redis: in the language of the
patient's appointment, else the clinic's default, also once the appointment is cancelled."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reminders.booking import book, cancel
from reminders.i18n import locales as loc
from reminders.i18n.replies import render_reply
from reminders.inbound import replies as inbound
from reminders.schedule import Schedule
from reminders.store import Store
from tests.factories import BOOKED_AT, LOCALES, make_appointment
from tests.unit.i18n.test_replies import HELP, set_msgstr

NOW = datetime(2027, 3, 20, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_catalogs() -> None:
    loc.clear_cache()


# --- optout.handle: the patient's language, else the clinic's ---------------------------------


def answer(store: Store, phone: str, body: str, default_locale: str = "en") -> str | None:
    return inbound.handle(
        store,
        phone,
        body,
        NOW,
        clinic_name="Radiology Clinic",
        clinic_phone="+1 555 0100",
        is_safety=lambda procedure, rule: False,
        locales_dir=LOCALES,
        default_locale=default_locale,
    ).text


def test_an_unknown_number_is_answered_in_the_clinics_default_language(store: Store) -> None:
    spanish = answer(store, "+15550001111", "HELP", default_locale="es")
    assert (
        spanish
        == render_reply(
            "help", "es", LOCALES, clinic_name="Radiology Clinic", clinic_phone="+1 555 0100"
        ).text
    )
    assert answer(store, "+15550001111", "HELP") == (
        "Radiology Clinic: appointment reminders. Questions: call +1 555 0100. "
        "Reply STOP to stop SMS."
    )
    stopped = answer(store, "+15550001111", "ALTO", default_locale="fr")
    assert stopped is not None and stopped.startswith("Radiology Clinic : vous ne recevrez plus")


def test_a_patient_keeps_their_language_after_the_appointment_is_cancelled(
    store: Store, epidural: Schedule
) -> None:
    phone = "+905321234567"
    appt = make_appointment(patient__locale="tr", patient__phone=phone)
    book(store, appt, epidural, BOOKED_AT)
    booked = answer(store, phone, "yardım", default_locale="de")
    assert booked is not None and "Riverside Radiology" in booked and "randevu" in booked
    cancel(store, appt.external_id, NOW, notify=False)
    # No booked appointment: the service's clinic details, still in the patient's language.
    later = answer(store, phone, "HELP", default_locale="de")
    assert (
        later
        == render_reply(
            "help", "tr", LOCALES, clinic_name="Radiology Clinic", clinic_phone="+1 555 0100"
        ).text
    )


def test_an_answer_in_a_fallback_language_is_counted_for_metrics_once(
    store: Store, epidural: Schedule, tmp_path: Path
) -> None:
    shutil.copytree(LOCALES / "es", tmp_path / "es")
    set_msgstr(tmp_path / "es" / "LC_MESSAGES" / "messages.po", "reply.sms", HELP, None)
    phone = "+34612345678"
    book(store, make_appointment(patient__locale="es", patient__phone=phone), epidural, BOOKED_AT)
    for first_time in (True, False):  # Twilio's retry of the same message
        reply = inbound.handle(
            store, phone, "HELP", NOW, clinic_name="Radiology Clinic", clinic_phone="+1 555 0100",
            is_safety=lambda procedure, rule: False, first_time=first_time, locales_dir=tmp_path,
        )  # fmt: skip
        assert reply.text is not None and reply.text.startswith("Riverside Radiology: appointment")
    assert store.totals.read().fallbacks == {("sms", "en"): 1}
