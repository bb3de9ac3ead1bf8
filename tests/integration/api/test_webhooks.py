"""Twilio's webhooks through the real HTTP app (FastAPI TestClient): signatures, status
callbacks, and inbound replies (STOP, START, HELP, the escort confirmation, anything else),
answered in the patient's language."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient
from twilio.request_validator import RequestValidator

from reminders.booking import book
from reminders.channels.outbox import OutboxChannel
from reminders.clock import FixedClock
from reminders.delivery import DeliveryConfig
from reminders.delivery.fallback import safety_from
from reminders.i18n.replies import render_reply
from reminders.model import ReminderState
from reminders.schedule import Schedule
from reminders.store import Store
from tests.factories import BOOKED_AT, LOCALES, YES_WORDS, make_appointment
from tests.fakes.twilio import AUTH_TOKEN, PUBLIC, FakeTwilio, deliver_due, sms_channel
from tests.helpers import rebuild

SMS = "APT-1001:1:booking_confirmation:-:sms"
ESCORT = "APT-1001:1:escort:-:sms"
PHONE = "+4915112345678"
ESCORT_DUE = datetime.fromisoformat("2027-03-25T09:00:00+00:00")
UNKNOWN = "+15550009999"


@pytest.fixture
def api_env() -> dict[str, str]:
    return {"TWILIO_AUTH_TOKEN": AUTH_TOKEN, "PUBLIC_BASE_URL": PUBLIC}


@pytest.fixture
def fake(api: tuple[TestClient, FixedClock]) -> Iterator[FakeTwilio]:
    """A fake Twilio whose webhooks go to the app under test."""
    http = api[0]

    def post(url: str, params: dict[str, str], headers: dict[str, str]) -> Any:
        return http.post(url.removeprefix(PUBLIC), data=params, headers=headers)

    server = FakeTwilio(post=post).start()
    yield server
    server.stop()


@pytest.fixture
def world(
    fake: FakeTwilio,
    api: tuple[TestClient, FixedClock],
    store: Store,
    client: redis.Redis,
    prefix: str,
    epidural: Schedule,
) -> tuple[Store, FixedClock, Any]:
    """The appointment booked; ``run()`` delivers whatever is due at the app's clock."""
    clock = api[1]
    book(store, make_appointment(), epidural, BOOKED_AT)
    chans = {
        "sms": sms_channel(fake, client, prefix, clock),
        "email": OutboxChannel("email", Store(client, prefix).outbox, clock, echo=None),
    }
    config = DeliveryConfig(
        locales_dir=LOCALES,
        is_safety=safety_from(lambda procedure: epidural),
    )
    return store, clock, lambda: deliver_due(store, clock, chans, config)


def sid_of(store: Store, rid: str) -> str:
    rec = store.reminders.get(rid)
    assert rec is not None and rec.provider_id
    return rec.provider_id


def inbound(fake: FakeTwilio, body: str, sid: str = "SMin1", phone: str = PHONE) -> Any:
    params = {"From": phone, "To": "+15005550006", "Body": body, "MessageSid": sid}
    return fake.signed_post(f"{PUBLIC}/twilio/inbound", params)


def said(answer: Any) -> str | None:
    """The text of the SMS the TwiML answer sends, or None."""
    message = ET.fromstring(answer.text).find("Message")  # noqa: S314 - our own answer
    return message.text if message is not None else None


def expected(reply: str, locale: str, clinic: str = "Riverside Radiology") -> str:
    """The answer as the catalogs write it for a patient of the appointment's clinic."""
    phone = "+49 30 1234567" if clinic == "Riverside Radiology" else "+1 555 0100"
    out = render_reply(reply, locale, LOCALES, clinic_name=clinic, clinic_phone=phone)
    assert out.locale == locale and not out.fallbacks
    return out.text


def book_patient(store: Store, epidural: Schedule, locale: str) -> str:
    """Another patient, speaking ``locale``, booked like the first one: their phone."""
    phone = f"+346000000{sorted(YES_WORDS).index(locale):02d}"
    appt = make_appointment(
        external_id=f"APT-{locale}", patient__locale=locale, patient__phone=phone
    )
    book(store, appt, epidural, BOOKED_AT)
    return phone


