"""Shopify identity: App Bridge session tokens, token exchange and refresh of offline access
tokens, the classic install HMAC, and webhook signatures.

Session tokens are HS256 JWTs signed with the app's API secret, one minute long; the official
libraries accept 10 s of clock skew and check `aud` = API key. The shop is `dest` without the
scheme, and `iss` is `{dest}/admin`. Token exchange and refresh both post to
`https://{shop}/admin/oauth/access_token`. Webhook bodies are signed with a base64 HMAC-SHA256 of
the raw body (`X-Shopify-Hmac-Sha256`); the install query string with a hex HMAC over its sorted
parameters.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import re
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
import jwt

from ..errors import MalformedRequest, Unauthorized
from ..platforms.base import PlatformAuthError, PlatformUnavailable
from ..strict_json import loads_object

LEEWAY_SECONDS = 10
SESSION_TOKEN_TTL = 60
INSTALL_HMAC_WINDOW = 90
TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"  # nosec B105 # a grant type name
ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token"  # nosec B105 # a token type name
OFFLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:offline-access-token"  # nosec B105 # a token type name
_SHOP_RE = re.compile(r"[a-z0-9][a-z0-9-]*\.myshopify\.com")


class RefreshRejected(PlatformAuthError):
    """Shopify refused the refresh token (spent, expired or revoked): the owner must open the app again."""


@dataclass(frozen=True)
class SessionToken:
    shop: str
    user_id: str | None
    session_id: str | None
    token_id: str | None
    expires_at: datetime
    claims: dict[str, Any]


@dataclass(frozen=True)
class ShopifyWebhook:
    topic: str
    shop: str
    event_id: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class OfflineToken:
    access_token: str
    scope: str
    expires_at: datetime | None
    refresh_token: str | None
    refresh_token_expires_at: datetime | None


def is_shop_domain(shop: str) -> bool:
    # fullmatch: `$` would let "x.myshopify.com\n" through, and a newline in a header drops the answer.
    return bool(_SHOP_RE.fullmatch(shop))


def admin_origin(shop: str, admin_base: str = "") -> str:
    """`https://{shop}`, or the configured base (which may hold a `{shop}` placeholder)."""
    if not admin_base:
        return f"https://{shop}"
    return admin_base.rstrip("/").replace("{shop}", shop)


def verify_session_token(token: str, *, api_key: str, api_secret: str, now: float | None = None) -> SessionToken:
    """Check an App Bridge session token; raises Unauthorized saying what is wrong with it."""
    if not api_key or not api_secret:
        raise Unauthorized("The Shopify app is not configured on this server.")
    if not token or token.count(".") != 2:
        raise Unauthorized("The Shopify session token is malformed.")
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            api_secret,
            algorithms=["HS256"],
            audience=api_key,
            leeway=LEEWAY_SECONDS,
            options={
                "require": ["exp", "nbf", "iss", "dest", "aud"],
                "verify_iat": False,
                "verify_exp": now is None,
                "verify_nbf": now is None,
            },
        )
        # With a clock passed in (tests), the window is checked here instead of by PyJWT.
        if now is not None and claims["exp"] + LEEWAY_SECONDS < now:
            raise jwt.ExpiredSignatureError("expired")
        if now is not None and claims["nbf"] - LEEWAY_SECONDS > now:
            raise jwt.ImmatureSignatureError("not yet valid")
    except jwt.ExpiredSignatureError:
        raise Unauthorized("The Shopify session token has expired; reload the app.") from None
    except jwt.ImmatureSignatureError:
        raise Unauthorized("The Shopify session token is not valid yet.") from None
    except jwt.InvalidAudienceError:
        raise Unauthorized("The Shopify session token belongs to another app.") from None
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"The Shopify session token is invalid: {exc}.") from None
    dest = str(claims.get("dest") or "")
    shop = dest.removeprefix("https://")
    if not dest.startswith("https://") or not is_shop_domain(shop):
        raise Unauthorized("The Shopify session token names no valid shop.")
    if str(claims.get("iss") or "").rstrip("/") != f"{dest}/admin":
        raise Unauthorized("The Shopify session token's issuer is not its shop's admin.")
    return SessionToken(
        shop=shop,
        user_id=str(claims["sub"]) if claims.get("sub") is not None else None,
        session_id=claims.get("sid"),
        token_id=claims.get("jti"),
        expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
        claims=claims,
    )


def sign_session_token(
    shop: str,
    *,
    api_key: str,
    api_secret: str,
    now: float | None = None,
    ttl: int = SESSION_TOKEN_TTL,
    user_id: str = "42",
    audience: str | None = None,
) -> str:
    """A session token the way App Bridge hands one to the app (for the sandbox, the demo and tests)."""
    issued = int(now if now is not None else time.time())
    claims = {
        "iss": f"https://{shop}/admin",
        "dest": f"https://{shop}",
        "aud": audience if audience is not None else api_key,
        "sub": user_id,
        "exp": issued + ttl,
        "nbf": issued,
        "iat": issued,
        "jti": str(uuid.uuid4()),
        "sid": hashlib.sha256(f"{shop}:{user_id}".encode()).hexdigest()[:32],
    }
    return jwt.encode(claims, api_secret, algorithm="HS256")


def _install_message(params: Iterable[tuple[str, str]]) -> str:
    grouped: dict[str, list[str]] = {}
    for key, value in params:
        if key in ("hmac", "signature"):
            continue
        grouped.setdefault(key, []).append(value)
    return "&".join(
        f"{quote(key, safe='')}={quote(','.join(values), safe='')}" for key, values in sorted(grouped.items())
    )


def sign_install_query(params: Mapping[str, str], api_secret: str) -> str:
    return hmac.new(api_secret.encode(), _install_message(params.items()).encode(), hashlib.sha256).hexdigest()


def verify_install_query(
    params: Iterable[tuple[str, str]], *, api_secret: str, now: float | None = None, window: int = INSTALL_HMAC_WINDOW
) -> str:
    """Check the query string Shopify sends to the app URL on install (hex HMAC over the sorted
    parameters without `hmac`, and a `timestamp` within `window` seconds). Returns the shop."""
    pairs = list(params)
    given = next((v for k, v in pairs if k == "hmac"), "")
    if not api_secret or not given:
        raise Unauthorized("The Shopify request is not signed.")
    expected = hmac.new(api_secret.encode(), _install_message(pairs).encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(given.lower(), expected):
        raise Unauthorized("The Shopify request signature does not match.")
    values = dict(pairs)
    try:
        stamp = int(values.get("timestamp", ""))
    except ValueError:
        raise Unauthorized("The Shopify request has no valid timestamp.") from None
    if abs((now if now is not None else time.time()) - stamp) > window:
        raise Unauthorized("The Shopify request is too old.")
    shop = values.get("shop", "")
    if not is_shop_domain(shop):
        raise Unauthorized("The Shopify request names no valid shop.")
    return shop


def sign_webhook(body: bytes, api_secret: str) -> str:
    return base64.b64encode(hmac.new(api_secret.encode(), body, hashlib.sha256).digest()).decode()


def verify_webhook(body: bytes, signature: str | None, *, api_secret: str) -> None:
    """Raise Unauthorized unless `signature` is the base64 HMAC-SHA256 of the raw body."""
    if not api_secret:
        raise Unauthorized("Shopify webhooks are not configured on this server.")
    if not signature:
        raise Unauthorized("The Shopify webhook is not signed.")
    try:
        given = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        raise Unauthorized("The Shopify webhook signature is not base64.") from None
    expected = hmac.new(api_secret.encode(), body, hashlib.sha256).digest()
    if not hmac.compare_digest(given, expected):
        raise Unauthorized("The Shopify webhook signature does not match.")


def verify_webhook_request(body: bytes, headers: Mapping[str, str], *, api_secret: str) -> ShopifyWebhook:
    """Check a webhook's signature (401), then its topic, shop and id headers and that its body is
    the payload its topic documents for that shop (400)."""
    verify_webhook(body, headers.get("x-shopify-hmac-sha256"), api_secret=api_secret)
    topic = headers.get("x-shopify-topic", "")
    shop = headers.get("x-shopify-shop-domain", "")
    # Every delivery of one event carries the same X-Shopify-Event-Id, while X-Shopify-Webhook-Id
    # may differ between them (https://shopify.dev/apps/build/webhooks/ignore-duplicates):
    # the event id is the duplicate key, the webhook id only stands in when it is absent.
    event_id = headers.get("x-shopify-event-id") or headers.get("x-shopify-webhook-id")
    if not topic or not is_shop_domain(shop) or not event_id:
        raise MalformedRequest("The webhook lacks its topic, shop domain or event id headers.")
    payload = loads_object(body, "The webhook body")
    check_webhook_payload(topic, shop, payload)
    return ShopifyWebhook(topic=topic, shop=shop, event_id=event_id, payload=payload)


# Only the body of a webhook is signed: its topic and shop headers are not. Each topic the app
# acts on is accepted only with the body that topic documents, naming the shop of the headers, so
# a signed body cannot be replayed under another topic or for another shop. Payloads:
# https://shopify.dev/docs/apps/build/privacy-law-compliance (the three compliance topics) and
# https://shopify.dev/docs/api/webhooks?reference=toml (app/uninstalled: the Shop resource with
# `id` and `myshopify_domain`; app_subscriptions/update: `app_subscription` with
# `admin_graphql_api_id`, `name`, `status`, `admin_graphql_api_shop_id`).
_CUSTOMER_KEYS = ("customer", "orders_requested", "orders_to_redact", "data_request")


def check_webhook_payload(topic: str, shop: str, payload: dict[str, Any]) -> None:
    """Raise MalformedRequest unless `payload` has the documented shape of `topic` for `shop`.
    Topics the app does not act on are not checked."""
    if topic in ("customers/data_request", "customers/redact", "shop/redact"):
        _check_shop_fields(payload, "shop_domain", "shop_id", shop)
        customer = isinstance(payload.get("customer"), dict)
        if topic == "shop/redact":
            ok = not any(key in payload for key in _CUSTOMER_KEYS)
        elif topic == "customers/data_request":
            ok = customer and isinstance(payload.get("orders_requested"), list)
        else:
            ok = customer and isinstance(payload.get("orders_to_redact"), list)
    elif topic == "app/uninstalled":
        _check_shop_fields(payload, "myshopify_domain", "id", shop)
        ok = "app_subscription" not in payload
    elif topic in PRODUCT_TOPICS:
        product_gid(payload)  # raises MalformedRequest unless the body names one product
        return
    elif topic == "app_subscriptions/update":
        sub = payload.get("app_subscription")
        ok = isinstance(sub, dict) and all(
            isinstance(sub.get(key), str) and sub[key]
            for key in ("admin_graphql_api_id", "name", "status", "admin_graphql_api_shop_id")
        )
    else:
        return
    if not ok:
        raise MalformedRequest(f"The webhook body is not a {topic} payload.")


# products/create and products/update carry the Product resource: its numeric `id` and, unless the
# subscription narrowed the fields, `admin_graphql_api_id`
# (https://shopify.dev/docs/api/webhooks?reference=graphql, topics products/create and
# products/update; https://shopify.dev/docs/apps/build/webhooks/delivery-structure).
PRODUCT_TOPICS = ("products/create", "products/update")


def product_gid(payload: dict[str, Any]) -> str:
    """The product a products/* body is about, as the Admin GraphQL API names it (our client's
    product id); MalformedRequest when the body names none or two different ones."""
    number = payload.get("id")
    if not isinstance(number, int) or isinstance(number, bool) or number <= 0:
        raise MalformedRequest("The product webhook body has no numeric product id.")
    given = payload.get("admin_graphql_api_id")
    if given is not None and given != f"gid://shopify/Product/{number}":
        raise MalformedRequest("The product webhook body names two different products.")
    return f"gid://shopify/Product/{number}"


def _check_shop_fields(payload: dict[str, Any], domain_key: str, id_key: str, shop: str) -> None:
    shop_id = payload.get(id_key)
    if not isinstance(shop_id, int) or isinstance(shop_id, bool) or not isinstance(payload.get(domain_key), str):
        raise MalformedRequest(f"The webhook body lacks {domain_key} or {id_key}.")
    if payload[domain_key] != shop:
        raise MalformedRequest("The webhook body names another shop than its headers.")


def _offline_token(data: dict[str, Any]) -> OfflineToken:
    now = datetime.now(UTC)
    expires_in, refresh_in = data.get("expires_in"), data.get("refresh_token_expires_in")
    return OfflineToken(
        access_token=str(data["access_token"]),
        scope=str(data.get("scope") or ""),
        expires_at=now + timedelta(seconds=int(expires_in)) if expires_in else None,
        refresh_token=str(data["refresh_token"]) if data.get("refresh_token") else None,
        refresh_token_expires_at=now + timedelta(seconds=int(refresh_in)) if refresh_in else None,
    )


async def _token_request(
    http: httpx.AsyncClient, url: str, body: dict[str, str], refused: type[Exception]
) -> OfflineToken:
    last: Exception | None = None
    for attempt in range(3):
        try:
            res = await http.post(url, json=body, headers={"Accept": "application/json"}, timeout=15)
        except httpx.TransportError as exc:
            last = exc
        else:
            if res.status_code < 300:
                return _offline_token(res.json())
            if res.status_code < 500 and res.status_code != 429:
                raise refused(f"Shopify refused the token request ({res.status_code}): {_error_message(res)}")
            last = PlatformUnavailable(f"Shopify answered {res.status_code} to the token request")
        if attempt < 2:
            await asyncio.sleep(0.2 * 2**attempt)
    raise PlatformUnavailable(f"Shopify could not issue an access token: {last}")


async def exchange_session_token(
    http: httpx.AsyncClient,
    *,
    shop: str,
    api_key: str,
    api_secret: str,
    session_token: str,
    admin_base: str = "",
    expiring: bool = True,
) -> OfflineToken:
    """Token exchange: the session token for an offline access token (expiring ones carry a
    refresh token). An invalid session token is a 400 from Shopify: Unauthorized here."""
    body = {
        "client_id": api_key,
        "client_secret": api_secret,
        "grant_type": TOKEN_EXCHANGE_GRANT,
        "subject_token": session_token,
        "subject_token_type": ID_TOKEN_TYPE,
        "requested_token_type": OFFLINE_TOKEN_TYPE,
        "expiring": "1" if expiring else "0",
    }
    return await _token_request(http, f"{admin_origin(shop, admin_base)}/admin/oauth/access_token", body, Unauthorized)


async def migrate_to_expiring(
    http: httpx.AsyncClient, *, shop: str, api_key: str, api_secret: str, offline_token: str, admin_base: str = ""
) -> OfflineToken:
    """A non-expiring offline token exchanged for an expiring one and its refresh token, without
    the owner (https://shopify.dev/docs/apps/build/authentication-authorization/migrate-to-expiring-offline-access-tokens):
    token exchange with the offline token as the subject. Shopify retires the old token; a retry
    with it within seven days returns the same pair. A refusal means the owner must open the app."""
    body = {
        "client_id": api_key,
        "client_secret": api_secret,
        "grant_type": TOKEN_EXCHANGE_GRANT,
        "subject_token": offline_token,
        "subject_token_type": OFFLINE_TOKEN_TYPE,
        "requested_token_type": OFFLINE_TOKEN_TYPE,
        "expiring": "1",
    }
    url = f"{admin_origin(shop, admin_base)}/admin/oauth/access_token"
    return await _token_request(http, url, body, RefreshRejected)


async def refresh_offline_token(
    http: httpx.AsyncClient, *, shop: str, api_key: str, api_secret: str, refresh_token: str, admin_base: str = ""
) -> OfflineToken:
    """A new access token and a new refresh token (the old one is spent)."""
    body = {
        "client_id": api_key,
        "client_secret": api_secret,
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
    }
    url = f"{admin_origin(shop, admin_base)}/admin/oauth/access_token"
    return await _token_request(http, url, body, RefreshRejected)


def _error_message(res: httpx.Response) -> str:
    try:
        data = res.json()
    except ValueError:
        return res.text[:200]
    if isinstance(data, dict):
        return str(data.get("error_description") or data.get("error") or data.get("errors") or data)[:200]
    return str(data)[:200]
