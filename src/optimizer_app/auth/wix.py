"""Wix identity: the dashboard `instance`, webhook JWTs, and minting an instance's access token.

The `instance` query parameter Wix gives a dashboard page is `signature.payload`, both base64url
without padding; the signature is HMAC-SHA256 over the *encoded* payload with the app secret.
Webhook bodies are RS256 JWTs whose `data` claim is a JSON string holding `eventType`,
`instanceId` and a JSON-string `data` payload.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ..errors import MalformedRequest, Unauthorized
from ..platforms.base import PlatformAuthError, PlatformUnavailable

# Clock difference tolerated between Wix and us, for instances and webhook JWTs alike (PyJWT
# otherwise refuses a webhook whose `iat` is a second ahead of our clock).
LEEWAY = timedelta(seconds=60)
# Instances without an expirationDate (older format) are trusted for as long as Wix's own.
UNDATED_INSTANCE_TTL = timedelta(hours=4)


@dataclass(frozen=True)
class WixInstance:
    instance_id: str
    app_def_id: str
    sign_date: datetime
    expires_at: datetime | None
    uid: str | None
    permissions: str | None
    vendor_product_id: str | None
    site_owner_id: str | None
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class WixWebhookEvent:
    event_id: str
    event_type: str
    instance_id: str
    payload: dict[str, Any]
    identity: dict[str, Any] | None


@dataclass(frozen=True)
class AccessToken:
    token: str
    expires_at: datetime


def _b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _parse_time(value: object, name: str) -> datetime:
    if not isinstance(value, str):
        raise Unauthorized(f"The Wix instance has no valid {name}.")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Unauthorized(f"The Wix instance has no valid {name}.") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def verify_instance(instance: str, *, app_id: str, app_secret: str, now: datetime | None = None) -> WixInstance:
    """Check a dashboard `instance`; raises Unauthorized saying what is wrong with it."""
    if not app_secret or not app_id:
        raise Unauthorized("The Wix app is not configured on this server.")
    if not instance:
        raise Unauthorized("The Wix instance is missing.")
    parts = instance.split(".")
    if len(parts) != 2 or not all(parts):
        raise Unauthorized("The Wix instance is malformed: expected signature.payload.")
    signature_b64, payload_b64 = parts
    try:
        signature = _b64decode(signature_b64)
    except (binascii.Error, ValueError):
        raise Unauthorized("The Wix instance signature is not base64url.") from None
    expected = hmac.new(app_secret.encode(), payload_b64.encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(signature, expected):
        raise Unauthorized("The Wix instance signature does not match.")
    try:
        data = json.loads(_b64decode(payload_b64))
    except (binascii.Error, ValueError):
        raise Unauthorized("The Wix instance payload is not base64url JSON.") from None
    if not isinstance(data, dict) or not isinstance(data.get("instanceId"), str) or not data["instanceId"]:
        raise Unauthorized("The Wix instance has no instanceId.")
    if data.get("appDefId") != app_id:
        raise Unauthorized("The Wix instance belongs to another app.")
    now = now or datetime.now(UTC)
    sign_date = _parse_time(data.get("signDate"), "signDate")
    if sign_date - LEEWAY > now:
        raise Unauthorized("The Wix instance is signed in the future.")
    expires_at = _parse_time(data["expirationDate"], "expirationDate") if data.get("expirationDate") else None
    deadline = expires_at or sign_date + UNDATED_INSTANCE_TTL
    if deadline + LEEWAY < now:
        raise Unauthorized("The Wix instance has expired; reload the page from the Wix dashboard.")
    return WixInstance(
        instance_id=data["instanceId"],
        app_def_id=data["appDefId"],
        sign_date=sign_date,
        expires_at=expires_at,
        uid=data.get("uid"),
        permissions=data.get("permissions"),
        vendor_product_id=data.get("vendorProductId"),
        site_owner_id=data.get("siteOwnerId"),
        raw=data,
    )


def _iso(ts: datetime) -> str:
    return ts.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_instance_payload(
    instance_id: str,
    app_id: str,
    *,
    now: datetime | None = None,
    ttl: timedelta = timedelta(hours=4),
    vendor_product_id: str | None = None,
) -> dict[str, Any]:
    """A payload shaped like the instances Wix signs (for the sandbox, the demo and tests)."""
    now = now or datetime.now(UTC)
    owner = str(uuid.uuid5(uuid.NAMESPACE_URL, f"wix-owner:{instance_id}"))
    return {
        "instanceId": instance_id,
        "appDefId": app_id,
        "signDate": _iso(now),
        "expirationDate": _iso(now + ttl),
        "uid": owner,
        "permissions": "OWNER",
        "demoMode": False,
        "siteOwnerId": owner,
        "vendorProductId": vendor_product_id,
        "aor": True,
    }


def sign_instance(payload: dict[str, Any], app_secret: str) -> str:
    payload_b64 = _b64encode(json.dumps(payload, separators=(",", ":")).encode())
    signature = hmac.new(app_secret.encode(), payload_b64.encode(), hashlib.sha256).digest()
    return f"{_b64encode(signature)}.{payload_b64}"


def verify_webhook(body: bytes, *, public_key_pem: str) -> WixWebhookEvent:
    """Check a webhook body (an RS256 JWT) and unwrap its three layers."""
    if not public_key_pem:
        raise Unauthorized("Wix webhooks are not configured on this server (no public key).")
    token = body.decode("ascii", errors="replace").strip()
    try:
        claims = jwt.decode(token, public_key_pem, algorithms=["RS256"], options={"require": ["data"]}, leeway=LEEWAY)
    except jwt.ExpiredSignatureError:
        raise Unauthorized("The Wix webhook has expired.") from None
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"The Wix webhook signature is invalid: {exc}.") from None
    try:
        envelope = json.loads(claims["data"]) if isinstance(claims["data"], str) else claims["data"]
        payload = envelope.get("data") or "{}"
        payload = json.loads(payload) if isinstance(payload, str) else payload
        identity = envelope.get("identity")
        identity = json.loads(identity) if isinstance(identity, str) else identity
    except (TypeError, ValueError, AttributeError):
        raise Unauthorized("The Wix webhook envelope is not the expected JSON.") from None
    event_type, instance_id = envelope.get("eventType"), envelope.get("instanceId")
    if not isinstance(event_type, str) or not isinstance(instance_id, str) or not isinstance(payload, dict):
        raise Unauthorized("The Wix webhook lacks eventType or instanceId.")
    event_id = payload.get("id") or envelope.get("id") or _legacy_event_id(token, event_type, instance_id, payload)
    return WixWebhookEvent(
        event_id=str(event_id),
        event_type=event_type,
        instance_id=instance_id,
        payload=payload,
        identity=identity if isinstance(identity, dict) else None,
    )


def _legacy_event_id(token: str, event_type: str, instance_id: str, payload: dict[str, Any]) -> str:
    """An id for an app-instance event, which carries none (the event `id` belongs to standardised
    events only: https://dev.wix.com/docs/rest/articles/get-started/webhook-structure). A retry is
    signed again, so a billing event is known by what it says, its `operationTimeStamp` included;
    an event without a timestamp (AppInstalled, AppRemoved) by its JWT, as its effect is the same
    however often it is applied, and a later genuine one must not be taken for a replay."""
    if payload.get("operationTimeStamp"):
        what = json.dumps([event_type, instance_id, payload], sort_keys=True)
        return "wix:" + hashlib.sha256(what.encode()).hexdigest()
    return hashlib.sha256(token.encode()).hexdigest()


# The payload fields the app reads, per event type, with their documented types: App Installed
# carries `appId`; the paid-plan events carry `vendorProductId` and `cycle` as strings
# (https://dev.wix.com/docs/api-reference/app-management/app-instance/paid-plan-purchased and its
# sibling pages). The JWT signs the whole envelope; these checks refuse a signed event whose
# payload is not its type's (400) before anything is written.
_PLAN_FIELDS: dict[str, type] = {"vendorProductId": str, "cycle": str}
_EVENT_FIELDS: dict[str, dict[str, type]] = {
    "AppInstalled": {"appId": str},
    **{event: _PLAN_FIELDS for event in ("PaidPlanPurchased", "PaidPlanChanged", "PlanConvertedToPaid")},
    **{event: _PLAN_FIELDS for event in ("PlanReactivated", "PlanTransferred")},
}


# The product events name the product by `entityId` (Catalog V3, a standardised event:
# https://dev.wix.com/docs/api-reference/business-solutions/stores/catalog-v3/products-v3/product-created)
# or by `productId` (Catalog V1, a legacy event:
# https://dev.wix.com/docs/api-reference/business-solutions/stores/catalog-v1/catalog/product-created and
# .../catalog-v1/catalog/product-changed): without it, a signed event says nothing the app can act on.
V3_PRODUCT_CREATED = "wix.stores.catalog.v3.product_created"
V3_PRODUCT_UPDATED = "wix.stores.catalog.v3.product_updated"
V1_PRODUCT_CREATED = "com.wix.ecommerce.catalog.api.v1.ProductCreated"
V1_PRODUCT_CHANGED = "com.wix.ecommerce.catalog.api.v1.ProductChanged"
PRODUCT_ID_FIELDS: dict[str, str] = {
    V3_PRODUCT_CREATED: "entityId",
    V3_PRODUCT_UPDATED: "entityId",
    V1_PRODUCT_CREATED: "productId",
    V1_PRODUCT_CHANGED: "productId",
}


def check_event_payload(event: WixWebhookEvent, *, app_id: str) -> None:
    """Raise MalformedRequest unless the payload has the fields its event type documents."""
    required = PRODUCT_ID_FIELDS.get(event.event_type)
    if required is not None and not (isinstance(event.payload.get(required), str) and event.payload[required]):
        raise MalformedRequest(f"The Wix {event.event_type} event has no {required}.")
    for key, kind in _EVENT_FIELDS.get(event.event_type, {}).items():
        value = event.payload.get(key)
        if value is not None and not isinstance(value, kind):
            raise MalformedRequest(f"The Wix {event.event_type} event's {key} has the wrong type.")
    if event.event_type == "AppInstalled" and event.payload.get("appId") not in (None, app_id):
        raise MalformedRequest("The Wix AppInstalled event names another app.")


def sign_webhook(
    event_type: str,
    instance_id: str,
    payload: dict[str, Any],
    *,
    private_key_pem: str,
    event_id: str | None = None,
    identity: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> str:
    """A webhook body the way Wix sends one (for the sandbox and tests)."""
    now = now or datetime.now(UTC)
    inner = {**payload, **({"id": event_id} if event_id else {})}
    envelope = {
        "eventType": event_type,
        "instanceId": instance_id,
        "data": json.dumps(inner),
        "identity": json.dumps(identity or {"identityType": "APP"}),
    }
    claims = {
        "data": json.dumps(envelope),
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(hours=1)).timestamp()),
    }
    return jwt.encode(claims, private_key_pem, algorithm="RS256")


def generate_keypair() -> tuple[str, str]:
    """(private PEM, public PEM) of a new RSA key, as Wix keeps per app."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


async def mint_access_token(
    http: httpx.AsyncClient, *, api_base: str, app_id: str, app_secret: str, instance_id: str
) -> AccessToken:
    """`POST /oauth2/token` with client credentials for one instance: a 4-hour token, no refresh token."""
    body = {
        "grant_type": "client_credentials",
        "client_id": app_id,
        "client_secret": app_secret,
        "instance_id": instance_id,
    }
    last: Exception | None = None
    for attempt in range(3):
        try:
            res = await http.post(f"{api_base}/oauth2/token", json=body, timeout=15)
        except httpx.TransportError as exc:
            last = exc
        else:
            if res.status_code < 300:
                data = res.json()
                expires_in = int(data.get("expires_in", 14400))
                return AccessToken(data["access_token"], datetime.now(UTC) + timedelta(seconds=expires_in))
            if res.status_code < 500 and res.status_code != 429:
                message = _error_message(res)
                raise PlatformAuthError(f"Wix refused to issue an access token: {message}", status=res.status_code)
            last = PlatformUnavailable(f"Wix answered {res.status_code} to the token request", status=res.status_code)
        if attempt < 2:
            await asyncio.sleep(0.2 * 2**attempt)
    raise PlatformUnavailable(f"Wix could not issue an access token: {last}")


@dataclass(frozen=True)
class SiteInfo:
    name: str = ""
    locale: str = ""
    # The end of the paid billing cycle (`instance.billing.expirationDate`), None on a free plan.
    paid_until: date | None = None


async def site_info(http: httpx.AsyncClient, *, api_base: str, access_token: str) -> SiteInfo:
    """The site's display name and language, and the end of its paid cycle, from Get App Instance
    (`GET /apps/v1/instance`: https://dev.wix.com/docs/rest/app-management/app-instance/get-app-instance);
    empty when Wix does not say (the app works without them)."""
    try:
        res = await http.get(f"{api_base}/apps/v1/instance", headers={"Authorization": access_token}, timeout=10)
        data = res.json() if res.status_code < 300 else {}
    except (httpx.TransportError, ValueError):
        return SiteInfo()
    if not isinstance(data, dict):
        return SiteInfo()
    site = data.get("site")
    site = site if isinstance(site, dict) else {}
    instance = data.get("instance")
    billing = instance.get("billing") if isinstance(instance, dict) else None
    expires = billing.get("expirationDate") if isinstance(billing, dict) else None
    try:
        paid_until = _parse_time(expires, "expirationDate").date() if expires else None
    except Unauthorized:
        paid_until = None
    return SiteInfo(str(site.get("siteDisplayName") or ""), str(site.get("locale") or ""), paid_until)


def _error_message(res: httpx.Response) -> str:
    try:
        data = res.json()
    except ValueError:
        return res.text[:200]
    return str(data.get("message") or data.get("error_description") or data.get("error") or data)[:200]
