"""Salla: webhooks (Easy Mode tokens, install, uninstall, subscriptions, trials) and the OAuth
authorization-code callback (Custom Mode)."""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, date, datetime, timedelta

import asyncpg
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from .. import credits, oauth_states, stores
from ..auth import salla as salla_auth
from ..crypto import signer
from ..domain.plans import plan_for_vendor_product
from ..errors import Forbidden, InvalidRequest, MalformedRequest, Unauthorized
from ..platforms.base import StorePlatformError
from ..stores import Store
from .context import services
from .services import Services

log = logging.getLogger(__name__)

_PAID_EVENTS = ("app.subscription.started", "app.subscription.renewed", "app.trial.started")
_ENDED_EVENTS = ("app.subscription.expired", "app.trial.expired")


async def _install(conn: asyncpg.Connection, merchant_id: str, name: str = "") -> Store:
    return await stores.install(
        conn, platform="salla", external_id=merchant_id, display_name=name, today=datetime.now(UTC).date()
    )


async def save_salla_tokens(
    svc: Services, conn: asyncpg.Connection, store_id: int, tokens: salla_auth.SallaTokens
) -> None:
    await stores.save_tokens(
        conn,
        store_id,
        access_token_enc=svc.cipher.encrypt(tokens.access_token),
        expires_at=tokens.expires_at,
        refresh_token_enc=svc.cipher.encrypt(tokens.refresh_token) if tokens.refresh_token else None,
    )


def _plan_of(data: dict[str, object]) -> str:
    return plan_for_vendor_product(str(data.get("item_slug") or data.get("plan_name") or "") or None)


def _end_date(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


async def salla_webhook(request: Request) -> JSONResponse:
    svc = services(request)
    body = await request.body()
    event = salla_auth.verify_webhook(
        body, request.headers.get("x-salla-signature"), secret=svc.settings.salla_webhook_secret
    )
    unnamed: tuple[int, str] | None = None
    async with svc.pool.acquire() as conn, conn.transaction():
        store = await stores.find(conn, "salla", event.merchant_id)
        first = await stores.record_webhook(
            conn,
            platform="salla",
            event_id=event.event_id,
            event_type=event.event,
            store_id=store.id if store else None,
        )
        if not first:
            return JSONResponse({"status": "duplicate", "event_id": event.event_id})
        if event.event == "app.uninstalled":
            if store is not None and store.installed:
                await stores.uninstall(conn, store.id)
        elif event.event in ("app.installed", "app.store.authorize", *_PAID_EVENTS):
            if store is None or not store.installed:
                store = await _install(conn, event.merchant_id)
            if event.event == "app.store.authorize":
                tokens = salla_auth.parse_tokens(event.data)
                await save_salla_tokens(svc, conn, store.id, tokens)
                if not store.display_name:
                    unnamed = (store.id, tokens.access_token)
            elif event.event in _PAID_EVENTS:
                await credits.change_plan(
                    conn, store.id, _plan_of(event.data), cycle=str(event.data.get("plan_period") or "")
                )
        elif event.event == "app.subscription.canceled":
            # The subscription runs until its end date; the monthly reset then moves the store to free.
            if store is not None:
                await stores.schedule_plan_end(
                    conn, store.id, _end_date(event.data.get("end_date")) or store.credits_reset_on
                )
        elif event.event in _ENDED_EVENTS:
            if store is not None:
                await credits.change_plan(conn, store.id, "free")
        else:
            log.info("ignored Salla event %s", event.event)
    if unnamed is not None:
        await _name_from_salla(svc, *unnamed)
    return JSONResponse({"status": "processed", "event_id": event.event_id})


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
        async with svc.pool.acquire() as conn:
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
    async with svc.pool.acquire() as conn:
        if not await oauth_states.spend(conn, platform="salla", nonce=nonce, valid_for=STATE_TTL):
            raise Forbidden("This sign-in link was already used; install the app again.")
    tokens = await salla_auth.exchange_code(
        svc.http,
        auth_base=svc.settings.salla_auth_base,
        client_id=svc.settings.salla_client_id,
        client_secret=svc.settings.salla_client_secret,
        code=code,
        redirect_uri=f"{svc.settings.app_base_url}/oauth/salla/callback",
    )
    merchant = await salla_auth.merchant_of(
        svc.http, auth_base=svc.settings.salla_auth_base, access_token=tokens.access_token
    )
    async with svc.pool.acquire() as conn, conn.transaction():
        store = await _install(conn, merchant.id, merchant.name)
        await save_salla_tokens(svc, conn, store.id, tokens)
    return JSONResponse({"status": "installed", "store_id": store.id})


routes = [
    Route("/webhooks/salla", salla_webhook, methods=["POST"]),
    Route("/oauth/salla/install", salla_install, methods=["GET"]),
    Route("/oauth/salla/callback", salla_callback, methods=["GET"]),
]
