"""The attention list for staff."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException

from reminders.api.auth import Caller, require
from reminders.api.deps import SERVICES
from reminders.api.schemas import HandledIn
from reminders.staff import attention
from reminders.wiring import Services

router = APIRouter(prefix="/attention", tags=["staff"])
staff = Depends(require("staff"))


@router.get("")
def attention_list(
    include_handled: bool = False, caller: Caller = staff, sv: Services = SERVICES
) -> list[dict[str, Any]]:
    now = sv.clock.now()
    return [i.as_json() for i in attention.items(sv.store, now, include_handled=include_handled)]


@router.post("/{item_id}/handled")
def handled(
    item_id: str, body: HandledIn, caller: Caller = staff, sv: Services = SERVICES
) -> dict[str, str]:
    now = sv.clock.now()
    known = {i.id for i in attention.items(sv.store, now, include_handled=True)}
    if item_id not in known:
        raise HTTPException(404, f"no attention item {item_id!r}")
    attention.mark_handled(sv.store, item_id, now, f"token …{caller.token_hint}", body.note)
    return {"id": item_id, "status": "handled"}
