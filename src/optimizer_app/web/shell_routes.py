"""The page the platform's admin frames: verifies the platform token, onboards the store and hands
the page a short-lived app session for its API calls."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from ..errors import AppError
from ..stores import Store
from .account_routes import me_json
from .context import issue_session, services, store_from_salla_token, store_from_wix_instance
from .services import Services

templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape(["html"])
)


Identify = Callable[[Services, Request], Awaitable[Store]]


async def app_page(
    request: Request, platform: str, identify: Identify, *, error_template: str = "error.html"
) -> HTMLResponse:
    """The app for the store `identify` proves the caller is, or a page that says why not."""
    svc = services(request)
    try:
        store = await identify(svc, request)
    except AppError as exc:
        page = templates.get_template(error_template).render(message=exc.message, error=exc.message)
        return HTMLResponse(page, status_code=exc.status)
    page = templates.get_template("app.html").render(
        config={
            "session": issue_session(svc, store),
            "platform": platform,
            "me": me_json(store),
            "locale": request.query_params.get("locale", "en"),
        }
    )
    return HTMLResponse(page, headers={"Cache-Control": "no-store"})


async def wix_app(request: Request) -> HTMLResponse:
    return await app_page(
        request, "wix", lambda svc, req: store_from_wix_instance(svc, req.query_params.get("instance", ""))
    )


async def salla_app(request: Request) -> HTMLResponse:
    return await app_page(
        request, "salla", lambda svc, req: store_from_salla_token(svc, req.query_params.get("token", ""))
    )


routes = [
    Route("/app/wix", wix_app, methods=["GET"]),
    Route("/app/salla", salla_app, methods=["GET"]),
]
