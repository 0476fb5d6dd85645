"""The app pages the Wix and Salla admins frame, opened with the platform's token; the built
dashboard's assets are served from /assets."""

from __future__ import annotations

from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .context import services, store_from_salla_token, store_from_wix_instance, wix_instance_user
from .pages import app_page


async def wix_app(request: Request) -> HTMLResponse:
    svc, instance = services(request), request.query_params.get("instance", "")
    opening = store_from_wix_instance(svc, instance)
    return await app_page(request, "wix", opening, user_id=wix_instance_user(svc, instance))


async def salla_app(request: Request) -> HTMLResponse:
    opening = store_from_salla_token(services(request), request.query_params.get("token", ""))
    return await app_page(request, "salla", opening)


class _Assets(StaticFiles):
    """Static files whose folder may not exist yet (the dashboard not built): a 404, not a 500."""

    async def check_config(self) -> None:
        if self.directory is not None and not Path(self.directory).is_dir():
            raise HTTPException(status_code=404)
        await super().check_config()


def assets(dist: Path) -> Mount:
    """The scripts and stylesheets of the dashboard built into `dist` (DASHBOARD_DIST)."""
    return Mount("/assets", _Assets(directory=dist / "assets", check_dir=False), name="assets")


routes = [
    Route("/app/wix", wix_app, methods=["GET"]),
    Route("/app/salla", salla_app, methods=["GET"]),
]
