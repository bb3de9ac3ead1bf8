"""SIU over a real socket with real MLLP framing (issue 14): each ACK field by field, what each
event changes, repeats, malformed input, and the listener serving on after it."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from reminders.clock import FixedClock
from reminders.intake import apply as intake_apply
from reminders.intake import hl7_siu
from reminders.model import AppointmentStatus, ReminderState
from reminders.store import Snapshot
from tests.factories import AS_INTEGRATION
from tests.helpers import current, dump_store
from tests.integration.conftest import DeliverDue
from tests.integration.intake.conftest import EB, SB, Client, frame
from tests.integration.intake.siu import PID, fields, siu

Api = tuple[TestClient, FixedClock]


def snapshot(aid: str = "RIS-0042") -> Snapshot:
    snap = current().store.appointments.snapshot(aid)
    assert snap is not None
    return snap


def rules(aid: str = "RIS-0042", state: ReminderState | None = None) -> list[str]:
    """The rules of the current version's reminders (in ``state``, when given)."""
    snap = snapshot(aid)
    current_ = [r for r in snap.reminders if r.version == snap.version]
    return sorted(r.rule for r in current_ if state is None or r.state is state)


def test_a_new_booking_is_acknowledged_aa_after_it_is_stored(ris: Client) -> None:
    ack = ris.ask(siu())
    assert fields(ack) == {"type": "ACK", "event": "S12", "msa1": "AA", "msa2": "MSG0001"}
    msh = ack.segment("MSH")
    assert (str(msh(3)), str(msh(5)), str(msh(12))) == ("REMINDERS", "RIS", "2.5.1")
    appt = snapshot().appointment
    # The mobile (CP) over the landline, in E.164 with the mapping's region; the escaped '&'.
    assert appt.patient.phone == "+4915112345678"
    assert appt.patient.email == "maria@example.org"
    assert appt.patient.name == "Maria Rossi&Bianchi"
    assert (appt.patient.locale, appt.patient.timezone) == ("de", "Europe/Berlin")
    assert appt.procedure.type == "epidural_steroid_injection"
    assert appt.procedure.start == datetime(2027, 3, 28, 7, 0, tzinfo=UTC)
    assert appt.procedure.duration_minutes == 45
    assert appt.procedure.location.name == "Riverside Radiology, CT suite 1"
    assert "booking_confirmation" in rules()


def test_missing_optional_segments_and_a_start_without_offset(ris: Client) -> None:
    """No AIL (the clinic's own name and zone), no language, AIS without a duration (SCH-9/10),
    a start without an offset (a wall time in CLINIC_TIMEZONE)."""
    pid = "PID|1||4711||Rossi^Maria||||||||^PRN^CP^^49^151^12345678"
    ack = ris.ask(siu(start="202703280900", pid=pid, minutes="", ail=False))
    assert fields(ack)["msa1"] == "AA"
    appt = snapshot().appointment
    assert appt.procedure.start == datetime(2027, 3, 28, 7, 0, tzinfo=UTC)  # 09:00 in Berlin
    assert appt.procedure.duration_minutes == 30
    assert appt.procedure.location.name == current().settings.clinic.name
    assert appt.patient.phone == "+4915112345678" and appt.patient.email is None
    assert appt.patient.locale == current().settings.clinic.default_locale


def test_segments_ended_by_crlf_and_a_line_break_inside_a_value(ris: Client) -> None:
    message = siu(sep="\r\n").replace("Hauptstrasse 1^^Berlin", "Hauptstrasse 1\r\n^^Berlin")
    assert fields(ris.ask(message))["msa1"] == "AA"
    assert snapshot().appointment.patient.phone == "+4915112345678"


def test_two_messages_in_one_write_get_two_acks_in_order(ris: Client) -> None:
    second = siu(control_id="MSG0002", appointment="RIS-0043")
    ris.send_raw(frame(siu()) + frame(second))
    assert fields(ris.ack())["msa2"] == "MSG0001"
    assert fields(ris.ack())["msa2"] == "MSG0002"
    assert snapshot("RIS-0043").appointment.procedure.duration_minutes == 45


def test_a_frame_split_across_writes_is_read_whole(ris: Client) -> None:
    data = frame(siu())
    for i in range(0, len(data), 7):
        ris.send_raw(data[i : i + 7])
    assert fields(ris.ack()) == {"type": "ACK", "event": "S12", "msa1": "AA", "msa2": "MSG0001"}


def test_a_frame_without_its_end_block_is_rejected_and_the_next_one_taken(ris: Client) -> None:
    unfinished = SB + siu(control_id="MSG-CUT", appointment="RIS-0099").encode()
    ris.send_raw(unfinished + frame(siu()))
    first = fields(ris.ack())
    assert (first["msa1"], first["msa2"]) == ("AR", "MSG-CUT")
    assert fields(ris.ack())["msa1"] == "AA"
    assert current().store.appointments.snapshot("RIS-0099") is None


