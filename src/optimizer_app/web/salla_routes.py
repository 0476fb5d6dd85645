"""Salla: webhooks (Easy Mode tokens, install, uninstall, subscriptions, trials) and the OAuth
authorization-code callback (Custom Mode)."""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from .. import db, installation, oauth_states, stores
from ..auth import salla as salla_auth
from ..crypto import signer
from ..errors import Forbidden, InvalidRequest, MalformedRequest, Unauthorized
from ..platforms.base import StorePlatformError
from ..store_events import applier
from ..store_events import salla as salla_events
from ..store_events.events import TokensIssued
from .context import services
from .services import Services

log = logging.getLogger(__name__)


async def salla_webhook(request: Request) -> JSONResponse:
    svc = services(request)
    event = salla_auth.verify_webhook(
        await request.body(), request.headers.get("x-salla-signature"), secret=svc.settings.salla_webhook_secret
    )
    mapped = salla_events.store_events(event, now=datetime.now(UTC), plan_map=svc.settings.salla_plan_map)
    outcome = await applier.apply(svc.pool, svc.cipher, mapped)
    issued = next((e for e in mapped.effects if isinstance(e, TokensIssued)), None)
    if outcome.status == "processed" and issued and outcome.store:
        if not outcome.store.display_name:
            await _name_from_salla(svc, outcome.store.id, issued.access_token)
        await installation.subscribe_salla_webhooks(svc.clients, outcome.store, webhook_url=_webhook_url(svc))
    return JSONResponse({"status": outcome.status, "event_id": outcome.event_id})


def _webhook_url(svc: Services) -> str:
    return f"{svc.settings.app_base_url}/webhooks/salla"


async def _name_from_salla(svc: Services, store_id: int, access_token: str) -> None:
    """Easy Mode delivers tokens but no store name: ask Salla who the merchant is. The name only
    labels the dashboard, so a failure is logged, never an error for the webhook."""
    try:
        merchant = await salla_auth.merchant_of(
            svc.http, auth_base=svc.settings.salla_auth_base, access_token=access_token
        )
    except (StorePlatformError, ValueError) as exc:
        log.warning("Salla store %s: no name from user info: %s", store_id, exc)
        return
    if merchant.name:
        async with db.acquire(svc.pool) as conn:
            await stores.name_store(conn, store_id, merchant.name)


STATE_TTL = timedelta(minutes=10)


def _states(svc: Services) -> URLSafeTimedSerializer:
    return signer(svc.settings.secret_keys, "salla-oauth-state")


async def salla_install(request: Request) -> Response:
    """Start Custom Mode OAuth: send the merchant to Salla's consent screen."""
    svc = services(request)
    # Salla strips hyphens from `state` when it echoes it back, so the state must have none.
    state = _states(svc).dumps({"nonce": secrets.token_urlsafe(16)}).replace("-", "~")
    redirect = f"{svc.settings.app_base_url}/oauth/salla/callback"
    url = (
        f"{svc.settings.salla_auth_base}/oauth2/auth?client_id={svc.settings.salla_client_id}"
        f"&response_type=code&redirect_uri={redirect}&scope=offline_access&state={state}"
    )
    return RedirectResponse(url, status_code=302)


async def salla_callback(request: Request) -> JSONResponse:
    svc = services(request)
    code, state = request.query_params.get("code", ""), request.query_params.get("state", "")
    try:
        signed = _states(svc).loads(state.replace("~", "-"), max_age=int(STATE_TTL.total_seconds()))
    except SignatureExpired:
        raise MalformedRequest("The sign-in link has expired; install the app again.") from None
    except BadSignature:
        raise Unauthorized("The sign-in link was tampered with; install the app again.") from None
    nonce = signed.get("nonce") if isinstance(signed, dict) else None
    if not isinstance(nonce, str) or not nonce:
        raise Unauthorized("The sign-in link was tampered with; install the app again.")
    if not code:
        raise InvalidRequest("Salla did not send an authorization code.")
    async with db.acquire(svc.pool) as conn:
        if not await oauth_states.spend(conn, platform="salla", nonce=nonce, valid_for=STATE_TTL):
            raise Forbidden("This sign-in link was already used; install the app again.")
    store = await installation.install_salla(
        svc.pool,
        svc.http,
        svc.cipher,
        code,
        auth_base=svc.settings.salla_auth_base,
        client_id=svc.settings.salla_client_id,
        client_secret=svc.settings.salla_client_secret,
        redirect_uri=f"{svc.settings.app_base_url}/oauth/salla/callback",
    )
    await installation.subscribe_salla_webhooks(svc.clients, store, webhook_url=_webhook_url(svc))
    return JSONResponse({"status": "installed", "store_id": store.id})


routes = [
    Route("/webhooks/salla", salla_webhook, methods=["POST"]),
    Route("/oauth/salla/install", salla_install, methods=["GET"]),
    Route("/oauth/salla/callback", salla_callback, methods=["GET"]),
]
