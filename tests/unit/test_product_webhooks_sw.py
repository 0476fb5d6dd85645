"""Shopify's and WooCommerce's product webhooks as store events, from the documented payloads in
tests/contracts/ (no database, no HTTP)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from optimizer_app.auth import shopify as shopify_auth
from optimizer_app.auth import woocommerce as woo_auth
from optimizer_app.errors import MalformedRequest, Unauthorized
from optimizer_app.store_events import shopify, woocommerce
from optimizer_app.store_events.events import PlatformEvent, ProductsChanged
from tests.factories import CONTRACTS, contract

SHOP = "a-shop.myshopify.com"
SHOPIFY_SECRET = "shpss_unit"
SITE = "https://shop.example.com"

# The documented delivery (its `source` is a list, as in the other WooCommerce fixtures).
WOO_DELIVERY: dict[str, Any] = json.loads((CONTRACTS / "woocommerce" / "webhook_product_created.json").read_text())


def shopify_delivery(name: str, event_id: str = "evt-1") -> shopify_auth.ShopifyWebhook:
    fixture = contract("shopify", name)
    body = json.dumps(fixture["example"]).encode()
    headers = {
        **{k.lower(): v for k, v in fixture["headers"].items()},
        "x-shopify-shop-domain": SHOP,
        "x-shopify-event-id": event_id,
        "x-shopify-hmac-sha256": shopify_auth.sign_webhook(body, SHOPIFY_SECRET),
    }
    return shopify_auth.verify_webhook_request(body, headers, api_secret=SHOPIFY_SECRET)


@pytest.mark.parametrize(
    ("name", "product", "created"),
    [
        # The reference sample names the product both ways; the app reads it as GraphQL names it.
        ("products_create", "gid://shopify/Product/788032119674292922", True),
        # A narrowed body (include_fields) without admin_graphql_api_id: its numeric id.
        ("products_update", "gid://shopify/Product/9554194432293", False),
    ],
)
def test_shopify_product_topics(name: str, product: str, created: bool) -> None:
    webhook = shopify_delivery(name)
    assert shopify.store_events(webhook) == PlatformEvent(
        "shopify", SHOP, "evt-1", webhook.topic, (ProductsChanged((product,), created=created),)
    )


@pytest.mark.parametrize(
    "payload",
    [
        {"title": "no id"},
        {"id": "788032119674292922"},
        {"id": True},
        {"id": 0},
        {"id": 1, "admin_graphql_api_id": "gid://shopify/Product/2"},
        {"id": 1, "admin_graphql_api_id": "gid://shopify/Collection/1"},
    ],
)
def test_a_shopify_product_body_naming_no_product_or_two_is_malformed(payload: dict[str, Any]) -> None:
    with pytest.raises(MalformedRequest):
        shopify_auth.check_webhook_payload("products/create", SHOP, payload)


def woo_delivery(body: bytes, secret: str, **headers: str) -> dict[str, str]:
    fixture = WOO_DELIVERY
    return {
        **{k.lower(): v for k, v in fixture["headers"].items()},
        "x-wc-webhook-signature": woo_auth.sign_webhook(body, secret),
        **headers,
    }


@pytest.mark.parametrize(("topic", "created"), [("product.created", True), ("product.updated", False)])
def test_woocommerce_product_topics(topic: str, created: bool) -> None:
    fixture = WOO_DELIVERY
    body = json.dumps(fixture["example"]).encode()
    secret = woo_auth.webhook_secret("key-1", SITE)
    headers = woo_delivery(body, secret, **{"x-wc-webhook-topic": topic})
    webhook = woo_auth.verify_webhook_request(body, headers, secrets=[secret])
    delivery = fixture["headers"]["X-WC-Webhook-Delivery-ID"]
    assert woocommerce.store_events(webhook, site=SITE) == PlatformEvent(
        "woocommerce", SITE, f"{delivery}/794", topic, (ProductsChanged(("794",), created=created),)
    )


def test_woocommerce_other_topics_change_nothing() -> None:
    body = b'{"id": 7, "status": "processing"}'
    secret = woo_auth.webhook_secret("key-1", SITE)
    webhook = woo_auth.verify_webhook_request(
        body, woo_delivery(body, secret, **{"x-wc-webhook-topic": "order.updated"}), secrets=[secret]
    )
    assert woocommerce.store_events(webhook, site=SITE).effects == ()


def test_woocommerce_secrets_are_per_site_and_key_and_a_rotated_key_still_verifies() -> None:
    old, new = woo_auth.webhook_secret("key-old", SITE), woo_auth.webhook_secret("key-new", SITE)
    assert len({old, new, woo_auth.webhook_secret("key-new", "https://other.example.com")}) == 3
    body = json.dumps(WOO_DELIVERY["example"]).encode()
    woo_auth.verify_webhook_request(body, woo_delivery(body, old), secrets=[new, old])
    with pytest.raises(Unauthorized):
        woo_auth.verify_webhook_request(body, woo_delivery(body, old), secrets=[new])
    with pytest.raises(Unauthorized):
        woo_auth.verify_webhook_request(
            body, woo_delivery(body, old, **{"x-wc-webhook-signature": "%%"}), secrets=[old]
        )


def test_woocommerce_ping_is_the_unsigned_form_body_only() -> None:
    assert woo_auth.is_ping(b"webhook_id=12", {})
    assert not woo_auth.is_ping(b"webhook_id=12", {"x-wc-webhook-signature": "x"})
    assert not woo_auth.is_ping(b'{"id": 12}', {})
    assert not woo_auth.is_ping(b"webhook_id=12&more=1", {})
