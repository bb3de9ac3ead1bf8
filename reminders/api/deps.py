"""What a route gets from the app: the process's Services (``wiring``), built once in
``create_app``."""

from __future__ import annotations

from fastapi import Depends, Request

from reminders.wiring import Services


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


SERVICES = Depends(_services)
