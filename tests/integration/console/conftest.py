"""The console's fixtures: accounts, and a browser-like client signed in as one of them
(through the login form, with its CSRF token), over the real app and Redis."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from reminders.clock import FixedClock
from reminders.console import accounts
from tests.factories import AS_INTEGRATION, BOOKED_AT, appointment_data
from tests.helpers import current

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def log_in(http: TestClient, name: str, password: str = PASSWORD) -> object:
    """Through the login form, as a browser without a session would."""
    http.cookies.clear()
    page = http.get("/console/login")
    return http.post(
        "/console/login",
        data={"username": name, "password": password, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )


@pytest.fixture
def app_http(api: tuple[TestClient, FixedClock]) -> TestClient:
    http, _ = api
    http.base_url = http.base_url.copy_with(scheme="http")
    return http


@pytest.fixture
def make_account(app_http: TestClient) -> Callable[..., accounts.Account]:
    def make(name: str = "anna", role: str = "staff", lang: str = "en") -> accounts.Account:
        return accounts.add(current().store, name, role, lang, PASSWORD, BOOKED_AT)

    return make


@pytest.fixture
def staff(app_http: TestClient, make_account: Callable[..., accounts.Account]) -> TestClient:
    """Signed in as the staff member ``anna``."""
    make_account("anna", "staff")
    done = log_in(app_http, "anna")
    assert getattr(done, "status_code", None) == 303
    return app_http


@pytest.fixture
def booked(app_http: TestClient) -> str:
    """APT-1001 booked through the API: a German-speaking patient, procedure on 28 March."""
    done = app_http.post("/appointments", json=appointment_data(), headers=AS_INTEGRATION)
    assert done.status_code == 201, done.text
    return "APT-1001"
