"""What staff read and act on (staff token): the attention list; the replies kept for them;
opt-outs; numbers SMS is not tried for, and clearing one marked unusable by mistake (who and
why are recorded in the staff audit and each appointment's audit trail)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field, StrictStr

from reminders.api.auth import Caller, require
from reminders.api.deps import SERVICES
from reminders.api.responses import BODY_LIMITS, WRONG_ROLE, invalid, not_found
from reminders.api.schemas import HandledIn, OneLine
from reminders.staff import attention
from reminders.wiring import Services

router = APIRouter(tags=["staff"], responses=WRONG_ROLE)  # every route needs the staff role
staff = Depends(require("staff"))
Limit = Annotated[int, Query(ge=1, le=1000, description="newest first, at most this many")]


class ClearUnusableIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    phone: StrictStr = Field(pattern=r"^\+[1-9][0-9]{6,14}$", examples=["+4915112345678"])
    reason: Annotated[OneLine, Field(min_length=1, max_length=500)] = Field(
        description="why the mark is wrong (required; kept in the audit)",
        examples=["the patient confirmed the number by phone; it receives SMS"],
    )


def _who(caller: Caller) -> str:
    return f"{caller.role} token …{caller.token_hint}"


@router.get("/attention", responses=invalid())
def attention_list(
    include_handled: bool = False, caller: Caller = staff, sv: Services = SERVICES
) -> list[dict[str, Any]]:
    now = sv.clock.now()
    return [i.as_json() for i in attention.items(sv.store, now, include_handled=include_handled)]


@router.post(
    "/attention/{item_id}/handled",
    responses={
        **invalid(),
        **BODY_LIMITS,
        **not_found("no attention item with this id", "no attention item 'a1b2'"),
    },
)
def handled(
    item_id: str, body: HandledIn, caller: Caller = staff, sv: Services = SERVICES
) -> dict[str, str]:
    now = sv.clock.now()
    known = {i.id for i in attention.items(sv.store, now, include_handled=True)}
    if item_id not in known:
        raise HTTPException(404, f"no attention item {item_id!r}")
    attention.mark_handled(sv.store, item_id, now, f"token …{caller.token_hint}", body.note)
    return {"id": item_id, "status": "handled"}


@router.get("/replies", responses=invalid())
def replies(
    limit: Limit = 100, caller: Caller = staff, sv: Services = SERVICES
) -> list[dict[str, Any]]:
    """Patients' SMS the service did not act on (not STOP, START, HELP or a confirmation), and
    anything from unknown numbers: ``at``, ``from``, ``body`` and the ``appointments`` of that
    number. Kept until the retention purge."""
    return sv.store.contacts.inbox(limit)


@router.get("/opt-outs", responses=invalid())
def opt_outs(limit: Limit = 100, caller: Caller = staff, sv: Services = SERVICES) -> dict[str, Any]:
    """Numbers that get no SMS because the patient opted out (``source``: ``inbound`` STOP or
    the provider's ``21610``), the opt-outs still honoured whose number retention has
    forgotten, and the log of opt-outs and opt-ins. Only the patient can undo an opt-out
    (START)."""
    c = sv.store.contacts
    numbers = [{"phone": p, **e} for p, e in c.opted_out_numbers().items()]
    return {
        "numbers": sorted(numbers, key=lambda e: str(e.get("at", "")), reverse=True),
        "kept_as_fingerprints": c.opt_outs_kept_as_fingerprints(),
        "log": c.opt_out_log(limit),
    }


@router.get("/unusable-numbers")
def unusable_numbers(caller: Caller = staff, sv: Services = SERVICES) -> list[dict[str, Any]]:
    """Numbers SMS is not tried for (invalid, a landline, ...): when, the provider's code and
    reason."""
    numbers = [{"phone": p, **e} for p, e in sv.store.contacts.unusable_numbers().items()]
    return sorted(numbers, key=lambda e: str(e.get("at", "")), reverse=True)


@router.post(
    "/unusable-numbers/clear",
    responses={
        **invalid(),
        **BODY_LIMITS,
        **not_found("the number is not marked unusable", "that number is not marked unusable"),
    },
)
def clear_unusable(
    body: ClearUnusableIn, caller: Caller = staff, sv: Services = SERVICES
) -> dict[str, Any]:
    """The number was marked unusable by mistake: SMS is tried again for its reminders still
    pending and for later ones (reminders that already failed stay as they ended). Who did it
    and why are recorded in the staff audit and in each of the number's appointments' audit
    trail."""
    entry = sv.store.contacts.clear_unusable(body.phone, sv.clock.now(), _who(caller), body.reason)
    if entry is None:
        raise HTTPException(404, "that number is not marked unusable")
    return entry


@router.get("/staff-audit", responses=invalid())
def staff_audit(
    limit: Limit = 100, caller: Caller = staff, sv: Services = SERVICES
) -> list[dict[str, Any]]:
    """What staff changed about numbers: ``at``, ``type``, ``phone``, ``by`` (the token's role
    and last characters), ``reason`` and what was changed (``was``). Kept until the retention
    purge."""
    return sv.store.contacts.staff_audit(limit)