# --- signatures -------------------------------------------------------------------------------


def test_forged_unsigned_or_wrongly_addressed_callbacks_are_refused_and_change_nothing(
    fake: FakeTwilio, api: tuple[TestClient, FixedClock], world: tuple[Store, FixedClock, Any]
) -> None:
    store, _, run = world
    run()
    sid = sid_of(store, SMS)
    path = f"/twilio/status/{SMS.replace(':', '%3A')}"
    params = {"MessageSid": sid, "MessageStatus": "delivered"}
    http = api[0]
    forged = RequestValidator("not-the-token").compute_signature(PUBLIC + path, params)
    behind_proxy = RequestValidator(AUTH_TOKEN).compute_signature(
        "http://testserver" + path, params
    )
    assert http.post(path, data=params).status_code == 403
    assert http.post(path, data=params, headers={"X-Twilio-Signature": forged}).status_code == 403
    assert (
        http.post(path, data=params, headers={"X-Twilio-Signature": behind_proxy}).status_code
        == 403
    )
    tampered = {**params, "MessageStatus": "failed"}
    good = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC + path, params)
    assert http.post(path, data=tampered, headers={"X-Twilio-Signature": good}).status_code == 403
    assert store.reminders.get(SMS).delivery is None  # type: ignore[union-attr]
    forged_stop = RequestValidator("x").compute_signature(f"{PUBLIC}/twilio/inbound", {})
    stop = {"From": PHONE, "Body": "STOP", "MessageSid": "SMx"}
    answer = http.post("/twilio/inbound", data=stop, headers={"X-Twilio-Signature": forged_stop})
    assert answer.status_code == 403 and not store.contacts.is_opted_out(PHONE)


# --- status callbacks -------------------------------------------------------------------------


def test_delivery_status_only_moves_forward_and_replays_are_harmless(
    fake: FakeTwilio, world: tuple[Store, FixedClock, Any]
) -> None:
    store, _, run = world
    run()
    sid = sid_of(store, SMS)
    assert fake.callback(sid, "sent").status_code == 204
    assert fake.callback(sid, "delivered").status_code == 204
    events = len(store.appointments.events("APT-1001"))
    assert fake.callback(sid, "delivered").status_code == 204  # Twilio retried
    assert fake.callback(sid, "sent").status_code == 204  # arrived late, out of order
    rec = store.reminders.get(SMS)
    assert rec is not None and rec.state == ReminderState.SENT and rec.delivery == "delivered"
    assert len(store.appointments.events("APT-1001")) == events


def test_a_callback_for_an_unknown_reminder_is_acknowledged_and_ignored(
    fake: FakeTwilio, world: tuple[Store, FixedClock, Any]
) -> None:
    answer = fake.signed_post(
        f"{PUBLIC}/twilio/status/nonsense", {"MessageSid": "SMx", "MessageStatus": "sent"}
    )
    assert answer.status_code == 204


def test_a_status_callback_settles_a_send_whose_answer_was_lost(
    fake: FakeTwilio, world: tuple[Store, FixedClock, Any]
) -> None:
    store, clock, run = world
    fake.fail_next("timeout")
    assert run()[SMS] == "unknown"
    (sid,) = fake.messages
    fake.callback(sid, "delivered")
    rec = store.reminders.get(SMS)
    assert rec is not None and rec.state == ReminderState.SENT and rec.provider_id == sid
    clock.set(BOOKED_AT + timedelta(hours=1))
    assert SMS not in run()
    assert len(fake.creates) == 1


def test_an_unreachable_handset_gets_one_later_retry_then_staff_are_asked(
    fake: FakeTwilio, world: tuple[Store, FixedClock, Any]
) -> None:
    store, clock, run = world
    run()
    first = sid_of(store, SMS)
    fake.callback(first, "undelivered", "30003")
    rec = store.reminders.get(SMS)
    assert rec is not None and rec.state == ReminderState.SCHEDULED
    assert rec.due_at == BOOKED_AT + timedelta(hours=1) and rec.due_at < rec.deadline
    clock.set(rec.due_at)
    assert run() == {SMS: "sent"}
    second = sid_of(store, SMS)
    assert second != first
    fake.callback(first, "undelivered", "30003")  # a replay about the first message: stale
    assert store.reminders.get(SMS).state == ReminderState.SENT  # type: ignore[union-attr]
    fake.callback(second, "undelivered", "30003")
    rec = store.reminders.get(SMS)
    assert rec is not None and rec.state == ReminderState.FLAGGED
    assert [i.reminder.id for i in store.attention.items()] == [SMS]


