"""WooCommerce webhook topics (https://developer.woocommerce.com/docs/apis/rest-api/v3/webhooks/)
as store events: product.created and product.updated are the products the automation step may
take; no other topic is subscribed, and one would change nothing."""

from __future__ import annotations

from ..auth.woocommerce import PRODUCT_TOPICS, WooWebhook, product_id
from .events import PlatformEvent, ProductsChanged, StoreEvent


def store_events(webhook: WooWebhook, *, site: str) -> PlatformEvent:
    """`site`: the store's address, as the app knows it (the webhook's address named the store)."""
    effects: tuple[StoreEvent, ...] = ()
    event_id = webhook.delivery_id
    if webhook.topic in PRODUCT_TOPICS:
        product = product_id(webhook.payload)
        effects = (ProductsChanged((product,), created=webhook.topic == "product.created"),)
        # WooCommerce's delivery id hashes the webhook id and the current second
        # (WC_Webhook::get_new_delivery_id), so two products saved in the same second share it:
        # with the product it names one event.
        event_id = f"{webhook.delivery_id}/{product}"
    return PlatformEvent("woocommerce", site, event_id, webhook.topic, effects)
