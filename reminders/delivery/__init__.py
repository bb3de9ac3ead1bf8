"""The life of a reminder after planning: a dispatch tick claims what is due (``dispatch``),
a worker delivers each claim (``deliver``, or a batch of them: ``batch``), the result is
decided in one place (``outcomes``, ``fallback`` when SMS cannot reach the patient), and the
provider's later status reports are applied (``callbacks``)."""

from reminders.delivery.batch import deliver_batch
from reminders.delivery.deliver import deliver
from reminders.delivery.dispatch import dispatch_if_due, dispatch_tick
from reminders.delivery.outcomes import DeliveryConfig

__all__ = ["DeliveryConfig", "deliver", "deliver_batch", "dispatch_if_due", "dispatch_tick"]
