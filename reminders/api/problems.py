"""The 422 answer: what was wrong with a request, one problem per field, and the two handlers
that build it (for the request schema's checks and for the domain's ``ValidationError``).

The bodies are built through the models below, so the OpenAPI document (which shows these
models) cannot drift from what is sent. FastAPI's own 422 schema would advertise pydantic's
``input``, ``ctx`` and ``url``, which are never sent: the submitted values may be a patient's
contact details."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from reminders.model import ValidationError

Part = Literal["body", "query", "path", "header", "cookie"]
_PARAMETERS: tuple[Part, ...] = ("query", "path", "header", "cookie")


def _first_is(*first: Part) -> AfterValidator:
    def check(loc: list[str | int]) -> list[str | int]:
        if not loc or loc[0] not in first:
            raise ValueError(f"must start with one of {list(first)}")
        return loc

    return AfterValidator(check)


def _loc(*first: Part) -> Any:
    return Field(
        min_length=1,
        json_schema_extra={"prefixItems": [{"enum": list(first)}]},
        description="where in the request (first), then the path to the field",
    )


# ``loc``: where in the request first, then the field's path (FastAPI's form).
BodyLoc = Annotated[list[str | int], _first_is("body"), _loc("body")]
ParameterLoc = Annotated[list[str | int], _first_is(*_PARAMETERS), _loc(*_PARAMETERS)]


class _Problem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    loc: list[str | int]  # narrowed by each kind below; declared here to come first
    field: str = Field(description="the field: a parameter's name, or e.g. medications[0].name")
    msg: str = Field(description="what is wrong with it (never the value sent)")
    type: str = Field(description="a short code for the kind of problem, e.g. int_parsing")


class BodyProblem(_Problem):
    """A problem in the request body, also named as an RFC 6901 JSON pointer."""

    loc: BodyLoc
    pointer: str = Field(examples=["/medications/0/name"])


class ParameterProblem(_Problem):
    """A problem with a query, path, header or cookie parameter (``field`` is its name)."""

    loc: ParameterLoc


class Invalid(BaseModel):
    """The request was refused: nothing was stored or changed."""

    detail: list[BodyProblem | ParameterProblem] = Field(min_length=1)


_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def problem(loc: list[str | int], msg: str, kind: str) -> BodyProblem | ParameterProblem:
    """One problem, named three ways: ``loc`` (FastAPI's, with where in the request first),
    ``field`` (``medications[0].name``) and, in a body, ``pointer`` (``/medications/0/name``)."""
    where, path = (str(loc[0]), loc[1:]) if loc else ("body", [])
    field = ""
    for part in path:
        field += f"[{part}]" if isinstance(part, int) else (f".{part}" if field else str(part))
    if where != "body":
        return ParameterProblem(loc=[where, *path], field=field, msg=msg, type=kind)
    pointer = "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)
    return BodyProblem(loc=[where, *path], field=field, msg=msg, type=kind, pointer=pointer)


def _answer(problems: list[BodyProblem | ParameterProblem]) -> JSONResponse:
    return JSONResponse(Invalid(detail=problems).model_dump(mode="json"), status_code=422)


async def invalid(request: Request, exc: Exception) -> JSONResponse:
    """A domain ``ValidationError``: its ``where`` (body, query, path) and dotted ``field``."""
    assert isinstance(exc, ValidationError)
    path: list[str | int] = [
        int(index) if index else name for name, index in _PART.findall(exc.field)
    ]
    return _answer([problem([exc.where, *path], exc.message, "value_error")])


async def invalid_request(request: Request, exc: Exception) -> JSONResponse:
    """The request schema's checks. Never echo the submitted values back (pydantic's "input",
    "ctx"): they may be a patient's contact details."""
    assert isinstance(exc, RequestValidationError)
    return _answer(
        [
            problem(list(e.get("loc", ())), str(e.get("msg", "")), str(e.get("type", "")))
            for e in exc.errors()
        ]
    )
