"""Charts drawn on the server as SVG: no JavaScript, no library from a CDN. Each chart is an
``<svg role="img">`` with a title and a one-line description for screen readers; the page
shows the same figures as a table beside it (the table is the accessible form, the chart the
quick look). Every text that goes in is escaped.

Colours are the Okabe-Ito palette, which stays distinguishable with the common forms of colour
blindness; a series is also named in the legend, never by colour alone."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

PALETTE = ("#0072B2", "#E69F00", "#D55E00", "#009E73", "#CC79A7", "#56B4E9", "#F0E442")
WIDTH = 720
HEIGHT = 220
_LEFT, _RIGHT, _TOP, _BOTTOM = 48, 12, 16, 40


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]


def _ceiling(top: float) -> float:
    """A round axis maximum at or above ``top`` (1, 2, 5 times a power of ten), at least 4 so
    that the four grid lines of a chart of counts fall on whole numbers."""
    if top <= 4:
        return 4
    step = 1.0
    while step * 10 <= top:
        step *= 10
    for m in (1, 2, 5, 10):
        if top <= m * step:
            return m * step
    return 10 * step


def _number(v: float) -> str:
    return f"{v:.0f}" if float(v).is_integer() else f"{v:.1f}"


def bars(
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    stacked: bool = True,
    label_every: int = 5,
) -> str:
    """Vertical bars, one group per label (a day), the series stacked or side by side."""
    n = len(labels)
    if any(len(s.values) != n for s in series):
        raise ValueError("every series needs one value per label")
    plot_w, plot_h = WIDTH - _LEFT - _RIGHT, HEIGHT - _TOP - _BOTTOM
    if stacked:
        top = max((sum(s.values[i] for s in series) for i in range(n)), default=0)
    else:
        top = max((v for s in series for v in s.values), default=0)
    ceiling = _ceiling(top)
    slot = plot_w / max(n, 1)
    out = [_open(title, description)]
    for k in range(5):  # horizontal grid lines with their values
        value = ceiling * k / 4
        y = _TOP + plot_h - plot_h * k / 4
        out.append(
            f'<line x1="{_LEFT}" x2="{WIDTH - _RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            'stroke="#ccc" stroke-width="1"/>'
            f'<text x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">'
            f"{_number(value)}</text>"
        )
    for i, label in enumerate(labels):
        x0 = _LEFT + i * slot
        base = 0.0
        width = slot * 0.8 / (1 if stacked else max(len(series), 1))
        for j, s in enumerate(series):
            v = s.values[i]
            h = plot_h * v / ceiling
            x = x0 + slot * 0.1 + (0 if stacked else j * width)
            y = _TOP + plot_h - h - (plot_h * base / ceiling if stacked else 0)
            if v:
                out.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{h:.1f}" '
                    f'fill="{PALETTE[j % len(PALETTE)]}"><title>{escape(label)}: '
                    f"{escape(s.name)} {_number(v)}</title></rect>"
                )
            if stacked:
                base += v
        if i % label_every == 0 or i == n - 1:
            out.append(
                f'<text x="{x0 + slot / 2:.1f}" y="{HEIGHT - _BOTTOM + 16}" '
                f'text-anchor="middle" font-size="11">{escape(label)}</text>'
            )
    out.append(_legend(series))
    out.append("</svg>")
    return "".join(out)


def hbars(title: str, description: str, items: Sequence[tuple[str, float]]) -> str:
    """Horizontal bars, one per item (a language and its count), largest first as given."""
    row = 22
    height = _TOP + row * max(len(items), 1) + 8
    ceiling = _ceiling(max((v for _, v in items), default=0))
    plot_w = WIDTH - 140 - _RIGHT - 40
    out = [_open(title, description, height)]
    for i, (name, v) in enumerate(items):
        y = _TOP + i * row
        w = plot_w * v / ceiling
        out.append(
            f'<text x="132" y="{y + 15}" text-anchor="end" font-size="12">{escape(name)}</text>'
            f'<rect x="140" y="{y + 3}" width="{w:.1f}" height="{row - 6}" fill="{PALETTE[0]}"/>'
            f'<text x="{140 + w + 6:.1f}" y="{y + 15}" font-size="12">{_number(v)}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def _open(title: str, description: str, height: int = HEIGHT) -> str:
    ident = "c" + hashlib.sha256(f"{title}\0{description}".encode()).hexdigest()[:10]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" aria-labelledby="{ident}-t {ident}-d" font-family="sans-serif">'
        f'<title id="{ident}-t">{escape(title)}</title>'
        f'<desc id="{ident}-d">{escape(description)}</desc>'
    )


def _legend(series: Sequence[Series]) -> str:
    out = []
    x = _LEFT
    for j, s in enumerate(series):
        out.append(
            f'<rect x="{x}" y="{HEIGHT - 14}" width="10" height="10" '
            f'fill="{PALETTE[j % len(PALETTE)]}"/>'
            f'<text x="{x + 14}" y="{HEIGHT - 5}" font-size="11">{escape(s.name)}</text>'
        )
        x += 24 + 7 * len(s.name)
    return "".join(out)
