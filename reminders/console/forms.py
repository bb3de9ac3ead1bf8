"""Form posts: the fields as text, and the problems the API's checks found, each put beside
the form field it names."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi import Depends, Request
from pydantic import ValidationError as SchemaError

from reminders.model import ValidationError


async def _fields(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


FORM = Depends(_fields)
_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def api_field(loc: tuple[int | str, ...]) -> str:
    """pydantic's location -> the API's field name (``medications[0].note``)."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def problems(exc: SchemaError | ValidationError, field_of: Callable[[str], str]) -> dict[str, str]:
    """Form field -> what is wrong with it, from either kind of check (the request schema's
    or the booking rules'); ``field_of`` maps the API's field name to the form's."""
    if isinstance(exc, ValidationError):
        return {field_of(exc.field): exc.message}
    out: dict[str, str] = {}
    for e in exc.errors():
        loc = tuple(p for p in e.get("loc", ()) if isinstance(p, int | str))
        out.setdefault(field_of(api_field(loc)), str(e.get("msg", "")))
    return out


def parts(field: str) -> list[str | int]:
    """``medications[2].note`` -> ["medications", 2, "note"]."""
    return [int(i) if i else n for n, i in _PART.findall(field)]
