"""Writing schedule TOML: one value as TOML text, and a whole schedule document in a canonical
order.

No TOML writer is in the lock (``tomllib`` only reads), and a schedule file needs only a small
part of TOML: strings, whole numbers, booleans, local times, arrays and inline tables, under a
top-level table and an array of ``[[rules]]`` tables. So this is a small, deterministic writer
for exactly that, rather than a new dependency. Edits (``edit.py``) rewrite only the lines they
change, so the clinicians' comments stay; the canonical document is the fallback for a layout
those line edits cannot keep (a value spread over several lines).
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time
from typing import Any

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}
CANONICAL_HEADER = (
    "# Written by the staff console in its canonical layout: the earlier layout (and its\n"
    "# comments) could not be kept. Earlier versions keep them: see the schedule's history.\n"
)


def key(name: str) -> str:
    if _BARE_KEY.fullmatch(name):
        return name
    return string(name)


def string(text: str) -> str:
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def value(v: Any) -> str:
    """``v`` (anything ``tomllib`` returns) as one line of TOML."""
    if isinstance(v, bool):  # before int: a bool is an int
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return string(v)
    if isinstance(v, datetime | date | time):
        return v.isoformat()
    if isinstance(v, list | tuple):
        return "[" + ", ".join(value(x) for x in v) + "]"
    if isinstance(v, dict):
        if not v:
            return "{}"
        return "{ " + ", ".join(f"{key(k)} = {value(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"cannot write {type(v).__name__} as TOML")


def document(doc: dict[str, Any]) -> str:
    """A whole schedule: the top-level fields in their order, then each ``[[rules]]`` table
    with its fields in their order (so the same document always gives the same text)."""
    lines = [CANONICAL_HEADER]
    for k, v in doc.items():
        if k != "rules":
            lines.append(f"{key(k)} = {value(v)}\n")
    for rule in doc.get("rules", []):
        lines.append("\n[[rules]]\n")
        lines.extend(f"{key(k)} = {value(v)}\n" for k, v in rule.items())
    return "".join(lines)
