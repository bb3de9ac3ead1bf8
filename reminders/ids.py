"""A reminder's id: ``appointment:version:rule:medicine:channel``, deterministic, so booking the
same plan twice yields the same ids, and readable in logs and status callback URLs.

Inside the appointment's hash a reminder is the field ``r:version:rule:medicine:channel`` (the
id without the appointment, which the hash key already holds). The Lua scripts split ids the
same way (``store/lua/helpers.lua``, ``split_id``).
"""

from __future__ import annotations

from dataclasses import dataclass

NO_MEDICINE = "-"
FIELD_PREFIX = "r:"


@dataclass(frozen=True)
class ReminderId:
    appointment_id: str
    version: int
    rule: str
    medicine: int | None
    channel: str

    def __str__(self) -> str:
        med = NO_MEDICINE if self.medicine is None else str(self.medicine)
        return f"{self.appointment_id}:{self.version}:{self.rule}:{med}:{self.channel}"

    @classmethod
    def parse(cls, rid: str) -> ReminderId:
        """Raises ValueError for anything that is not one of our ids."""
        appointment_id, version, rule, med, channel = rid.split(":")
        return cls(
            appointment_id, int(version), rule, None if med == NO_MEDICINE else int(med), channel
        )

    @property
    def field(self) -> str:
        return field_for(str(self))

    def twin(self, channel: str) -> ReminderId:
        """The same reminder (appointment, version, rule, medicine) on another channel."""
        return ReminderId(self.appointment_id, self.version, self.rule, self.medicine, channel)


def field_for(rid: str) -> str:
    """The reminder's field in its appointment's hash."""
    return FIELD_PREFIX + rid.split(":", 1)[1]


def appointment_of(rid: str) -> str:
    return rid.split(":", 1)[0]
