"""The page the platform's admin frames: verifies the platform token, onboards the store and hands
the page a short-lived app session for its API calls."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from ..errors import AppError
from .account_routes import me_json
from .context import issue_session, services, store_from_wix_instance

_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape(["html"])
)


async def wix_app(request: Request) -> HTMLResponse:
    svc = services(request)
    instance = request.query_params.get("instance", "")
    try:
        store = await store_from_wix_instance(svc, instance)
    except AppError as exc:
        page = _templates.get_template("error.html").render(message=exc.message)
        return HTMLResponse(page, status_code=exc.status)
    page = _templates.get_template("app.html").render(
        config={
            "session": issue_session(svc, store),
            "platform": "wix",
            "me": me_json(store),
            "locale": request.query_params.get("locale", "en"),
        }
    )
    return HTMLResponse(page, headers={"Cache-Control": "no-store"})


routes = [Route("/app/wix", wix_app, methods=["GET"])]
