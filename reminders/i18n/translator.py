"""Look up and fill one string, refusing anything that would send a broken text."""

from __future__ import annotations

import gettext
import string
from typing import Any


class TranslationProblem(Exception):
    """This locale cannot render the message; the renderer falls back to the next one."""


class MissingTranslation(TranslationProblem):
    pass


class BrokenTranslation(TranslationProblem):
    pass


def placeholders(text: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as exc:
        raise BrokenTranslation(f"malformed braces: {exc}") from None


class Translator:
    """Wraps one locale's catalog. ``fmt`` and ``nfmt`` are also the extraction keywords
    (``fmt:1c,2`` and ``nfmt:1c,2,3``), so every call site is a catalog entry."""

    def __init__(self, locale: str, catalog: gettext.GNUTranslations | None) -> None:
        self.locale = locale
        self.catalog = catalog

    def fmt(self, context: str, msgid: str, **values: Any) -> str:
        text = self._lookup(context, msgid)
        return self._fill(context, msgid, text, values)

    def nfmt(self, context: str, singular: str, plural: str, n: int, **values: Any) -> str:
        if self.catalog is None:
            text = singular if n == 1 else plural
        else:
            key = f"{context}\x04{singular}"
            raw: dict[Any, str] = self.catalog._catalog  # type: ignore[attr-defined]
            if (key, 0) not in raw:
                raise MissingTranslation(f"[{context}] {singular!r} is not translated")
            text = self.catalog.npgettext(context, singular, plural, n)
        allowed = placeholders(singular) | placeholders(plural)
        return self._fill(context, singular, text, {"n": n, **values}, allowed, allowed - {"n"})

    def _lookup(self, context: str, msgid: str) -> str:
        if self.catalog is None:
            return msgid
        raw: dict[Any, str] = self.catalog._catalog  # type: ignore[attr-defined]
        text = raw.get(f"{context}\x04{msgid}")
        if not text:
            raise MissingTranslation(f"[{context}] {msgid!r} is not translated")
        return text

    def _fill(
        self,
        context: str,
        msgid: str,
        text: str,
        values: dict[str, Any],
        allowed: set[str] | None = None,
        required: set[str] | None = None,
    ) -> str:
        allowed = placeholders(msgid) if allowed is None else allowed
        required = allowed if required is None else required
        found = placeholders(text)
        if not required <= found <= allowed:
            missing = sorted(required - found)
            extra = sorted(found - allowed)
            raise BrokenTranslation(
                f"[{context}] {self.locale}: placeholders differ from the source"
                f" (missing {missing}, unknown {extra})"
            )
        try:
            return text.format(**values)
        except (KeyError, IndexError, ValueError, AttributeError) as exc:
            raise BrokenTranslation(f"[{context}] {self.locale}: cannot fill: {exc!r}") from None
