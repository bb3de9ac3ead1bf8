"""Page 6, the overview: the last 30 days' figures from real deliveries, as charts and as a
table, in the person's language; no patient data on it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable

from fastapi.testclient import TestClient

from reminders.clock import FixedClock

Make = Callable[..., object]


def test_the_overview_draws_the_last_30_days_of_real_sends(
    api: tuple[TestClient, FixedClock],
    staff: TestClient,
    booked: str,
    deliver_due: Callable[[FixedClock], list[str]],
) -> None:
    _, clock = api
    assert deliver_due(clock) == ["sent", "sent"]
    page = staff.get("/console/overview")
    assert page.status_code == 200
    html = page.text
    assert 'aria-current="page">Overview<' in html  # in the navigation, marked current
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" role="img"') == 6
    for figure in html.split("<figure>")[1:]:
        svg = "<svg" + figure.split("<svg", 1)[1].split("</figure>")[0]
        ET.fromstring(svg)  # noqa: S314 - each chart is well-formed
    assert "2 messages sent" in html and "0 failed" in html
    rows = html.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
    assert len(rows) == 30
    # Today (15 March) first: one SMS, one email, both in German.
    assert "<td>1</td>\n    <td>1</td>" in rows[0] and "de 2" in rows[0]
    assert "Maria" not in html and "+4915112345678" not in html  # no patient data


def test_the_overview_speaks_german_and_needs_a_login(
    app_http: TestClient, make_account: Make
) -> None:
    from tests.integration.console.conftest import log_in  # noqa: PLC0415

    assert app_http.get("/console/overview", follow_redirects=False).status_code == 303
    make_account("bernd", "staff", "de")
    log_in(app_http, "bernd")
    html = app_http.get("/console/overview").text
    assert "Übersicht: die letzten 30 Tage" in html and "Gesendet pro Tag" in html
    # Nothing sent yet: five charts, no languages chart, and a sentence saying why.
    assert html.count('role="img"') == 5
    assert "In diesen 30 Tagen wurden keine Nachrichten gesendet." in html
