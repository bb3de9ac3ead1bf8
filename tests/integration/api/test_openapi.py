"""The OpenAPI document against the real app (issue 12, item 11).

Every answer the app gives is provoked here (no token, the wrong role, unknown ids, a conflict,
bodies too large, too slow or with a bad Content-Length, bad queries and bodies, rate limits,
real work, signed webhooks) and must be listed for its operation, with a body that validates
against the documented schema and the documented headers; and every answer the document lists
must have been provoked, bar the 422s FastAPI lists for parameters that cannot fail. Also: the
bearer scheme is on exactly the operations the guard asks a token for; a 422 names a query or
path parameter as such; /docs and /redoc load nothing from another host."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from twilio.request_validator import RequestValidator

from reminders.api.ratelimit import RateLimits
from reminders.clock import FixedClock
from reminders.model import ValidationError
from tests.factories import AS_INTEGRATION, AS_STAFF, BOOKED_AT, appointment_data
from tests.fakes.twilio import AUTH_TOKEN, PUBLIC
from tests.helpers import current
from tests.integration.api.test_schedule_versions import provoke_every_answer
from tests.integration.intake.test_fhir import provoke_every_answer as provoke_fhir

Api = tuple[TestClient, FixedClock]
MAX_BODY = 4096
MARIA = "+4915112345678"
SIGNED_BY_NOBODY = {"X-Twilio-Signature": "not-a-signature"}
# Values for the required query parameters, so that one bad parameter is the only problem.
QUERY = {"procedure_at": "2027-03-28T09:00", "tz": "Europe/Berlin"}
PREVIEW = "/schedules/epidural_steroid_injection/preview"
# FastAPI lists a 422 for every operation with parameters; these have none that can fail (a
# path segment as text, a header the guard has already required).
UNREACHABLE = {
    ("GET", "/appointments/{external_id}", "422"),
    ("POST", "/twilio/status/{rid}", "422"),
    ("POST", "/twilio/inbound", "422"),
}


@pytest.fixture
def api_env() -> dict[str, str]:
    return {
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "PUBLIC_BASE_URL": PUBLIC,
        "REMINDERS_MAX_BODY_BYTES": str(MAX_BODY),
        "REMINDERS_BODY_TIMEOUT": "0.2",
    }


class Answers:
    """The served document, and every answer seen, each checked against it as it comes."""

    def __init__(self, http: TestClient) -> None:
        self.http = http
        self.doc: dict[str, Any] = http.get("/openapi.json").json()
        self.seen: set[tuple[str, str, str]] = set()

    def operations(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        for template, ops in self.doc["paths"].items():
            for method, op in ops.items():
                yield method.upper(), template, op

    def documented(self) -> set[tuple[str, str, str]]:
        return {(m, t, status) for m, t, op in self.operations() for status in op["responses"]}

    def concrete(self, method: str, template: str) -> str:
        """``template`` with a well-formed value no resource has for each path parameter."""
        op = self.doc["paths"][template][method.lower()]
        kinds = {p["name"]: p["schema"].get("type") for p in op.get("parameters", [])}
        return re.sub(
            r"\{([^}]+)\}",
            lambda m: "999999" if kinds.get(m.group(1)) == "integer" else "NOPE-404",
            template,
        )

    def call(self, method: str, template: str, path: str | None = None, **kw: Any) -> Any:
        res = self.http.request(method, path or self.concrete(method, template), **kw)
        self.check(method, template, res.status_code, dict(res.headers), res.content)
        return res

    def check(
        self, method: str, template: str, status: int, headers: dict[str, str], body: bytes
    ) -> None:
        where = f"{method} {template} -> {status}"
        op = self.doc["paths"][template][method.lower()]
        documented = op["responses"].get(str(status))
        assert documented is not None, f"{where} is not documented: {body[:300]!r}"
        self.seen.add((method, template, str(status)))
        headers = {k.lower(): v for k, v in headers.items()}
        for name in documented.get("headers", {}):
            assert name.lower() in headers, f"{where}: no {name} header"
        content = documented.get("content", {})
        if not content:
            assert body == b"", f"{where}: a body the document does not describe"
            return
        media = headers.get("content-type", "").split(";")[0]
        assert media in content, f"{where}: {media}, documented {list(content)}"
        schema = content[media].get("schema")
        if media == "application/json":
            assert schema, f"{where}: no schema"
            root = {**schema, "components": self.doc["components"]}
            errors = [
                str(e)
                for e in jsonschema_rs.Draft202012Validator(root).iter_errors(json.loads(body))
            ]
            assert not errors, f"{where}: {errors} in {body[:300]!r}"

    def raw(self, method: str, template: str, headers: dict[str, str], stall: bool) -> int:
        """One request straight into the ASGI app: ``stall`` sends a first chunk of the body and
        then nothing (the guard's body timeout ends it)."""
        out: dict[str, Any] = {"body": b"", "headers": {}}

        async def run() -> None:
            never = asyncio.Event()  # never set: a client that stops sending
            sent = False

            async def receive() -> dict[str, Any]:
                nonlocal sent
                if not sent:
                    sent = True
                    return {"type": "http.request", "body": b"{", "more_body": stall}
                await never.wait()
                return {"type": "http.disconnect"}

            async def send(message: dict[str, Any]) -> None:
                if message["type"] == "http.response.start":
                    out["status"] = message["status"]
                    out["headers"] = {k.decode(): v.decode() for k, v in message["headers"]}
                elif message["type"] == "http.response.body":
                    out["body"] += message.get("body", b"")

            path = self.concrete(method, template)
            scope = {
                "type": "http",
                "asgi": {"version": "3.0"},
                "http_version": "1.1",
                "method": method,
                "scheme": "http",
                "path": path,
                "raw_path": path.encode(),
                "query_string": b"",
                "root_path": "",
                "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
                "client": ("127.0.0.1", 5000),
                "server": ("testserver", 80),
            }
            await self.http.app(scope, receive, send)

        asyncio.run(asyncio.wait_for(run(), 10))
        self.check(method, template, out["status"], out["headers"], out["body"])
        status: int = out["status"]
        return status


def _needs_token(op: dict[str, Any]) -> bool:
    return op.get("security") == [{"bearer": []}]


def _takes_body(op: dict[str, Any]) -> bool:
    return "requestBody" in op


# --- the families of answers --------------------------------------------------------------------


def without_token(a: Answers) -> None:
    """401 exactly where the document asks for the bearer token (the guard decides)."""
    for method, template, op in a.operations():
        res = a.call(method, template)
        where = f"{method} {template}"
        if _needs_token(op):
            assert res.status_code == 401, where
            assert res.headers["www-authenticate"] == "Bearer"
        else:
            assert res.status_code != 401, where
            assert "security" not in op, where


def with_the_integration_role(a: Answers) -> set[str]:
    """403 exactly where the document lists it; the operations that need the staff role."""
    staff_only = set()
    for method, template, op in a.operations():
        if not _needs_token(op):
            continue
        res = a.call(method, template, headers=AS_INTEGRATION)
        refused = res.status_code == 403
        assert refused == ("403" in op["responses"]), (method, template, res.status_code)
        if refused:
            assert res.json() == {"detail": "this needs the staff role"}
            staff_only.add(f"{method} {template}")
    return staff_only


def with_unknown_ids(a: Answers) -> None:
    """Every operation with a staff token, ids no resource has and no body (mostly 404s)."""
    for method, template, op in a.operations():
        if _needs_token(op):
            a.call(method, template, headers=AS_STAFF)


def body_limits(a: Answers) -> None:
    """413, 408 and 400 on every operation that reads a body (webhooks too, once signed)."""
    for method, template, op in a.operations():
        if not _takes_body(op):
            continue
        headers = {**AS_STAFF, **SIGNED_BY_NOBODY, "Content-Type": "application/json"}
        big = a.call(method, template, content=b"x" * (MAX_BODY + 1), headers=headers)
        assert big.status_code == 413, (method, template)
        slow = {**headers, "Content-Length": "100"}
        assert a.raw(method, template, slow, stall=True) == 408, (method, template)
        bad = {**headers, "Content-Length": "a lot"}
        assert a.raw(method, template, bad, stall=False) == 400, (method, template)


def bad_bodies(a: Answers) -> None:
    """A JSON body with a field no schema has: 422 naming it in the body, with a pointer."""
    for method, template, op in a.operations():
        if "application/json" not in op.get("requestBody", {}).get("content", {}):
            continue
        res = a.call(method, template, json={"unexpected": True}, headers=AS_STAFF)
        assert res.status_code == 422, (method, template, res.text)
        problems = res.json()["detail"]
        assert {"loc": ["body", "unexpected"], "pointer": "/unexpected"}.items() <= next(
            p for p in problems if p["field"] == "unexpected"
        ).items()


def bad_queries(a: Answers) -> None:
    """Every number or yes/no query parameter sent as 'abc': 422 naming that parameter."""
    for method, template, op in a.operations():
        for param in op.get("parameters", []):
            types = {param["schema"].get("type")} | {
                s.get("type") for s in param["schema"].get("anyOf", [])
            }
            if param["in"] != "query" or not types & {"integer", "boolean"}:
                continue
            name = param["name"]
            required = {
                p["name"]: QUERY[p["name"]]
                for p in op["parameters"]
                if p["in"] == "query" and p.get("required")
            }
            res = a.call(method, template, params={**required, name: "abc"}, headers=AS_STAFF)
            assert res.status_code == 422, (method, template, name)
            (problem,) = res.json()["detail"]
            assert problem["loc"] == ["query", name] and problem["field"] == name, problem
            assert "pointer" not in problem


def real_work(a: Answers, clock: FixedClock) -> None:
    """Book, read, edit, cancel, preview and the staff lists, with their 404s and the 409."""
    ok = {"headers": AS_INTEGRATION}
    staff = {"headers": AS_STAFF}
    # After the pause day's 08:00, so the medication pause is on the attention list.
    clock.set(BOOKED_AT + timedelta(days=10, hours=2))
    booking = appointment_data()
    assert a.call("POST", "/appointments", json=booking, **ok).status_code == 201
    assert a.call("POST", "/appointments", json=booking, **ok).status_code == 200
    past = appointment_data(procedure__start="2020-01-01T09:00:00+01:00")
    assert a.call("POST", "/appointments", json=past, **ok).status_code == 422

    one, nope = "/appointments/{external_id}", "/appointments/NOPE"
    assert a.call("GET", one, "/appointments/APT-1001", **staff).status_code == 200
    assert a.call("GET", one, nope, **staff).status_code == 404
    edit = {"patient": {"name": "Maria R."}}
    assert a.call("PATCH", one, "/appointments/APT-1001", json=edit, **ok).status_code == 200
    assert a.call("PATCH", one, nope, json=edit, **ok).status_code == 404

    items = a.call("GET", "/attention", **staff).json()
    handled = "/attention/{item_id}/handled"
    path = f"/attention/{items[0]['id']}/handled"
    assert a.call("POST", handled, path, json={"note": "called"}, **staff).status_code == 200
    assert a.call("POST", handled, json={}, **staff).status_code == 404
    a.call("GET", "/attention", params={"include_handled": True}, **staff)

    cancel = "/appointments/{external_id}/cancel"
    assert a.call("POST", cancel, "/appointments/NOPE/cancel", json={}, **ok).status_code == 404
    assert a.call("POST", cancel, "/appointments/APT-1001/cancel", json={}, **ok).is_success
    assert a.call("PATCH", one, "/appointments/APT-1001", json=edit, **ok).status_code == 409

    a.call("GET", "/schedules", **ok)
    preview = "/schedules/{name}/preview"
    assert a.call("GET", preview, PREVIEW, params=QUERY, **ok).status_code == 200
    assert a.call("GET", preview, "/schedules/nope/preview", params=QUERY, **ok).status_code == 404

    for listing in ("/replies", "/opt-outs", "/unusable-numbers", "/staff-audit"):
        assert a.call("GET", listing, **staff).status_code == 200
    current().store.contacts.mark_unusable(MARIA, clock.now(), "21614", "not a mobile number")
    clear = {"json": {"phone": MARIA, "reason": "she confirmed it by phone"}, **staff}
    assert a.call("POST", "/unusable-numbers/clear", **clear).status_code == 200
    assert a.call("POST", "/unusable-numbers/clear", **clear).status_code == 404

    provoke_every_answer(a.call)  # the schedule versions' routes (test_schedule_versions.py)
    provoke_fhir(a.call)  # the FHIR routes (tests/integration/intake/test_fhir.py)

    assert a.call("GET", "/health").status_code == 503  # the dispatcher has never run
    current().store.ops.record_dispatch_run(clock.now(), {})
    assert a.call("GET", "/health").status_code == 200
    assert a.call("GET", "/metrics").status_code == 200


def webhooks(a: Answers) -> None:
    """Signed callbacks are taken; a wrong signature is refused by the route (403)."""
    validator = RequestValidator(AUTH_TOKEN)
    status = {"MessageSid": "SM1", "MessageStatus": "delivered"}
    path = "/twilio/status/NOPE-404"
    signed = {"X-Twilio-Signature": validator.compute_signature(PUBLIC + path, status)}
    assert a.call("POST", "/twilio/status/{rid}", data=status, headers=signed).status_code == 204
    sms = {"MessageSid": "SM2", "From": MARIA, "Body": "Can my son come with me?"}
    signed = {"X-Twilio-Signature": validator.compute_signature(f"{PUBLIC}/twilio/inbound", sms)}
    assert a.call("POST", "/twilio/inbound", data=sms, headers=signed).status_code == 200
    forged = a.call("POST", "/twilio/inbound", data=sms, headers=SIGNED_BY_NOBODY)
    assert forged.status_code == 403


def rate_limited(a: Answers) -> None:
    """429 on every operation behind the guard's limits, once each limit is used up."""
    app: FastAPI = a.http.app  # type: ignore[assignment]
    settings = current().settings
    tight = replace(
        settings,
        api=replace(
            settings.api, rate_token="1/minute", rate_address="1/minute", rate_webhook="1/minute"
        ),
    )
    kept, app.state.rates = app.state.rates, RateLimits(tight)
    try:
        a.call("GET", "/schedules", headers=AS_STAFF)  # the token's one request
        a.call("GET", "/schedules")  # the address's one request without a token
        a.call("POST", "/twilio/inbound", headers=SIGNED_BY_NOBODY)  # the webhooks' one
        for method, template, _ in a.operations():
            if template in ("/health", "/metrics"):
                continue
            res = a.call(method, template, headers={**AS_STAFF, **SIGNED_BY_NOBODY})
            assert res.status_code == 429, (method, template)
            assert int(res.headers["retry-after"]) == res.json()["retry_after"] >= 1
    finally:
        app.state.rates = kept


# --- the tests ----------------------------------------------------------------------------------


def test_the_bearer_scheme_is_on_exactly_the_operations_the_guard_asks_a_token_for(
    api: Api,
) -> None:
    a = Answers(api[0])
    scheme = a.doc["components"]["securitySchemes"]["bearer"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    without_token(a)
    needing = {f"{m} {t}" for m, t, op in a.operations() if _needs_token(op)}
    assert len(needing) >= 13 and "POST /appointments" in needing
    assert not {"GET /health", "GET /metrics", "POST /twilio/inbound"} & needing


def test_webhooks_document_their_signature_header_not_the_token(api: Api) -> None:
    a = Answers(api[0])
    webhook_ops = [(t, op) for _, t, op in a.operations() if t.startswith("/twilio/")]
    assert {t for t, _ in webhook_ops} == {"/twilio/status/{rid}", "/twilio/inbound"}
    for _, op in webhook_ops:
        headers = {p["name"]: p for p in op["parameters"] if p["in"] == "header"}
        assert headers["X-Twilio-Signature"]["required"] is True
        assert "security" not in op
        assert "application/x-www-form-urlencoded" in op["requestBody"]["content"]


def test_a_role_refusal_is_documented_exactly_where_it_happens(api: Api) -> None:
    staff_only = with_the_integration_role(Answers(api[0]))
    assert "GET /appointments/{external_id}" in staff_only and "GET /attention" in staff_only
    assert "POST /appointments" not in staff_only


def test_every_real_answer_is_documented_and_every_documented_one_happens(api: Api) -> None:
    http, clock = api
    a = Answers(http)
    without_token(a)
    with_the_integration_role(a)
    with_unknown_ids(a)
    body_limits(a)
    bad_bodies(a)
    bad_queries(a)
    real_work(a, clock)
    webhooks(a)
    rate_limited(a)
    assert a.documented() - a.seen == UNREACHABLE
    assert not a.seen - a.documented()  # (each was checked as it came)


@pytest.mark.parametrize(
    ("path", "params", "loc", "field", "kind"),
    [
        ("/replies", {"limit": "abc"}, ["query", "limit"], "limit", "int_parsing"),
        ("/staff-audit", {"limit": "0"}, ["query", "limit"], "limit", "greater_than_equal"),
        (
            "/attention",
            {"include_handled": "maybe"},
            ["query", "include_handled"],
            "include_handled",
            "bool_parsing",
        ),
        (
            "/schedules/x/preview",
            {"tz": "Europe/Berlin"},
            ["query", "procedure_at"],
            "procedure_at",
            "missing",
        ),
        # The route's own checks (a domain ValidationError about a query parameter):
        (
            PREVIEW,
            {**QUERY, "tz": "Mars/Base"},
            ["query", "tz"],
            "tz",
            "value_error",
        ),
        (
            PREVIEW,
            {**QUERY, "medication": "Apixaban\nx"},
            ["query", "medication", 0],
            "medication[0]",
            "value_error",
        ),
    ],
)
def test_a_bad_query_parameter_is_reported_as_a_query_error(
    api: Api, path: str, params: dict[str, str], loc: list[object], field: str, kind: str
) -> None:
    http, _ = api
    res = http.get(path, params=params, headers=AS_STAFF)
    assert res.status_code == 422
    problems = res.json()["detail"]
    assert all(p["loc"][0] == "query" and "pointer" not in p for p in problems), problems
    assert {"loc": loc, "field": field, "type": kind}.items() <= problems[0].items(), problems


def test_a_bad_path_parameter_is_reported_as_a_path_error(api: Api) -> None:
    """No route of ours has a path parameter that can fail; these probes use the app's own
    handlers for both kinds of error."""
    http, _ = api
    app: FastAPI = http.app  # type: ignore[assignment]

    @app.get("/probe/{number}")
    def probe(number: int) -> int:
        return number

    @app.get("/probe-domain/{slot}")
    def probe_domain(slot: str) -> str:
        raise ValidationError("slot", "is not a slot we know", where="path")

    for path, name, kind in (
        ("/probe/abc", "number", "int_parsing"),
        ("/probe-domain/x", "slot", "value_error"),
    ):
        res = http.get(path, headers=AS_STAFF)
        assert res.status_code == 422
        (problem,) = res.json()["detail"]
        assert problem["loc"] == ["path", name] and problem["field"] == name
        assert problem["type"] == kind and "pointer" not in problem


def test_a_body_error_names_the_field_and_its_json_pointer(api: Api) -> None:
    http, _ = api
    data = appointment_data()
    data["medications"][0]["name"] = ""
    res = http.post("/appointments", json=data, headers=AS_INTEGRATION)
    assert res.status_code == 422
    (problem,) = res.json()["detail"]
    assert problem["loc"] == ["body", "medications", 0, "name"]
    assert (problem["field"], problem["pointer"]) == ("medications[0].name", "/medications/0/name")


def test_the_422_schema_is_what_is_sent_not_fastapis_default(api: Api) -> None:
    a = Answers(api[0])
    schemas = a.doc["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    for problem in ("BodyProblem", "ParameterProblem"):
        fields = set(schemas[problem]["properties"])
        assert not fields & {"ctx", "input", "url"}
        assert schemas[problem]["additionalProperties"] is False
    assert "pointer" in schemas["BodyProblem"]["required"]
    assert "pointer" not in schemas["ParameterProblem"]["properties"]
    invalid = [
        op["responses"]["422"]
        for _, template, op in a.operations()
        # (the FHIR routes answer an OperationOutcome, as FHIR clients expect)
        if "422" in op["responses"] and not template.startswith("/fhir/")
    ]
    assert len(invalid) >= 10
    for response in invalid:
        schema = response["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/Invalid"}


ASSET_TYPES = {
    ".js": ("text/javascript", "application/javascript"),
    ".css": ("text/css",),
    ".png": ("image/png",),
}


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_browsable_documents_load_nothing_from_another_host(api: Api, page: str) -> None:
    http, _ = api
    res = http.get(page)  # no token: the guard leaves the documents open
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/html")
    html = res.text
    assert re.findall(r"(?:https?:)?//[\w.-]+", html) == []  # no URL with a host at all
    assets = set(re.findall(r'(?:src|href)="([^"]+)"', html))
    assert {Path(u).suffix for u in assets} >= {".js", ".png"}, assets
    for url in assets:
        assert url.startswith("/docs-assets/"), url
        got = http.get(url)
        assert got.status_code == 200, url
        assert got.headers["content-type"].split(";")[0] in ASSET_TYPES[Path(url).suffix], url
    document = re.search(r"""(?:url: '|spec-url=")([^'"]+)""", html)
    assert document is not None and http.get(document.group(1)).status_code == 200


def test_the_served_swagger_ui_and_redoc_read_openapi_3_1(api: Api) -> None:
    http, _ = api
    assert http.get("/openapi.json").json()["openapi"].startswith("3.1.")
    swagger = http.get("/docs-assets/swagger-ui-bundle.js").text
    redoc = http.get("/docs-assets/redoc.standalone.js").text
    # Swagger UI reads OpenAPI 3.1 from version 5, ReDoc from version 2.
    version = re.search(r'PACKAGE_VERSION:"(\d+)\.', swagger)
    assert version is not None and int(version.group(1)) >= 5
    version = re.search(r'ReDoc Version: ","(\d+)\.', redoc)
    assert version is not None and int(version.group(1)) >= 2
    assert '"validatorUrl": null' in http.get("/docs").text  # no badge from validator.swagger.io
