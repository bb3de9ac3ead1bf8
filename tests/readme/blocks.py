"""The README's fenced blocks and the markers that say what the README check does with them.

A marker is an HTML comment (GitHub shows nothing) on the line before the opening fence:

- ``<!-- runnable -->``: run the block as written;
- ``<!-- runnable: with the API -->``: run it while ``reminders serve`` listens on port 8000;
- ``<!-- not runnable: <why> -->``: a command a test cannot run (Docker, root, a terminal);
- ``<!-- file: <path> -->``: write the block's text to that path of the checkout.

Every shell block (sh, bash, shell, console) needs one of the first three."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

SHELL = {"sh", "bash", "shell", "console", "zsh"}
FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([\w+-]*)")
MARKER = re.compile(r"^<!--\s*(.*?)\s*-->$")
RUNNABLE, WITH_API, NOT_RUNNABLE, FILE = "runnable", "with the API", "not runnable", "file"


@dataclass(frozen=True)
class Block:
    line: int  # of the opening fence, 1-based
    lang: str
    code: str
    heading: str  # the section it is in
    marker: str | None  # the comment's text, None without one
    kind: str | None  # RUNNABLE, WITH_API, NOT_RUNNABLE, FILE, or None (no or unknown marker)
    argument: str  # the reason of NOT_RUNNABLE, the path of FILE

    @property
    def shell(self) -> bool:
        return self.lang in SHELL

    @property
    def runs(self) -> bool:
        return self.kind in (RUNNABLE, WITH_API)

    @property
    def name(self) -> str:
        return f"README.md:{self.line} ({self.heading})"


def classify(marker: str | None) -> tuple[str | None, str]:
    if marker is None:
        return None, ""
    if marker == "runnable":
        return RUNNABLE, ""
    if marker == "runnable: with the API":
        return WITH_API, ""
    for kind in (NOT_RUNNABLE, FILE):
        if marker.startswith(f"{kind}:") and marker[len(kind) + 1 :].strip():
            return kind, marker[len(kind) + 1 :].strip()
    return None, ""  # unknown or malformed: the check names it


def parse(path: Path) -> list[Block]:
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    heading, i = "", 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        opened = FENCE.match(line)
        if not opened:
            i += 1
            continue
        indent, fence, lang = opened.groups()
        end = i + 1
        while end < len(lines) and not lines[end].strip().startswith(fence):
            end += 1
        code = "\n".join(text.removeprefix(indent) for text in lines[i + 1 : end]) + "\n"
        before = next((lines[j].strip() for j in range(i - 1, -1, -1) if lines[j].strip()), "")
        found = MARKER.match(before)
        marker = found.group(1) if found else None
        kind, argument = classify(marker)
        blocks.append(Block(i + 1, lang.lower(), code, heading, marker, kind, argument))
        i = end + 1
    return blocks
