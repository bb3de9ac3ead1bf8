"""The browsable API documents, ``/docs`` (Swagger UI) and ``/redoc``, with their scripts, styles
and icon served by the app itself from ``/docs-assets/`` (fastapi-offline's copies): clinics run
the service on intranets, where FastAPI's defaults (a CDN, fastapi.tiangolo.com's favicon)
leave the pages blank. The guard leaves these paths open, like ``/openapi.json``."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs-assets"
_STATIC = Path(str(files("fastapi_offline") / "static"))


def install(app: FastAPI) -> None:
    """``/docs``, ``/redoc`` and their assets; the app must be built with ``docs_url=None`` and
    ``redoc_url=None`` (else FastAPI serves its CDN pages at the same paths first)."""
    assert app.docs_url is None and app.redoc_url is None
    app.mount(ASSETS, StaticFiles(directory=_STATIC), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")  # behind a proxy that adds a prefix
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title}: API",
            swagger_js_url=f"{root}{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS}/favicon.png",
            # No OAuth2 flow (the bearer token is typed into "Authorize"), and no badge that
            # sends the document to validator.swagger.io.
            oauth2_redirect_url=None,
            swagger_ui_parameters={"validatorUrl": None},
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title}: API",
            redoc_js_url=f"{root}{ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS}/favicon.png",
            with_google_fonts=False,
        )
