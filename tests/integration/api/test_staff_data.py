"""Personal data nobody could see or that was kept forever (issue 12, items 9 and 10): staff
read the replies kept for them, the opt-outs and the numbers marked unusable, and clear a
number marked unusable by mistake (who and why recorded); the retention purge leaves no phone
number, email address or name in any key; an inbound message's id is remembered for the
retention period. The HTTP app and Twilio's signed webhooks, against real Redis."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient
from twilio.request_validator import RequestValidator

from reminders.clock import FixedClock
from reminders.store import Store
from reminders.store.contacts import fingerprint
from tests.factories import AS_INTEGRATION, AS_STAFF, BOOKED_AT, appointment_data
from tests.fakes.twilio import AUTH_TOKEN, PUBLIC
from tests.helpers import current, rebuild

MARIA = "+4915112345678"
JAN = "+15005550001"  # the outbox refuses it: "not a valid phone number" (21211)
UNKNOWN = "+15550009999"
Api = tuple[TestClient, FixedClock]
Deliver = Callable[[FixedClock], list[str]]


@pytest.fixture
def api_env() -> dict[str, str]:
    return {"TWILIO_AUTH_TOKEN": AUTH_TOKEN, "PUBLIC_BASE_URL": PUBLIC}


def sms_in(http: TestClient, phone: str, body: str, sid: str) -> None:
    params = {"From": phone, "To": "+15005550006", "Body": body, "MessageSid": sid}
    signature = RequestValidator(AUTH_TOKEN).compute_signature(f"{PUBLIC}/twilio/inbound", params)
    res = http.post("/twilio/inbound", data=params, headers={"X-Twilio-Signature": signature})
    assert res.status_code == 200, res.text


def book_jan(http: TestClient) -> None:
    jan = appointment_data(external_id="APT-1002", medications=[])
    jan["patient"] = {
        "name": "Jan Kowalski",
        "timezone": "Europe/Warsaw",
        "locale": "pl",
        "phone": JAN,
        "email": "jan.kowalski@example.org",
    }
    assert http.post("/appointments", json=jan, headers=AS_INTEGRATION).status_code == 201


def clear(http: TestClient, body: dict[str, Any], headers: dict[str, str] = AS_STAFF) -> Any:
    return http.post("/unusable-numbers/clear", json=body, headers=headers)


# --- item 10: staff see and clear ---------------------------------------------------------------


def test_staff_read_replies_opt_outs_and_unusable_numbers(api: Api, deliver_due: Deliver) -> None:
    http, clock = api
    http.post("/appointments", json=appointment_data(), headers=AS_INTEGRATION)
    book_jan(http)
    deliver_due(clock)  # Jan's booking SMS: the number is refused and marked unusable
    sms_in(http, MARIA, "Can my son come in with me?", "SM1")
    sms_in(http, UNKNOWN, "who is this?", "SM2")
    sms_in(http, UNKNOWN, "STOP", "SM3")

    replies = http.get("/replies", headers=AS_STAFF).json()
    assert [(r["from"], r["body"], r["appointments"]) for r in replies] == [
        (UNKNOWN, "who is this?", []),
        (MARIA, "Can my son come in with me?", ["APT-1001"]),
    ]
    assert len(http.get("/replies", params={"limit": 1}, headers=AS_STAFF).json()) == 1

    opt_outs = http.get("/opt-outs", headers=AS_STAFF).json()
    assert [(n["phone"], n["source"], n["keyword"]) for n in opt_outs["numbers"]] == [
        (UNKNOWN, "inbound", "stop")
    ]
    assert opt_outs["kept_as_fingerprints"] == 0
    assert [(e["phone"], e["type"]) for e in opt_outs["log"]] == [(UNKNOWN, "opt_out")]

    (unusable,) = http.get("/unusable-numbers", headers=AS_STAFF).json()
    assert (unusable["phone"], unusable["code"]) == (JAN, "21211")
    assert "not a valid phone number" in unusable["reason"]

    for path in ("/replies", "/opt-outs", "/unusable-numbers", "/staff-audit"):
        assert http.get(path, headers=AS_INTEGRATION).status_code == 403
        assert http.get(path).status_code == 401


def test_clearing_a_number_marked_unusable_records_who_and_why_and_sms_is_tried_again(
    api: Api, deliver_due: Deliver
) -> None:
    http, clock = api
    book_jan(http)
    deliver_due(clock)
    store = current().store
    assert store.contacts.sms_block(JAN) is not None

    res = clear(http, {"phone": JAN, "reason": "  he confirmed the number by phone  "})
    assert res.status_code == 200, res.text
    entry = res.json()
    assert entry["by"] == "staff token …mnop"  # the role and the token's last characters
    assert entry["reason"] == "he confirmed the number by phone"
    assert (entry["phone"], entry["type"], entry["was"]["code"]) == (
        JAN,
        "sms_unusable_cleared",
        "21211",
    )
    assert store.contacts.sms_block(JAN) is None
    assert http.get("/unusable-numbers", headers=AS_STAFF).json() == []
    assert http.get("/staff-audit", headers=AS_STAFF).json() == [entry]
    events = http.get("/appointments/APT-1002", headers=AS_STAFF).json()["events"]
    cleared = [e for e in events if e["type"] == "sms_unusable_cleared"]
    assert [(e["by"], e["reason"]) for e in cleared] == [
        ("staff token …mnop", "he confirmed the number by phone")
    ]
    # Nothing to clear any more: 404, and nothing more is recorded.
    again = clear(http, {"phone": JAN, "reason": "again"})
    assert again.status_code == 404
    assert len(http.get("/staff-audit", headers=AS_STAFF).json()) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phone": JAN}, "reason"),
        ({"phone": JAN, "reason": "   "}, "reason"),
        ({"phone": JAN, "reason": "x" * 501}, "reason"),
        ({"phone": JAN, "reason": "ok\nmore"}, "reason"),
        ({"phone": "015005550001", "reason": "ok"}, "phone"),
        ({"phone": JAN, "reason": "ok", "by": "someone else"}, "by"),
    ],
)
def test_clearing_needs_a_reason_and_a_number_and_changes_nothing_otherwise(
    api: Api, deliver_due: Deliver, body: dict[str, Any], field: str
) -> None:
    http, clock = api
    book_jan(http)
    deliver_due(clock)
    res = clear(http, body)
    assert res.status_code == 422, res.text
    assert res.json()["detail"][0]["field"] == field
    assert JAN in current().store.contacts.unusable_numbers()
    assert http.get("/staff-audit", headers=AS_STAFF).json() == []


def test_only_staff_may_clear_a_number(api: Api, deliver_due: Deliver) -> None:
    http, clock = api
    book_jan(http)
    deliver_due(clock)
    assert clear(http, {"phone": JAN, "reason": "ok"}, AS_INTEGRATION).status_code == 403
    assert clear(http, {"phone": JAN, "reason": "ok"}, {}).status_code == 401
    assert JAN in current().store.contacts.unusable_numbers()


# --- inbound de-duplication ---------------------------------------------------------------------


def test_an_inbound_message_id_is_remembered_for_the_retention_period(
    api: Api, monkeypatch: pytest.MonkeyPatch, client: redis.Redis
) -> None:
    http, _ = api
    monkeypatch.setenv("REMINDERS_RETENTION_DAYS", "3")
    rebuild()
    sms_in(http, UNKNOWN, "hello?", "SMdedup")
    ttl = client.ttl(current().store.keys.inbound_seen("SMdedup"))
    assert 3 * 86400 - 60 < ttl <= 3 * 86400
    sms_in(http, UNKNOWN, "hello?", "SMdedup")  # Twilio's retry: not kept twice
    assert len(current().store.contacts.inbox()) == 1


# --- item 9: the retention purge leaves no personal data ----------------------------------------


def everything(client: redis.Redis, prefix: str) -> str:
    """Every key with the test's prefix: its name and its whole contents, as one text."""

    def t(value: bytes) -> str:
        return value.decode("utf-8", errors="replace")

    out = []
    for key in sorted(client.scan_iter(f"{prefix}:*", count=1000)):
        kind = t(client.type(key))
        if kind == "string":
            parts = [client.get(key) or b""]
        elif kind == "hash":
            parts = [x for kv in client.hgetall(key).items() for x in kv]
        elif kind == "list":
            parts = client.lrange(key, 0, -1)
        elif kind == "set":
            parts = list(client.smembers(key))
        elif kind == "zset":
            parts = client.zrange(key, 0, -1)
        else:
            raise AssertionError(f"{t(key)}: a {kind} this test cannot read")
        out.append(" | ".join([t(key), *map(t, parts)]))
    return "\n".join(out)


