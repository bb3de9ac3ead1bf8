"""The API tokens in use, re-read without a restart when they come from ``API_TOKENS_FILE``.

The file is looked at (its modification time, size and inode) at most once a second, and read
again when any of them changed or after a SIGHUP. Old and new tokens overlap: a token no longer
in the file keeps working for ``REMINDERS_TOKEN_GRACE`` seconds, so a token can be rolled by
adding the new one, moving the callers over, and removing the old one. A file that cannot be
read or parsed (or holds no token) keeps the tokens in use and logs an error naming
API_TOKENS_FILE and the entry, never a token."""

from __future__ import annotations

import logging
import signal
import threading
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from reminders.settings import ImproperlyConfigured, Settings, parse_api_tokens

log = logging.getLogger(__name__)

Token = tuple[str, bytes]
CHECK_EVERY = 1.0  # seconds between looks at the file

_ALL: weakref.WeakSet[ApiTokens] = weakref.WeakSet()
_installed = False


class ApiTokens:
    def __init__(
        self,
        initial: tuple[Token, ...],
        path: Path | None,
        grace: float,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self._active = initial
        self._retiring: dict[Token, float] = {}  # token -> when it stops working
        self._path = path
        self._grace = grace
        self._now = now
        self._lock = threading.Lock()
        self._stale = False
        self._checked = now()
        self._seen = self._stat()
        _ALL.add(self)

    @classmethod
    def from_settings(cls, settings: Settings) -> ApiTokens:
        return cls(settings.api_tokens, settings.api_tokens_file, settings.api.token_grace)

    def current(self) -> tuple[Token, ...]:
        """Every token accepted now: those in the file, and those leaving it within the grace."""
        now = self._now()
        if self._path is not None and (self._stale or now - self._checked >= CHECK_EVERY):
            self._check(now)
        return self._active + tuple(t for t, until in self._retiring.items() if until > now)

    def reload_soon(self) -> None:
        """Read the file again at the next request (SIGHUP)."""
        self._stale = True

    def _stat(self) -> tuple[int, int, int] | None:
        if self._path is None:
            return None
        try:
            st = self._path.stat()
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def _check(self, now: float) -> None:
        with self._lock:
            self._checked = now
            seen = self._stat()
            if not self._stale and seen == self._seen:
                return
            self._stale = False
            self._seen = seen
            assert self._path is not None
            try:
                new = parse_api_tokens(
                    self._path.read_text(encoding="utf-8").strip(), "API_TOKENS_FILE"
                )
            except OSError as exc:
                log.error(
                    "API_TOKENS_FILE: cannot read %s (%s); keeping the tokens in use",
                    self._path,
                    exc.strerror,
                )
                return
            except ImproperlyConfigured as exc:
                log.error("%s; keeping the tokens in use", exc)
                return
            if not new:
                log.error("API_TOKENS_FILE: no tokens in %s; keeping the tokens in use", self._path)
                return
            for token in self._active:
                if token not in new:
                    self._retiring[token] = now + self._grace
            for token in new:
                self._retiring.pop(token, None)
            self._retiring = {t: u for t, u in self._retiring.items() if u > now}
            self._active = new
            log.info(
                "API_TOKENS_FILE re-read: %d tokens, %d more leaving within %g s",
                len(new),
                len(self._retiring),
                self._grace,
            )


def _on_sighup(signum: int, frame: FrameType | None) -> None:
    for tokens in list(_ALL):
        tokens.reload_soon()


def install_sighup() -> None:
    """SIGHUP makes every ApiTokens read its file again (from the main thread only)."""
    global _installed  # noqa: PLW0603
    if _installed or threading.current_thread() is not threading.main_thread():
        return
    if not hasattr(signal, "SIGHUP"):
        return
    signal.signal(signal.SIGHUP, _on_sighup)
    _installed = True
