"""Editing a rule through the loader (issue 13, the console's Schedules page): a form's strings
applied to a schedule's TOML, checked by the same loader as the files, every error naming the
form's field; only the changed lines rewritten; the per-rule summary of what changed."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, time

import pytest

from reminders.i18n import MESSAGE_KEYS
from reminders.schedule import loads, plan
from reminders.schedule.changes import changes, unified
from reminders.schedule.edit import Edited, Rejected, edit_rule
from reminders.schedule.loader import DEFAULTS_DIR
from tests.factories import make_appointment

SHIPPED = (DEFAULTS_DIR / "epidural_steroid_injection.toml").read_text(encoding="utf-8")


def edited(rule: str | None, **fields: str) -> Edited:
    result = edit_rule(SHIPPED, rule, fields, known_messages=MESSAGE_KEYS)
    assert isinstance(result, Edited), result
    return result


def rejected(rule: str | None, fields: dict[str, str]) -> Rejected:
    result = edit_rule(SHIPPED, rule, fields, known_messages=MESSAGE_KEYS)
    assert isinstance(result, Rejected), result
    return result


def test_25_00_as_the_time_is_an_error_beside_the_time_field() -> None:
    (error,) = rejected("escort", {"offset.at": "25:00"}).errors
    assert error.field == "offset.at"
    assert error.path == "rules.escort.offset.at"
    assert error.message == "'25:00' is not a local time HH:MM"
    line = SHIPPED.splitlines()[error.line - 1] if error.line else ""
    assert line.startswith("offset = { days = -3, at = ")


@pytest.mark.parametrize(
    ("rule", "fields", "field"),
    [
        ("escort", {"offset.days": "three"}, "offset.days"),
        ("escort", {"offset.days": "-3", "offset.at": ""}, "offset"),  # days needs at
        ("after_procedure", {"offset.minutes": "15.5"}, "offset.minutes"),
        ("after_procedure", {"offset.hours": "soon"}, "offset.hours"),
        ("escort", {"offset.minutes": "30"}, "offset"),  # elapsed time and days + at
        ("escort", {"offset.at": "7:00"}, "offset.at"),
        ("escort", {"anchor": "lunch"}, "anchor"),
        ("escort", {"anchor": ""}, "anchor"),
        ("escort", {"anchor": "medication_pause"}, "per"),
        ("escort", {"window.start": "8"}, "window.start"),
        ("escort", {"window.end": "24:30"}, "window.end"),
        ("escort", {"window.start": "21:00"}, "window"),  # after the default end
        ("escort", {"window.outside": "sideways"}, "window.outside"),
        ("escort", {"window.colour": "red"}, "window.colour"),
        ("escort", {"channels": "pager"}, "channels"),
        ("escort", {"channels": "sms, sms"}, "channels"),
        ("escort", {"channels": ""}, "channels"),
        ("escort", {"late.policy": "maybe"}, "late.policy"),
        ("escort", {"late.policy": ""}, "late.policy"),
        ("escort", {"late.until.at": "24:00"}, "late.until.at"),
        ("escort", {"late.until.anchor": "tea_time"}, "late.until.anchor"),
        ("escort", {"late.until.days": "-1.5"}, "late.until.days"),
        ("escort", {"late.when": "now"}, "late.when"),
        ("medication_resume", {"not_before.minutes": "soon"}, "not_before.minutes"),
        ("medication_resume", {"not_before.anchor": "whenever"}, "not_before.anchor"),
        ("escort", {"when": "sometimes"}, "when"),
        ("escort", {"per": "patient"}, "per"),
        ("escort", {"message": "no_such_message"}, "message"),
        ("escort", {"sms_segments": "11"}, "sms_segments"),
        ("escort", {"sms_segments": "ten"}, "sms_segments"),
        ("escort", {"safety": "perhaps"}, "safety"),
        ("escort", {"enabled": "maybe"}, "enabled"),
        ("next_day", {"optional": "numbness_call"}, "optional"),  # after_procedure's sentence
        ("escort", {"colour": "red"}, "colour"),
        ("escort", {"key": "chaperone"}, "key"),
        (None, {"window.start": "25:00"}, "window.start"),
        (None, {"procedure": "knee_injection"}, "procedure"),
        ("escort", {"Offset.At": "10:00"}, "Offset.At"),
    ],
)
def test_every_editable_field_refuses_a_bad_value_naming_the_field(
    rule: str | None, fields: dict[str, str], field: str
) -> None:
    errors = rejected(rule, fields).errors
    assert [e.field for e in errors] == [field], errors
    assert errors[0].message


def test_every_wrong_field_of_one_form_is_named_at_once() -> None:
    errors = rejected(
        "escort",
        {"offset.at": "25:00", "channels": "pager", "late.policy": "never", "safety": "?"},
    ).errors
    assert {e.field for e in errors} == {"offset.at", "channels", "late.policy", "safety"}


def test_an_unknown_rule_is_named() -> None:
    (error,) = rejected("chaperone", {"offset.at": "10:00"}).errors
    assert error.field == "rule" and "chaperone" in error.message


def test_a_valid_edit_rewrites_only_its_line_and_keeps_every_comment() -> None:
    result = edited("escort", **{"offset.at": "17:00"})
    assert result.changed and result.layout_kept
    assert result.schedule.rule("escort").moment.offset.at == time(17, 0)
    diff = unified(SHIPPED, result.text, "v1", "v2")
    removed = [ln for ln in diff.splitlines() if ln.startswith("-") and not ln.startswith("---")]
    added = [ln for ln in diff.splitlines() if ln.startswith("+") and not ln.startswith("+++")]
    assert removed == ['-offset = { days = -3, at = "10:00" }']
    assert added == ['+offset = { days = -3, at = "17:00" }']
    assert [c for c in SHIPPED.splitlines() if c.startswith("#")] == [
        c for c in result.text.splitlines() if c.startswith("#")
    ]


def test_every_kind_of_field_takes_the_forms_strings() -> None:
    result = edited(
        "escort",
        **{
            "offset.days": "-2",
            "offset.at": "09:30",
            "channels": "sms",
            "window.start": "09:00",
            "window.end": "19:00",
            "window.outside": "earlier",
            "late.policy": "flag",
            "late.until.at": "",  # the until table loses two fields ...
            "late.until.days": "",
            "late.until.hours": "-30",  # ... and becomes elapsed time
            "sms_segments": "4",
            "safety": "off",
            "enabled": "on",
        },
    )
    rule = result.schedule.rule("escort")
    assert (rule.moment.offset.days, rule.moment.offset.at) == (-2, time(9, 30))
    assert rule.channels == ("sms",)
    assert (rule.window.start, rule.window.end, str(rule.window.outside)) == (
        time(9),
        time(19),
        "earlier",
    )
    assert str(rule.late) == "flag"
    assert rule.until is not None and rule.until.offset.minutes == -30 * 60
    assert (rule.sms_segments, rule.safety, rule.enabled) == (4, False, True)
    # What was saved is what the loader reads back, and the other rules are as they were.
    again = loads(result.text, "again", MESSAGE_KEYS)
    assert again.rules == result.schedule.rules
    shipped = loads(SHIPPED, "shipped", MESSAGE_KEYS)
    assert [r for r in again.rules if r.key != "escort"] == [
        r for r in shipped.rules if r.key != "escort"
    ]


def test_a_rule_switched_off_stays_in_the_file_and_plans_nothing() -> None:
    result = edited("escort", enabled="off")
    assert "enabled = false" in result.text
    rule = result.schedule.rule("escort")
    assert rule.enabled is False and rule.moment.offset.at == time(10, 0)
    now = datetime(2027, 3, 15, 10, tzinfo=UTC)
    planned = plan(make_appointment(), result.schedule, now)
    assert planned and "escort" not in {p.rule for p in planned}
    back_on = edit_rule(result.text, "escort", {"enabled": "on"}, known_messages=MESSAGE_KEYS)
    assert isinstance(back_on, Edited)
    assert "escort" in {p.rule for p in plan(make_appointment(), back_on.schedule, now)}


def test_the_schedules_own_fields_are_edited_with_rule_none() -> None:
    result = edited(None, name="Epidural (our clinic)", **{"window.start": "07:30"})
    assert result.schedule.name == "Epidural (our clinic)"
    # Every rule without a window of its own follows the new default.
    assert result.schedule.rule("escort").window.start == time(7, 30)
    assert result.schedule.rule("after_procedure").window.start == time(7, 0)


def test_an_edit_that_changes_nothing_says_so() -> None:
    result = edited("escort", **{"offset.at": "10:00"})
    assert not result.changed and result.text == SHIPPED


def test_a_value_spread_over_lines_makes_the_file_canonical_but_still_the_same_schedule() -> None:
    text = SHIPPED.replace(
        'key = "escort"\nmessage = "escort"\nanchor = "procedure_start"\n'
        'offset = { days = -3, at = "10:00" }\nchannels = ["sms", "email"]',
        'key = "escort"\nmessage = "escort"\nanchor = "procedure_start"\n'
        'offset = { days = -3, at = "10:00" }\nchannels = [\n  "sms",\n  "email",\n]',
    )
    assert text != SHIPPED
    result = edit_rule(text, "escort", {"channels": "sms"}, known_messages=MESSAGE_KEYS)
    assert isinstance(result, Edited) and not result.layout_kept
    assert result.text.startswith("# Written by the staff console")
    expected = tomllib.loads(text)
    expected["rules"][3]["channels"] = ["sms"]
    assert tomllib.loads(result.text) == expected


def test_text_values_are_written_so_that_toml_reads_them_back_exactly() -> None:
    name = 'Rücken "Spritze" \\ \t ünd 注射'
    result = edited(None, name=name)
    assert result.schedule.name == name.strip()


def test_the_summary_says_what_changed_per_rule_in_words() -> None:
    result = edited("escort", **{"offset.at": "17:00", "channels": "sms", "late.policy": "skip"})
    shipped = loads(SHIPPED, "shipped", MESSAGE_KEYS)
    said = [str(c) for c in changes(shipped, result.schedule)]
    assert said == [
        "escort: time 10:00 → 17:00",
        "escort: channels sms, email → sms",
        "escort: late policy send → skip",
    ]
    off = edit_rule(result.text, "escort", {"enabled": "off"}, known_messages=MESSAGE_KEYS)
    assert isinstance(off, Edited)
    assert [str(c) for c in changes(result.schedule, off.schedule)] == ["escort: enabled on → off"]