def test_other_carrier_errors_are_flagged_for_staff(
    fake: FakeTwilio, world: tuple[Store, FixedClock, Any]
) -> None:
    store, _, run = world
    run()
    fake.callback(sid_of(store, SMS), "failed", "30007")
    rec = store.reminders.get(SMS)
    assert rec is not None and rec.state == ReminderState.FLAGGED
    assert rec.delivery == "failed" and rec.delivery_code == "30007"


# --- inbound ----------------------------------------------------------------------------------


def test_stop_opts_out_and_start_opts_back_in(
    fake: FakeTwilio, world: tuple[Store, FixedClock, Any]
) -> None:
    store, _, run = world
    answer = inbound(fake, " Stop ")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith(
        "application/xml"
    )
    assert "<Message>" not in answer.text  # Twilio confirms its own keywords
    assert store.contacts.is_opted_out(PHONE)
    assert run().get(SMS) == "skipped"
    inbound(fake, "START", sid="SMin2")
    assert not store.contacts.is_opted_out(PHONE)
    log = [json.loads(x)["type"] for x in store.r.lrange(f"{store.prefix}:optout:log", 0, -1)]
    assert log == ["opt_out", "opt_in"]


@pytest.mark.parametrize("word", ["STOPP", "ALTO", "ARRÊT", "dur", "توقف", "退订", "Parar."])
def test_opt_out_words_in_the_patients_languages_work_and_are_confirmed(
    fake: FakeTwilio, world: tuple[Store, FixedClock, Any], word: str
) -> None:
    store, _, _ = world
    answer = inbound(fake, word)
    assert store.contacts.is_opted_out(PHONE)
    assert said(answer) == expected("stopped", "de")  # the patient's language, German
    assert "START" in answer.text and "keine SMS mehr" in answer.text


def test_the_opt_out_confirmation_is_in_the_patients_language_else_the_clinics(
    fake: FakeTwilio, world: tuple[Store, FixedClock, Any], epidural: Schedule
) -> None:
    store, _, _ = world
    spanish = book_patient(store, epidural, "es")
    answer = inbound(fake, "ALTO", phone=spanish)
    assert store.contacts.is_opted_out(spanish)
    assert said(answer) == expected("stopped", "es")
    assert "ya no le enviaremos SMS" in answer.text and "START" in answer.text
    stranger = inbound(fake, "STOPP", sid="SMin2", phone=UNKNOWN)
    assert store.contacts.is_opted_out(UNKNOWN)
    assert said(stranger) == expected("stopped", "en", clinic="Radiology Clinic")
    assert "no more SMS" in stranger.text


def test_stop_replaces_pending_safety_sms_by_email_and_leaves_the_rest_waiting(
    fake: FakeTwilio, world: tuple[Store, FixedClock, Any]
) -> None:
    store, _, _ = world
    inbound(fake, "STOP")
    escort = store.reminders.get(ESCORT)
    assert escort is not None and escort.state == ReminderState.SKIPPED
    assert escort.covered_by == "APT-1001:1:escort:-:email"
    day_before = store.reminders.get("APT-1001:1:day_before:-:sms")
    assert day_before is not None and day_before.state == ReminderState.SCHEDULED


def test_help_answers_with_the_clinics_name_and_phone(
    fake: FakeTwilio, world: tuple[Store, FixedClock, Any]
) -> None:
    answer = inbound(fake, "help")
    assert "Riverside Radiology" in answer.text and "+49 30 1234567" in answer.text
    assert "<Message>" in answer.text


