"""The calling store's account: plan and credits (/api/me) and its settings."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .. import stores
from ..domain.attributes import parse_attributes
from ..domain.languages import OFFERED_LANGUAGES, parse_language
from ..domain.plans import PLANS
from ..errors import InvalidRequest, MalformedRequest
from ..stores import Store
from .context import current_store, json_body, services

DEFAULT_SETTINGS: dict[str, Any] = {
    "brand_voice": "",
    "default_language": "en",
    "default_attributes": ["title", "description", "seo_title", "seo_description"],
}
# Salla stores are Arabic first (its Merchant API answers in Arabic unless asked otherwise): new
# text, and the dashboard, default to Arabic there until the owner chooses another language.
PLATFORM_SETTINGS: dict[str, dict[str, Any]] = {"salla": {"default_language": "ar"}}


def settings_of(store: Store, saved: dict[str, Any] | None = None) -> dict[str, Any]:
    """The store's settings: what it saved over its platform's defaults over everyone's."""
    own = store.settings if saved is None else saved
    return {**DEFAULT_SETTINGS, **PLATFORM_SETTINGS.get(store.platform, {}), **own}


def me_json(store: Store) -> dict[str, Any]:
    plan = PLANS.get(store.plan_id)
    return {
        "store": {
            "id": store.id,
            "platform": store.platform,
            "name": store.display_name,
        },
        "plan": {
            "id": store.plan_id,
            "name": plan.name if plan else store.plan_id,
            "monthly_credits": plan.monthly_credits if plan else None,
            "ends_on": store.plan_ends_on.isoformat() if store.plan_ends_on else None,
        },
        "credits": {
            "total": store.credits_total,
            "used": store.credits_used,
            "remaining": store.credits_remaining,
            "reset_on": store.credits_reset_on.isoformat(),
        },
        "plans": [
            {"id": p.id, "name": p.name, "price_cents": p.price_cents, "monthly_credits": p.monthly_credits}
            for p in PLANS.values()
        ],
    }


async def me(request: Request) -> JSONResponse:
    return JSONResponse(me_json(await current_store(request)))


async def get_settings(request: Request) -> JSONResponse:
    return JSONResponse(settings_of(await current_store(request)))


def _validate_settings(body: dict[str, Any]) -> dict[str, Any]:
    unknown = set(body) - set(DEFAULT_SETTINGS)
    if unknown:
        raise InvalidRequest(f"Unknown settings: {', '.join(sorted(unknown))}.")
    clean: dict[str, Any] = {}
    if "brand_voice" in body:
        voice = body["brand_voice"]
        if not isinstance(voice, str) or len(voice) > 500:
            raise InvalidRequest("brand_voice must be text of at most 500 characters.")
        clean["brand_voice"] = voice.strip()
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
    async with services(request).pool.acquire() as conn:
        saved = await stores.update_settings(conn, store.id, {**store.settings, **changes})
    return JSONResponse(settings_of(store, saved))


routes = [
    Route("/api/me", me, methods=["GET"]),
    Route("/api/settings", get_settings, methods=["GET"]),
    Route("/api/settings", put_settings, methods=["PUT"]),
]
