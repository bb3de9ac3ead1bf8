"""Reading SIU messages without a socket or a store: escapes, telecoms, times, durations, the
positions named, and the ACK's shape per version."""

from __future__ import annotations

from datetime import UTC, datetime

import hl7
import pytest

from reminders.intake import ack, hl7_siu
from reminders.intake.apply import Book, Cancel
from reminders.intake.mapping import Mapping, Place
from reminders.settings import Clinic
from tests.integration.intake.siu import siu

CLINIC = Clinic("Clinic", "+49 30 0", "Street 1", "c@example.org", "en", "Europe/Berlin")
MAPPING = Mapping(
    default_region="DE",
    procedures={"CT-LESI": "epidural_steroid_injection"},
    locations={"CT1": Place("CT 1", "Street 2", "+49 30 2", "Europe/Berlin")},
)


def read(message: str) -> hl7_siu.Read:
    msg = hl7_siu.parse(message)
    return hl7_siu.read(msg, hl7_siu.header(msg), MAPPING, CLINIC)


def booking(message: str) -> dict[str, object]:
    change = read(message).change
    assert isinstance(change, Book)
    return change.data


def test_escapes_are_decoded() -> None:
    pid = "PID|1||1||O\\S\\Brien\\F\\x\\T\\y\\R\\z\\E\\^Ann||||||||^PRN^CP^^^^^^^^^+4915112345678"
    assert booking(siu(pid=pid))["patient"]["name"] == "Ann O^Brien|x&y~z\\"  # type: ignore[index]


@pytest.mark.parametrize(
    ("telecom", "phone", "email"),
    [
        ("030 1234567^PRN^PH~0151 12345678^ORN^CP", "+4915112345678", None),
        ("030 1234567^PRN^PH", "+49301234567", None),
        ("^WPN^CP^^^^^^^^^+4915112345678", "+4915112345678", None),  # type CP, whatever the use
        ("^NET^X.400^a@example.org~not a number^PRN^PH", None, "a@example.org"),
        (
            "(0151) 1234-5678^PRN^CP~^NET^Internet^not-an-address~^NET^Internet^b@example.org",
            "+4915112345678",
            "b@example.org",
        ),
    ],
)
def test_telecoms(telecom: str, phone: str | None, email: str | None) -> None:
    patient = booking(siu(pid=f"PID|1||1||Rossi^Maria||||||||{telecom}"))["patient"]
    assert (patient["phone"], patient["email"]) == (phone, email)  # type: ignore[index]


def test_no_usable_telecom_names_pid_13() -> None:
    with pytest.raises(hl7_siu.Problem) as caught:
        read(siu(pid="PID|1||1||Rossi^Maria||||||||^WPN^FX^^^^^^^^^+4930999"))
    assert (caught.value.ack, caught.value.where, caught.value.code) == ("AE", "PID^1^13", 101)


@pytest.mark.parametrize(
    ("start", "utc"),
    [
        ("202703280900+0200", datetime(2027, 3, 28, 7, 0, tzinfo=UTC)),
        ("20270328090000.0000-0500", datetime(2027, 3, 28, 14, 0, tzinfo=UTC)),
        ("202701150900", datetime(2027, 1, 15, 8, 0, tzinfo=UTC)),  # Berlin in winter
    ],
)
def test_start_times(start: str, utc: datetime) -> None:
    got = booking(siu(start=start))["procedure"]["start"]  # type: ignore[index]
    assert datetime.fromisoformat(got) == utc


def test_a_start_that_is_only_a_day_is_refused_where_it_was_read() -> None:
    with pytest.raises(hl7_siu.Problem) as caught:
        read(siu(start="20270328"))
    assert (caught.value.where, caught.value.code) == ("SCH^1^11", 102)


@pytest.mark.parametrize(("given", "minutes"), [("45|min", 45), ("1.5|h", 90), ("", 30)])
def test_durations(given: str, minutes: int) -> None:
    assert booking(siu(minutes=given))["procedure"]["duration_minutes"] == minutes  # type: ignore[index]


def test_cancel_events() -> None:
    for event, notify in (("S15", True), ("S17", True), ("S26", False)):
        change = read(siu(event)).change
        assert isinstance(change, Cancel)
        assert (change.external_id, change.notify) == ("RIS-0042", notify)


def test_a_v23_ack_carries_its_error_in_err_1() -> None:
    msg = hl7.parse(siu(version="2.3").replace("\r", "\r"))
    problem = hl7_siu.Problem("AE", "PID^1^13", 101, "no phone")
    text = ack.build(msg, "AE", "MSG0001", problem)
    err = hl7.parse(text).segment("ERR")
    assert str(err(1)) == "PID^1^13^101&Required field missing&HL70357"
    assert "MSA|AE|MSG0001|no phone" in text
