"""The server-side SVG charts: well-formed, accessible (title, description, role), every text
escaped, bars as tall as their values."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from reminders.console import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output


def test_bars_are_an_accessible_image_with_one_rect_per_nonzero_value() -> None:
    svg = charts.bars(
        "Sent <per> day",
        "SMS & email",
        ["1 Mar", "2 Mar", "3 Mar"],
        [charts.Series("SMS", [2, 0, 4]), charts.Series("Email", [1, 1, 0])],
    )
    root = parse(svg)
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and title.text == "Sent <per> day"
    assert desc is not None and desc.text == "SMS & email"
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    bars = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert len(bars) == 4  # the zero values draw nothing
    heights = {r.find(f"{SVG}title").text: float(r.get("height", 0)) for r in bars}  # type: ignore[union-attr]
    # Stacked: day 3's 4 SMS reach the axis maximum (4); 1 email is a quarter of 4 SMS.
    assert heights["3 Mar: SMS 4"] == pytest.approx(4 * heights["2 Mar: Email 1"])


def test_texts_are_escaped() -> None:
    svg = charts.hbars("<script>", "x", [("<b>de</b>", 3)])
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "&lt;b&gt;de&lt;/b&gt;" in svg
    parse(svg)


def test_a_series_needs_a_value_per_label() -> None:
    with pytest.raises(ValueError, match="one value per label"):
        charts.bars("t", "d", ["a", "b"], [charts.Series("s", [1])])


@pytest.mark.parametrize(
    ("top", "ceiling"),
    [(0, 4), (0.4, 4), (3, 4), (5, 5), (7, 10), (11, 20), (250, 500), (1000, 1000)],
)
def test_the_axis_ends_on_a_round_number(top: float, ceiling: float) -> None:
    assert charts._ceiling(top) == ceiling


def test_empty_data_still_draws_a_valid_chart() -> None:
    parse(charts.bars("t", "d", [], []))
    parse(charts.hbars("t", "d", []))
