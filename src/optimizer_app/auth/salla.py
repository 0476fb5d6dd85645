"""Salla identity: webhook signatures, OAuth tokens (single-use refresh tokens) and the embedded
dashboard token introspection.

Webhooks carry `X-Salla-Signature`: the hex HMAC-SHA256 of the raw body with the app's webhook
secret. Token responses give `expires` as an absolute Unix time (`expires_in` is tolerated).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from ..errors import MalformedRequest, Unauthorized
from ..platforms.base import PlatformAuthError, PlatformUnavailable
from ..strict_json import loads_object

DEFAULT_TTL = timedelta(days=14)


@dataclass(frozen=True)
class SallaTokens:
    access_token: str
    refresh_token: str | None
    expires_at: datetime
    scope: str = ""


@dataclass(frozen=True)
class SallaWebhookEvent:
    event_id: str
    event: str
    merchant_id: str
    created_at: str
    data: dict[str, Any]


class RefreshRejected(PlatformAuthError):
    """Salla refused the refresh token (used twice or revoked): the merchant must authorise again."""


def sign_body(body: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_webhook(body: bytes, signature: str | None, *, secret: str) -> SallaWebhookEvent:
    if not secret:
        raise Unauthorized("Salla webhooks are not configured on this server (no secret).")
    if not signature or not hmac.compare_digest(signature.strip().lower(), sign_body(body, secret)):
        raise Unauthorized("The Salla webhook signature does not match.")
    data = loads_object(body, "The Salla webhook body")
    event, merchant, payload = data.get("event"), data.get("merchant"), data.get("data", {})
    if not isinstance(event, str) or not event:
        raise MalformedRequest("The Salla webhook has no event name.")
    if not (isinstance(merchant, int) and not isinstance(merchant, bool) and merchant > 0):
        raise MalformedRequest("The Salla webhook's merchant must be a positive integer id.")
    if not isinstance(payload, dict):
        raise MalformedRequest("The Salla webhook's data must be an object.")
    _check_event_data(event, payload)
    return SallaWebhookEvent(
        # Salla retries a failed delivery with the same body; events carry no id of their own.
        event_id=hashlib.sha256(body).hexdigest(),
        event=event,
        merchant_id=str(merchant),
        created_at=str(data.get("created_at", "")),
        data=payload,
    )


# The fields the app reads from each event's `data`, with their documented types (App Events,
# https://share.apidog.com/apidoc/docs-site/451700/421413m0: `merchant` is the store's integer id;
# app.store.authorize carries `access_token`, `refresh_token`, `expires` (Unix time) and `scope`;
# the subscription and trial events `item_type`, `item_slug`, `plan_name`, `plan_period` and
# `end_date`). A signed body whose fields have other types is refused with a 400 before anything
# is written.
_REQUIRED: dict[str, dict[str, type | tuple[type, ...]]] = {
    "app.store.authorize": {"access_token": str, "expires": int},
    # Product webhook events carry the product, `id` its integer id (https://docs.salla.dev/433805m0.md).
    "product.created": {"id": int},
    "product.updated": {"id": int},
}
_OPTIONAL: dict[str, type | tuple[type, ...]] = {
    "refresh_token": str,
    "scope": str,
    "expires_in": int,
    "item_type": str,
    "item_slug": str,
    "plan_name": str,
    "plan_period": (str, int),
    "end_date": str,
}


def _check_event_data(event: str, data: dict[str, Any]) -> None:
    for key, kind in _REQUIRED.get(event, {}).items():
        value = data.get(key)
        if not isinstance(value, kind) or isinstance(value, bool) or value == "":
            raise MalformedRequest(f"The Salla {event} event lacks a valid data.{key}.")
    for key, kind in _OPTIONAL.items():
        value = data.get(key)
        if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
            raise MalformedRequest(f"The Salla {event} event's data.{key} has the wrong type.")


def parse_tokens(data: dict[str, Any], *, now: datetime | None = None) -> SallaTokens:
    now = now or datetime.now(UTC)
    if data.get("expires"):
        expires_at = datetime.fromtimestamp(int(data["expires"]), UTC)
    elif data.get("expires_in"):
        expires_at = now + timedelta(seconds=int(data["expires_in"]))
    else:
        expires_at = now + DEFAULT_TTL
    return SallaTokens(
        access_token=str(data["access_token"]),
        refresh_token=data.get("refresh_token"),
        expires_at=expires_at,
        scope=str(data.get("scope", "")),
    )


async def _token_request(http: httpx.AsyncClient, auth_base: str, form: dict[str, str]) -> SallaTokens:
    try:
        res = await http.post(f"{auth_base}/oauth2/token", data=form, timeout=15)
    except httpx.TransportError as exc:
        raise PlatformUnavailable(f"Salla could not be reached: {exc}") from exc
    if res.status_code >= 500 or res.status_code == 429:
        raise PlatformUnavailable(f"Salla answered {res.status_code} to the token request", status=res.status_code)
    try:
        data = res.json()
    except ValueError:
        data = {}
    if res.status_code >= 400 or "access_token" not in data:
        error = str(data.get("error") or data.get("message") or res.status_code)
        if form.get("grant_type") == "refresh_token" and error == "invalid_grant":
            raise RefreshRejected("Salla rejected the refresh token; the merchant must authorise the app again.")
        raise PlatformAuthError(f"Salla refused the token request: {error}", status=res.status_code)
    return parse_tokens(data)


async def exchange_code(
    http: httpx.AsyncClient, *, auth_base: str, client_id: str, client_secret: str, code: str, redirect_uri: str
) -> SallaTokens:
    return await _token_request(
        http,
        auth_base,
        {
            "grant_type": "authorization_code",
            "client_id": client_id,
            "client_secret": client_secret,
            "code": code,
            "redirect_uri": redirect_uri,
            "scope": "offline_access",
        },
    )


async def refresh(
    http: httpx.AsyncClient, *, auth_base: str, client_id: str, client_secret: str, refresh_token: str
) -> SallaTokens:
    """Spend a refresh token (single use) for a new pair."""
    return await _token_request(
        http,
        auth_base,
        {
            "grant_type": "refresh_token",
            "client_id": client_id,
            "client_secret": client_secret,
            "refresh_token": refresh_token,
        },
    )


async def introspect_embedded_token(http: httpx.AsyncClient, *, api_base: str, app_id: str, token: str) -> str:
    """Check the embedded dashboard's short-lived token with Salla; returns the merchant id."""
    if not token:
        raise Unauthorized("The Salla dashboard token is missing.")
    try:
        res = await http.post(
            f"{api_base}/exchange-authority/v1/introspect",
            json={"token": token},
            headers={"S-Source": app_id},
            timeout=10,
        )
    except httpx.TransportError as exc:
        raise PlatformUnavailable(f"Salla could not be reached: {exc}") from exc
    if res.status_code >= 500:
        raise PlatformUnavailable(f"Salla answered {res.status_code} to the introspection", status=res.status_code)
    try:
        body = res.json()
    except ValueError:
        body = {}
    data = body.get("data") if isinstance(body, dict) else None
    if res.status_code != 200 or not body.get("success") or not isinstance(data, dict) or not data.get("merchant_id"):
        raise Unauthorized("The Salla dashboard token is invalid or expired.")
    return str(data["merchant_id"])


@dataclass(frozen=True)
class SallaMerchant:
    id: str
    name: str


async def merchant_of(http: httpx.AsyncClient, *, auth_base: str, access_token: str) -> SallaMerchant:
    """`GET /oauth2/user/info`: who authorised the app, inside Salla's usual `data` envelope
    (https://docs.salla.dev/9466620e0); a bare object is read the same way."""
    try:
        res = await http.get(
            f"{auth_base}/oauth2/user/info", headers={"Authorization": f"Bearer {access_token}"}, timeout=15
        )
    except httpx.TransportError as exc:
        raise PlatformUnavailable(f"Salla could not be reached: {exc}") from exc
    if res.status_code != 200:
        raise PlatformAuthError(f"Salla refused the user info request ({res.status_code})", status=res.status_code)
    body = res.json()
    info = body.get("data", body) if isinstance(body, dict) else {}
    merchant = info.get("merchant") or {}
    if not merchant.get("id"):
        raise PlatformAuthError("Salla's user info has no merchant.")
    return SallaMerchant(id=str(merchant["id"]), name=str(merchant.get("name") or ""))