def test_a_repeated_control_id_gets_the_same_ack_and_changes_nothing(ris: Client) -> None:
    first = str(ris.ask(siu()))
    before = dump_store(current().store.r, current().store.prefix)
    # The same id again, even with another start: the sender repeats what it sent.
    again = str(ris.ask(siu(start="202703290900+0200")))
    assert again == first
    assert dump_store(current().store.r, current().store.prefix) == before


def test_a_crash_between_the_change_and_its_record_applies_the_same_booking_again(
    ris: Client,
) -> None:
    """The change is stored, then the process dies before the control id is recorded: the
    sender gets no ACK and sends the message again, which must change nothing."""
    msg = hl7_siu.parse(siu())
    hdr = hl7_siu.header(msg)
    change = hl7_siu.read(msg, hdr, current().mapping, current().settings.clinic).change
    assert intake_apply.apply(current(), change).what == "booked"
    before = dump_store(current().store.r, current().store.prefix)
    assert fields(ris.ask(siu()))["msa1"] == "AA"
    after = dump_store(current().store.r, current().store.prefix)
    recorded = [k for k in after if ":hl7:msg:" in k]
    assert len(recorded) == 1
    assert {k: v for k, v in after.items() if k not in recorded} == before


def test_s13_moves_the_appointment_and_sends_the_reschedule_notice(
    ris: Client, api: Api, deliver_due: DeliverDue
) -> None:
    _, clock = api
    ris.ask(siu())
    deliver_due(clock)  # the booking confirmation: the patient has heard from us
    ack = ris.ask(siu("S13", "MSG0002", start="202703300900+0200"))
    assert fields(ack) == {"type": "ACK", "event": "S13", "msa1": "AA", "msa2": "MSG0002"}
    snap = snapshot()
    assert snap.appointment.procedure.start == datetime(2027, 3, 30, 7, 0, tzinfo=UTC)
    assert "notice_reschedule" in rules(state=ReminderState.SCHEDULED)
    deliver_due(clock)
    sent = {(r.rule, r.channel) for r in snapshot().reminders if r.state is ReminderState.SENT}
    assert {("notice_reschedule", "sms"), ("notice_reschedule", "email")} <= sent


def test_s15_cancels_with_the_cancellation_notice(
    ris: Client, api: Api, deliver_due: DeliverDue
) -> None:
    ris.ask(siu())
    deliver_due(api[1])
    ack = ris.ask(siu("S15", "MSG0002"))
    assert fields(ack) == {"type": "ACK", "event": "S15", "msa1": "AA", "msa2": "MSG0002"}
    snap = snapshot()
    assert snap.appointment.status is AppointmentStatus.CANCELLED
    assert rules(state=ReminderState.SCHEDULED) == ["notice_cancellation", "notice_cancellation"]


def test_s17_deleted_tells_a_patient_who_was_told_like_s15(
    ris: Client, api: Api, deliver_due: DeliverDue
) -> None:
    ris.ask(siu())
    deliver_due(api[1])
    assert fields(ris.ask(siu("S17", "MSG0002")))["msa1"] == "AA"
    assert rules(state=ReminderState.SCHEDULED) == ["notice_cancellation", "notice_cancellation"]


def test_s26_no_show_cancels_the_rest_without_a_notice(
    ris: Client, api: Api, deliver_due: DeliverDue
) -> None:
    _, clock = api
    ris.ask(siu())
    deliver_due(clock)
    clock.set(datetime(2027, 3, 28, 8, 0, tzinfo=UTC))  # the hour after the missed start
    ack = ris.ask(siu("S26", "MSG0002"))
    assert fields(ack) == {"type": "ACK", "event": "S26", "msa1": "AA", "msa2": "MSG0002"}
    snap = snapshot()
    assert snap.appointment.status is AppointmentStatus.CANCELLED
    assert not [r for r in snap.reminders if r.state is ReminderState.SCHEDULED]


def test_a_cancel_of_an_unknown_appointment_is_accepted(ris: Client) -> None:
    ack = ris.ask(siu("S15", appointment="RIS-NEVER"))
    assert fields(ack)["msa1"] == "AA"
    assert "nothing to cancel" in str(ack.segment("MSA")(3))