PERSONAL = [
    "4915112345678",  # Maria's number (and any form of it)
    "15112345678",
    "maria@example.org",
    "Maria",
    "Rossi",
    "Marco",  # named in her reply and the escort confirmation
    "5005550001",  # Jan's number
    "jan.kowalski",
    "Kowalski",
    "15550009999",  # an unknown number
    "Peter",
    "Apixaban",  # her medicine (health data)
    "half a dose",  # the doctor's note
]


def test_the_purge_leaves_no_phone_email_or_name_in_any_key(
    api: Api, deliver_due: Deliver, client: redis.Redis, prefix: str
) -> None:
    http, clock = api
    maria = appointment_data()
    maria["medications"][0]["note"] = "Maria, take half a dose."
    assert http.post("/appointments", json=maria, headers=AS_INTEGRATION).status_code == 201
    book_jan(http)
    deliver_due(clock)  # booking SMS and email: Jan's number is refused and marked unusable
    assert clear(http, {"phone": JAN, "reason": "Jan Kowalski says +15005550001 works"}).is_success
    for day in range(1, 16):
        clock.set(BOOKED_AT + timedelta(days=day, hours=12))
        deliver_due(clock)  # Jan's next SMS marks the number again
    store = current().store
    assert JAN in store.contacts.unusable_numbers()
    sms_in(http, MARIA, "JA", "SM1")  # the escort confirmation
    sms_in(http, MARIA, "Kann Marco mit reinkommen? Maria Rossi", "SM2")
    sms_in(http, MARIA, "STOP", "SM3")
    sms_in(http, UNKNOWN, "Hi, Peter here, who is this?", "SM4")
    sms_in(http, UNKNOWN, "STOP", "SM5")
    assert store.contacts.acknowledgements("APT-1001")
    items = http.get("/attention", headers=AS_STAFF).json()
    assert items, "Jan's failed SMS need a person"
    for item in items:
        note = {"note": "called Jan Kowalski on +15005550001 and maria@example.org"}
        assert http.post(f"/attention/{item['id']}/handled", json=note, headers=AS_STAFF).is_success
    before = everything(client, prefix)
    assert all(p in before for p in PERSONAL), [p for p in PERSONAL if p not in before]

    later = clock.now() + timedelta(days=31)
    assert sorted(current_purge(store, later)) == ["APT-1001", "APT-1002"]

    left = everything(client, prefix)
    assert [p for p in PERSONAL if p in left] == [], left
    # What stays: each appointment's audit trail, and the opt-outs, honoured for good.
    events = store.appointments.events("APT-1002")
    assert events[-1]["type"] == "purged"
    assert [e["by"] for e in events if e["type"] == "sms_unusable_cleared"] == ["staff token …mnop"]
    assert store.contacts.is_opted_out(MARIA) and store.contacts.is_opted_out(UNKNOWN)
    assert fingerprint(MARIA) in left
    opt_outs = http.get("/opt-outs", headers=AS_STAFF).json()
    assert (opt_outs["numbers"], opt_outs["kept_as_fingerprints"], opt_outs["log"]) == ([], 2, [])
    # Booked again, Maria still gets no SMS.
    clock.set(later + timedelta(hours=10))  # 10:00 in Berlin
    again = appointment_data(
        external_id="APT-1003",
        procedure__start=(later + timedelta(days=10)).isoformat(),
        medications=[],
    )
    assert http.post("/appointments", json=again, headers=AS_INTEGRATION).status_code == 201
    assert "sent" in deliver_due(clock)  # the booking email
    sent = [m["channel"] for m in store.outbox.messages() if m["reminder"].startswith("APT-1003")]
    assert sent == ["email"]


def current_purge(store: Store, now: Any) -> list[str]:
    from reminders.staff.retention import purge  # noqa: PLC0415

    return purge(store, now, days=current().settings.retention_days)


def test_nothing_is_purged_before_its_time(api: Api) -> None:
    http, _ = api
    http.post("/appointments", json=appointment_data(), headers=AS_INTEGRATION)
    sms_in(http, MARIA, "STOP", "SM1")
    sms_in(http, UNKNOWN, "who is this?", "SM2")
    store = current().store
    # 29 days on: the unknown number's reply is kept; Maria's appointment is still ahead.
    assert current_purge(store, BOOKED_AT + timedelta(days=29)) == []
    assert [r["from"] for r in store.contacts.inbox()] == [UNKNOWN]
    assert MARIA in store.contacts.opted_out_numbers()
    # 31 days on: the reply goes; Maria's opt-out (and its log) stays as it is while an
    # appointment names her number.
    assert current_purge(store, BOOKED_AT + timedelta(days=31)) == []
    assert store.contacts.inbox() == []
    assert MARIA in store.contacts.opted_out_numbers()
    assert [e["phone"] for e in store.contacts.opt_out_log()] == [MARIA]
