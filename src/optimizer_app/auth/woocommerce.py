"""WooCommerce's identity: REST API keys and one-legged OAuth 1.0a, the signature WooCommerce
verifies on plain-HTTP requests (https://woocommerce.github.io/woocommerce-rest-api-docs/#authentication-over-http),
and the signature of the webhooks a site sends the app.

Webhooks (https://developer.woocommerce.com/docs/apis/rest-api/v3/webhooks/ and WC_Webhook::deliver
in woocommerce/woocommerce plugins/woocommerce/includes/class-wc-webhook.php): the body is the
resource as the REST API shows it, `X-WC-Webhook-Signature` the base64 HMAC-SHA256 of the raw body
with the webhook's secret, with `X-WC-Webhook-Topic`, `-Resource`, `-Event`, `-ID`, `-Source` and
`-Delivery-ID`. The REST API never shows a webhook's secret again, so the app derives each site's
from SECRET_KEY and the site's address instead of storing it. Creating a webhook sends a ping
first: `webhook_id=<id>` as a form body, unsigned (WC_Webhook::deliver_ping)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from ..errors import MalformedRequest, Unauthorized
from ..strict_json import loads_object

# The product topics the app subscribes to; both carry the product (GET /products/<id>) as body.
PRODUCT_TOPICS = ("product.created", "product.updated")
_PING = re.compile(rb"webhook_id=\d{1,20}")


@dataclass(frozen=True)
class WooCredentials:
    consumer_key: str
    consumer_secret: str


def _pct(value: str) -> str:
    return quote(value, safe="~-._")


_HASHES = {"HMAC-SHA256": hashlib.sha256, "HMAC-SHA1": hashlib.sha1}


def oauth1_params(
    method: str,
    url: str,
    query: Mapping[str, str],
    creds: WooCredentials,
    *,
    nonce: str,
    timestamp: int,
    signature_method: str = "HMAC-SHA256",
) -> dict[str, str]:
    """One-legged OAuth 1.0a as WooCommerce verifies it: the signature base string is
    METHOD&url&sorted(params), the key is `consumer_secret&`; the body is not signed."""
    oauth = {
        "oauth_consumer_key": creds.consumer_key,
        "oauth_nonce": nonce,
        "oauth_signature_method": signature_method,
        "oauth_timestamp": str(timestamp),
    }
    params = {**query, **oauth}
    normalized = "&".join(f"{_pct(k)}={_pct(v)}" for k, v in sorted(params.items()))
    base = "&".join([method.upper(), _pct(url), _pct(normalized)])
    digest = hmac.new(f"{creds.consumer_secret}&".encode(), base.encode(), _HASHES[signature_method]).digest()
    return {**oauth, "oauth_signature": base64.b64encode(digest).decode()}


@dataclass(frozen=True)
class WooWebhook:
    topic: str
    delivery_id: str
    payload: dict[str, Any]


def webhook_secret(secret_key: str, site_url: str) -> str:
    """The secret the app gives the webhooks it creates on `site_url`."""
    digest = hmac.new(secret_key.encode(), f"woocommerce-webhook:{site_url}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def sign_webhook(body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def is_ping(body: bytes, headers: Mapping[str, str]) -> bool:
    """The ping WooCommerce sends to a new webhook's address: answered 200, acted on never."""
    return "x-wc-webhook-signature" not in headers and bool(_PING.fullmatch(body.strip()))


def verify_webhook_request(body: bytes, headers: Mapping[str, str], *, secrets: Sequence[str]) -> WooWebhook:
    """Check the signature against the site's secrets (401: one per SECRET_KEY, so a rotated key
    still verifies the webhooks made with the old one), then the topic and delivery id headers and,
    for a product topic, the product in the body (400)."""
    signature = headers.get("x-wc-webhook-signature")
    if not signature:
        raise Unauthorized("The WooCommerce webhook is not signed.")
    try:
        given = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        raise Unauthorized("The WooCommerce webhook signature is not base64.") from None
    if not any(hmac.compare_digest(given, base64.b64decode(sign_webhook(body, s))) for s in secrets):
        raise Unauthorized("The WooCommerce webhook signature does not match.")
    topic = headers.get("x-wc-webhook-topic", "")
    delivery_id = headers.get("x-wc-webhook-delivery-id", "")
    if not topic or not delivery_id or len(delivery_id) > 200:
        raise MalformedRequest("The webhook lacks its X-WC-Webhook-Topic or X-WC-Webhook-Delivery-ID header.")
    payload = loads_object(body, "The webhook body")
    if topic in PRODUCT_TOPICS:
        product_id(payload)
    return WooWebhook(topic=topic, delivery_id=delivery_id, payload=payload)


def product_id(payload: dict[str, Any]) -> str:
    """The product a product.* body is (its REST `id`, as our client names products)."""
    number = payload.get("id")
    if not isinstance(number, int) or isinstance(number, bool) or number <= 0:
        raise MalformedRequest("The product webhook body has no product id.")
    return str(number)