def test_s14_edits_without_moving_and_keeps_the_doctors_instructions(ris: Client, api: Api) -> None:
    http, _ = api
    ris.ask(siu())
    meds = {
        "medications": [{"name": "Apixaban", "pause_from": "2027-03-25", "resume_on": "2027-03-29"}]
    }
    res = http.patch("/appointments/RIS-0042", json=meds, headers=AS_INTEGRATION)
    assert res.status_code == 200, res.text
    assert "medication_pause" in rules()  # added after an HL7 booking, and planned
    pid = PID.replace("maria@example.org", "maria.rossi@example.org")
    ack = ris.ask(siu("S14", "MSG0002", pid=pid, minutes="1|h"))
    assert fields(ack) == {"type": "ACK", "event": "S14", "msa1": "AA", "msa2": "MSG0002"}
    appt = snapshot().appointment
    assert appt.patient.email == "maria.rossi@example.org"
    assert appt.procedure.duration_minutes == 60
    assert [m.name for m in appt.medications] == ["Apixaban"]
    assert "medication_pause" in rules()


def test_a_booking_we_cannot_accept_is_ae_naming_segment_and_field(ris: Client) -> None:
    no_contact = "PID|1||4711||Rossi^Maria||||||||^WPN^FX^^^^^^^^^+4930999999"
    cases = [
        (siu(pid=no_contact), "PID^1^13", "101"),
        (siu(code="XR-CHEST^Chest X-ray^L"), "AIS^1^3", "103"),
        (siu(start="202001010900+0100"), "SCH^1^11", "102"),
        (siu(minutes="45|fortnights"), "AIS^1^8", "103"),
    ]
    for n, (message, where, code) in enumerate(cases):
        control_id = f"BAD{n}"
        ack = ris.ask(message.replace("MSG0001", control_id))
        assert fields(ack) == {
            "type": "ACK",
            "event": "S12",
            "msa1": "AE",
            "msa2": control_id,
            "err2": where,
            "err3": code,
        }, message
        assert str(ack.segment("ERR")(4)) == "E"
    assert current().store.appointments.snapshot("RIS-0042") is None
    assert fields(ris.ask(siu()))["msa1"] == "AA"  # and it goes on serving


def test_an_ae_is_evaluated_again_when_repeated(ris: Client) -> None:
    """Nothing was stored for it, so a repeat after the clinic fixed its mapping may pass."""
    assert fields(ris.ask(siu(start="202001010900+0100")))["msa1"] == "AE"
    assert fields(ris.ask(siu()))["msa1"] == "AA"


def test_what_we_do_not_take_is_ar_and_the_listener_keeps_serving(ris: Client) -> None:
    cases = [
        (siu(kind="ADT", event="A01"), "MSH^1^9", "200"),
        (siu(event="S99"), "MSH^1^9", "201"),
        (siu(version="2.2"), "MSH^1^12", "203"),
    ]
    for message, where, code in cases:
        f = fields(ris.ask(message))
        assert (f["msa1"], f["msa2"], f["err2"], f["err3"]) == ("AR", "MSG0001", where, code)
    garbage = fields(ris.ask("this is not HL7 at all"))
    assert (garbage["msa1"], garbage["msa2"], garbage["err2"]) == ("AR", "", "MSH^1^1")
    ris.send_raw(b"junk before a start block" + EB + b"\r")
    assert fields(ris.ack())["msa1"] == "AR"
    ris.send_raw(SB + b"\xff\xfe MSH|^~" + EB + b"\r")
    assert fields(ris.ack())["msa1"] == "AR"
    assert fields(ris.ask(siu()))["msa1"] == "AA"


def test_a_connection_dropped_mid_frame_leaves_the_listener_serving(
    ris: Client, listener: int
) -> None:
    cut = Client(listener)
    cut.send_raw(SB + siu(appointment="RIS-0099").encode()[:50])
    cut.close()
    assert fields(ris.ask(siu()))["msa1"] == "AA"
    assert current().store.appointments.snapshot("RIS-0099") is None


def test_a_booking_of_a_cancelled_appointment_reinstates_it_with_its_instructions(
    ris: Client, api: Api
) -> None:
    http, _ = api
    ris.ask(siu())
    meds = {
        "medications": [{"name": "Apixaban", "pause_from": "2027-03-25", "resume_on": "2027-03-29"}]
    }
    assert http.patch("/appointments/RIS-0042", json=meds, headers=AS_INTEGRATION).is_success
    ris.ask(siu("S15", "MSG0002"))
    assert fields(ris.ask(siu("S12", "MSG0003")))["msa1"] == "AA"
    appt = snapshot().appointment
    assert appt.status is AppointmentStatus.BOOKED
    assert [m.name for m in appt.medications] == ["Apixaban"]


def test_the_same_booking_sent_again_under_a_new_id_changes_nothing(ris: Client) -> None:
    ris.ask(siu())
    version = snapshot().version
    assert fields(ris.ask(siu("S14", "MSG0002")))["msa1"] == "AA"
    assert snapshot().version == version
