"""The attention list for staff."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException

from reminders import attention, runtime
from reminders.api.auth import Caller, require
from reminders.api.schemas import HandledIn

router = APIRouter(prefix="/attention", tags=["staff"])
staff = Depends(require("staff"))


@router.get("")
def attention_list(include_handled: bool = False, caller: Caller = staff) -> list[dict[str, Any]]:
    now = runtime.clock().now()
    return [
        i.as_json() for i in attention.items(runtime.store(), now, include_handled=include_handled)
    ]


@router.post("/{item_id}/handled")
def handled(item_id: str, body: HandledIn, caller: Caller = staff) -> dict[str, str]:
    now = runtime.clock().now()
    known = {i.id for i in attention.items(runtime.store(), now, include_handled=True)}
    if item_id not in known:
        raise HTTPException(404, f"no attention item {item_id!r}")
    attention.mark_handled(runtime.store(), item_id, now, f"token …{caller.token_hint}", body.note)
    return {"id": item_id, "status": "handled"}
