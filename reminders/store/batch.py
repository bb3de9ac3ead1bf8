"""Several reminders' transitions in one round trip: a delivery batch records the outcomes of the
sends that just ended and begins the next ones in one pipeline of the same Lua scripts a single
delivery uses (begin.lua, finish.lua), with the hour's figures and the counters added up.

The pipeline is not a transaction: each script stays atomic on its own, exactly as when it is
sent alone, so one reminder's answer (gone, cancelled, ...) never affects another's."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from reminders.model import Appointment
from reminders.store.pipeline import run as run_pipeline
from reminders.store.record import Patch, ReminderRecord
from reminders.store.reminders import Begun, finished
from reminders.store.stats import Ended

if TYPE_CHECKING:
    from reminders.store import Store


class Batch:
    def __init__(self, store: Store, appointments: dict[bytes, Appointment] | None = None) -> None:
        """``appointments``: decoded appointment documents, kept across the batch's round
        trips so that each is decoded once."""
        self.store = store
        self.pipe = store.r.pipeline(transaction=False)
        self.appointments = {} if appointments is None else appointments
        self.counts: Counter[str] = Counter()
        self.ended: list[Ended] = []
        self.succeeded: set[str] = set()
        self._answers: list[Any] = []
        self._parsers: list[tuple[int, Callable[[Any], Any]]] = []

    def begin(
        self, rid: str, token: str, now: datetime, lease_seconds: float, recheck: float
    ) -> int:
        """Queue ``begin_send``; ``result(i)`` is its Begun after ``execute``."""
        parse = self.store.reminders.queue_begin(
            self.pipe, rid, token, now, lease_seconds, recheck=recheck,
            appointments=self.appointments,
        )  # fmt: skip
        return self._queued(parse)

    def finish(
        self,
        rec: ReminderRecord,
        token: str,
        state: str,
        now: datetime,
        *,
        patch: Patch,
        event: str,
        retry_at: datetime | None = None,
        fallback: str | None = None,
        flag_why: str = "",
    ) -> int:
        """Queue ``finish``; ``result(i)`` is (still owned, state now) after ``execute``."""
        self.store.reminders.queue_finish(
            self.pipe, rec, token, state, now, patch=patch, event=event, retry_at=retry_at,
            fallback=fallback, flag_why=flag_why,
        )  # fmt: skip
        return self._queued(finished)

    def _queued(self, parse: Callable[[Any], Any]) -> int:
        self._parsers.append((len(self.pipe) - 1, parse))
        return len(self._parsers) - 1

    def __len__(self) -> int:
        return len(self._parsers)

    def execute(self, at: datetime) -> None:
        """One round trip: every queued script, then the figures and counters of the outcomes
        queued (``ended``, ``counts``) and the channels that succeeded, as of ``at``."""
        self.store.stats.add_outcomes(self.pipe, at, self.ended)
        self.store.ops.add_counts(self.pipe, self.counts)
        for channel in sorted(self.succeeded):
            self.store.ops.channel_succeeded(channel, at, pipe=self.pipe)
        if len(self.pipe) == 0:
            return
        self._answers = run_pipeline(self.store.r, self.pipe)

    def result(self, i: int) -> Any:
        """The answer of the i-th queued transition; an error Redis gave it is raised here."""
        at, parse = self._parsers[i]
        answer = self._answers[at]
        if isinstance(answer, Exception):
            raise answer
        return parse(answer)


__all__ = ["Batch", "Begun"]
