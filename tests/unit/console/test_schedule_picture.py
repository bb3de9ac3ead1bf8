"""The schedule's picture (``timeline_svg``) and the rule form's values (``rule_form``)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from reminders.console import timeline_svg as svg
from reminders.console.rule_form import rule_form
from reminders.i18n import MESSAGE_KEYS
from reminders.schedule.registry import Registry

ZONE = ZoneInfo("Europe/Berlin")
NS = {"s": "http://www.w3.org/2000/svg"}


def drawn(label: str = "escort") -> ET.Element:
    start = datetime(2027, 3, 15, 11, 0, tzinfo=ZONE)
    out = svg.draw(
        "A <title>",
        "desc & more",
        start=start,
        end=datetime(2027, 3, 24, 13, 0, tzinfo=ZONE),
        zone=ZONE,
        lanes=[svg.Lane(label, "", time(8), time(20), own_window=False)],
        markers=[
            svg.Marker(0, datetime(2027, 3, 19, 10, 0, tzinfo=ZONE), "sms", "<b>", held=False),
            svg.Marker(0, datetime(2027, 3, 19, 10, 0, tzinfo=ZONE), "email", "x", held=True),
        ],
        events=[svg.Event(start, "Booking")],
        medicine=svg.Medicine("Apixaban", date(2027, 3, 20), date(2027, 3, 23), "p", "r"),
        legend=svg.Legend("SMS", "Email", "held", "quiet", "own"),
        day_label=lambda d: d.isoformat(),
    )
    return ET.fromstring(out)  # noqa: S314 - our own output


def test_markers_differ_by_shape_and_every_text_is_escaped() -> None:
    root = drawn("<script>")
    assert root.get("role") == "img"
    title = root.find("s:title", NS)
    assert title is not None and title.text == "A <title>"
    sms = root.find(".//s:circle[@class='marker sms']", NS)
    email = root.find(".//s:rect[@class='marker email held']", NS)
    assert sms is not None and email is not None
    assert email.get("fill") == "#fff"  # held: hollow
    assert not root.findall(".//s:script", NS)
    assert any(t.text == "<script>" for t in root.iter("{http://www.w3.org/2000/svg}text"))


def test_quiet_hours_are_shaded_on_every_day_of_the_axis() -> None:
    quiet = drawn().findall(".//s:rect[@class='quiet']", NS)
    # 15 March from 20:00, then before 08:00 and after 20:00 on 16-23 March, and 24 March's
    # morning: 1 + 2 * 8 + 1.
    assert len(quiet) == 18


def test_the_form_sends_only_what_the_person_changed() -> None:
    entry = Registry.build(None, MESSAGE_KEYS).entry("epidural_steroid_injection")
    form = rule_form(entry.text, "escort", MESSAGE_KEYS)
    assert "offset.at" in form.names and "offset.minutes" not in form.names
    current = form.current()
    assert current["enabled"] == "on" and current["channels"] == "sms,email"
    posted = {k: v for k, v in current.items() if k not in ("enabled", "safety", "channels")}
    boxes = {"enabled": "on", "safety": "on", "channel-sms": "on", "channel-email": "on"}
    assert form.changed({**posted, **boxes}) == {}
    assert form.changed({**posted, **boxes, "offset.at": "17:00"}) == {"offset.at": "17:00"}
    assert form.changed({**posted, "safety": "on", "channel-sms": "on"}) == {
        "enabled": "off",
        "channels": "sms",
    }
    elapsed = rule_form(entry.text, "after_procedure", MESSAGE_KEYS)
    assert "offset.minutes" in elapsed.names and elapsed.optional_choices == ("numbness_call",)
