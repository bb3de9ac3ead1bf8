"""The one HTTP app (served by ``reminders serve``). Each area is a router in its own module."""

from __future__ import annotations

from fastapi import FastAPI

from reminders import __version__


def create_app() -> FastAPI:
    app = FastAPI(
        title="reminders",
        version=__version__,
        description="Patient reminders for image-guided procedures: staff and integration API.",
    )
    return app
