"""The HTML pages: the app page the platform's admin frames (the dashboard Vite built into
DASHBOARD_DIST, its config and a short-lived app session for its API calls), and the page that
says why the app cannot open."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from ..domain.store_settings import effective_settings
from ..errors import AppError
from ..stores import Store
from .context import issue_session, services
from .dashboard_facts import dashboard_facts
from .presenters import me_json

templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape(["html"])
)


@dataclass(frozen=True)
class Bundle:
    """The script and stylesheets of the built dashboard, as named in Vite's manifest."""

    script: str
    styles: tuple[str, ...]


_bundle_cache: dict[str, tuple[float, Bundle | None]] = {}


def dashboard_bundle(dist: Path) -> Bundle | None:
    """The entry of the dashboard built into `dist`, or None when it has not been built there
    (re-read when it changes)."""
    manifest = dist / ".vite" / "manifest.json"
    try:
        mtime = manifest.stat().st_mtime
    except OSError:
        return None
    cached = _bundle_cache.get(str(manifest))
    if cached is not None and cached[0] == mtime:
        return cached[1]
    bundle: Bundle | None = None
    try:
        entries: dict[str, Any] = json.loads(manifest.read_text())
        entry = entries.get("index.html") or next((e for e in entries.values() if e.get("isEntry")), None)
        if entry is not None:
            bundle = Bundle("/" + entry["file"], tuple("/" + css for css in entry.get("css", [])))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        bundle = None
    _bundle_cache[str(manifest)] = (mtime, bundle)
    return bundle


@dataclass(frozen=True)
class AppBridge:
    """Shopify's App Bridge on the page: the app's API key (its `shopify-api-key` meta) and the
    script's URL. App Bridge hands the dashboard a fresh session token for each API call, so such a
    page carries no app session."""

    api_key: str
    script: str


def store_page(
    request: Request,
    platform: str,
    store: Store,
    app_bridge: AppBridge | None = None,
    *,
    extra: Mapping[str, Any] | None = None,
) -> HTMLResponse:
    """The app, opened for `store`; `extra`: the platform's own entries of the page's config."""
    svc = services(request)
    page = templates.get_template("app.html").render(
        config={
            "session": None if app_bridge else issue_session(svc, store),
            "platform": platform,
            "me": me_json(store, svc.settings),
            # The admin's language when the platform names it; the dashboard falls back on the
            # store's default language only when it does not.
            "locale": request.query_params.get("locale") or None,
            "settings": effective_settings(store.platform, store.settings),
            **dashboard_facts(),
            **(extra or {}),
        },
        bundle=dashboard_bundle(svc.settings.dashboard_dist),
        app_bridge=app_bridge,
    )
    return HTMLResponse(page, headers={"Cache-Control": "no-store"})


def error_page(exc: AppError) -> HTMLResponse:
    """Why the app cannot open, with the error's status."""
    page = templates.get_template("error.html").render(message=exc.message, error=exc.message)
    return HTMLResponse(page, status_code=exc.status)


async def app_page(request: Request, platform: str, opening: Awaitable[Store]) -> HTMLResponse:
    """The app for the store `opening` proves the caller is, or a page that says why not."""
    try:
        store = await opening
    except AppError as exc:
        return error_page(exc)
    return store_page(request, platform, store)
