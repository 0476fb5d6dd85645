"""The calling store's account: plan and credits (/api/me) and its settings."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .. import db, stores
from ..domain.attributes import parse_attributes
from ..domain.languages import OFFERED_LANGUAGES, parse_language
from ..domain.store_settings import DEFAULT_SETTINGS, effective_settings
from ..errors import InvalidRequest, MalformedRequest
from .context import current_store, json_body, services
from .presenters import me_json


async def me(request: Request) -> JSONResponse:
    return JSONResponse(me_json(await current_store(request), services(request).settings))


async def get_settings(request: Request) -> JSONResponse:
    store = await current_store(request)
    return JSONResponse(effective_settings(store.platform, store.settings))


def _validate_settings(body: dict[str, Any]) -> dict[str, Any]:
    if "brand_voice" in body:
        raise InvalidRequest("brand_voice is no longer a setting: save brand voices at /api/brand-voices.")
    unknown = set(body) - set(DEFAULT_SETTINGS)
    if unknown:
        raise InvalidRequest(f"Unknown settings: {', '.join(sorted(unknown))}.")
    clean: dict[str, Any] = {}
    if "default_language" in body:
        lang = parse_language(body["default_language"])
        if lang is None:
            raise MalformedRequest(
                f"default_language must be one of the offered languages: {', '.join(OFFERED_LANGUAGES)}."
            )
        clean["default_language"] = lang
    if "default_attributes" in body:
        try:
            clean["default_attributes"] = [a.value for a in parse_attributes(body["default_attributes"])]
        except ValueError as exc:
            raise InvalidRequest(str(exc)) from None
    return clean


async def put_settings(request: Request) -> JSONResponse:
    store = await current_store(request)
    changes = _validate_settings(await json_body(request))
    async with db.acquire(services(request).pool) as conn:
        saved = await stores.update_settings(conn, store.id, {**store.settings, **changes})
    return JSONResponse(effective_settings(store.platform, saved))


routes = [
    Route("/api/me", me, methods=["GET"]),
    Route("/api/settings", get_settings, methods=["GET"]),
    Route("/api/settings", put_settings, methods=["PUT"]),
]