def test_help_answers_in_the_language_of_the_patients_appointment(
    fake: FakeTwilio, world: tuple[Store, FixedClock, Any], epidural: Schedule
) -> None:
    store, _, _ = world
    german = said(inbound(fake, "HILFE"))
    assert german == expected("help", "de")
    assert german is not None and german.startswith("Riverside Radiology: Terminerinnerungen.")
    assert "Fragen: Tel. +49 30 1234567" in german and "STOP" in german
    spanish = said(inbound(fake, "help", sid="SMin2", phone=book_patient(store, epidural, "es")))
    assert spanish == expected("help", "es")
    assert spanish is not None and "recordatorios de citas" in spanish
    assert "Dudas: llame al +49 30 1234567" in spanish and "STOP" in spanish
    assert store.contacts.inbox() == []  # HELP is answered, not kept for staff


def test_help_from_an_unknown_number_answers_in_the_clinics_language_with_its_details(
    fake: FakeTwilio, world: tuple[Store, FixedClock, Any]
) -> None:
    answer = said(inbound(fake, "HELP", phone=UNKNOWN))
    # CLINIC_DEFAULT_LOCALE is not set: English, with the service's clinic name and phone.
    assert answer == expected("help", "en", clinic="Radiology Clinic")
    assert answer == (
        "Radiology Clinic: appointment reminders. Questions: call +1 555 0100. "
        "Reply STOP to stop SMS."
    )


@pytest.mark.parametrize("reply", ["1", "YES", "Ja", "sí"])
def test_a_reply_to_the_escort_reminder_is_recorded_once(
    fake: FakeTwilio, world: tuple[Store, FixedClock, Any], reply: str
) -> None:
    store, clock, run = world
    clock.set(ESCORT_DUE)
    assert run()[ESCORT] == "sent"
    answer = inbound(fake, reply)
    assert said(answer) == expected("thanks", "de")
    assert "Vielen Dank" in answer.text
    inbound(fake, reply)  # Twilio retried the webhook
    inbound(fake, reply, sid="SMin2")  # the patient answered twice
    (ack,) = store.contacts.acknowledgements("APT-1001")
    assert ack["kind"] == "escort" and ack["text"] == reply
    assert store.contacts.inbox() == []


@pytest.mark.parametrize("locale", sorted(YES_WORDS))
def test_the_escort_sms_asks_for_the_yes_word_of_its_language_which_is_recorded(
    fake: FakeTwilio, world: tuple[Store, FixedClock, Any], epidural: Schedule, locale: str
) -> None:
    store, clock, run = world
    phone = book_patient(store, epidural, locale)
    aid = f"APT-{locale}"
    clock.set(ESCORT_DUE)
    escort = f"{aid}:1:escort:-:sms"
    assert run()[escort] == "sent"
    message = fake.messages[sid_of(store, escort)]
    assert message["to"] == phone
    ask = message["body"].splitlines()[-1]
    word = YES_WORDS[locale]
    assert word in ask and "1" in ask
    answer = inbound(fake, word, phone=phone)
    assert said(answer) == expected("thanks", locale)
    (ack,) = store.contacts.acknowledgements(aid)
    assert ack["kind"] == "escort" and ack["text"] == word
    assert (
        store.contacts.acknowledgements("APT-1001") == []
    )  # the other patient's escort is still open
    assert store.contacts.inbox() == []


def test_anything_else_is_kept_for_staff(
    fake: FakeTwilio, world: tuple[Store, FixedClock, Any]
) -> None:
    store, _, _ = world
    answer = inbound(fake, "Can I bring my daughter?")
    assert "<Message>" not in answer.text
    inbound(fake, "Can I bring my daughter?")  # a webhook retry is not a second message
    (reply,) = store.contacts.inbox()
    assert reply["from"] == PHONE and reply["appointments"] == ["APT-1001"]
    assert reply["body"] == "Can I bring my daughter?"


def test_an_unknown_number_gets_help_in_the_clinics_default_language(
    monkeypatch: pytest.MonkeyPatch, fake: FakeTwilio
) -> None:
    monkeypatch.setenv("CLINIC_DEFAULT_LOCALE", "fr")
    rebuild()
    answer = said(inbound(fake, "HELP", phone=UNKNOWN))
    assert answer == expected("help", "fr", clinic="Radiology Clinic")
