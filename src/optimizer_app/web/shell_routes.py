"""The app pages the Wix and Salla admins frame, opened with the platform's token; the built
dashboard's assets are served from /assets."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .context import services, store_from_salla_token, store_from_wix_instance
from .pages import app_page


async def wix_app(request: Request) -> HTMLResponse:
    opening = store_from_wix_instance(services(request), request.query_params.get("instance", ""))
    return await app_page(request, "wix", opening)


async def salla_app(request: Request) -> HTMLResponse:
    opening = store_from_salla_token(services(request), request.query_params.get("token", ""))
    return await app_page(request, "salla", opening)


def assets(dist: Path) -> Mount:
    """The scripts and stylesheets of the dashboard built into `dist` (DASHBOARD_DIST)."""
    return Mount("/assets", StaticFiles(directory=dist / "assets", check_dir=False), name="assets")


routes = [
    Route("/app/wix", wix_app, methods=["GET"]),
    Route("/app/salla", salla_app, methods=["GET"]),
]
