"""Shopify webhook topics (https://shopify.dev/docs/api/webhooks?reference=toml and
https://shopify.dev/docs/apps/build/privacy-law-compliance) as store events."""

from __future__ import annotations

from ..auth.shopify import ShopifyWebhook, product_gid
from .events import (
    PlatformEvent,
    ProductsChanged,
    Redacted,
    StoreEvent,
    SubscriptionState,
    SubscriptionStatusChanged,
    Uninstalled,
)

# AppSubscriptionStatus values that end a subscription; ACTIVE starts one, PENDING, ACCEPTED and
# DECLINED change nothing yet.
_ENDED = ("CANCELLED", "EXPIRED", "FROZEN")


def store_events(webhook: ShopifyWebhook) -> PlatformEvent:
    return PlatformEvent("shopify", webhook.shop, webhook.event_id, webhook.topic, tuple(_effects(webhook)))


def _effects(webhook: ShopifyWebhook) -> list[StoreEvent]:
    topic, payload = webhook.topic, webhook.payload
    if topic == "app/uninstalled":
        return [Uninstalled()]
    if topic == "app_subscriptions/update":
        subscription = payload["app_subscription"]
        status = str(subscription["status"]).upper()
        state: SubscriptionState = "active" if status == "ACTIVE" else "ended" if status in _ENDED else "other"
        cycle = str(subscription.get("interval") or "")
        return [SubscriptionStatusChanged(subscription["admin_graphql_api_id"], state, cycle)]
    if topic == "shop/redact":
        return [Redacted()]
    if topic in ("products/create", "products/update"):
        # https://shopify.dev/docs/api/webhooks?reference=graphql (products/create, products/update)
        return [ProductsChanged((product_gid(payload),), created=topic == "products/create")]
    # customers/data_request and customers/redact: the app keeps no customer data (products
    # only), so there is nothing to report or erase.
    return []
