"""Wix app-instance events (https://dev.wix.com/docs/api-reference/app-management/app-instance)
and Wix Stores product events as store events.

Products: a site runs Catalog V1 or V3 (platforms/wix.py), and each sends only its own catalog's
events, so the app subscribes to both ("Subscribe to BOTH V1 and V3 webhooks so your app handles
every site": wix/skills `skills/wix-app/references/STORES_VERSIONING.md`). V3's Product Created and
Product Updated are standardised events naming the product by `entityId`
(https://dev.wix.com/docs/api-reference/business-solutions/stores/catalog-v3/products-v3/product-created,
.../products-v3/product-updated); V1's Product Created and Product Changed are legacy events naming
it by `productId` (https://dev.wix.com/docs/api-reference/business-solutions/stores/catalog-v1/catalog/product-created,
.../catalog-v1/catalog/product-changed). Either id is the product's GUID as both catalogs' APIs
name it. The event type strings are the envelope's `eventType` (wix.stores.catalog.v3.product_created
is the FQDN form of https://dev.wix.com/docs/rest/articles/get-started/webhook-structure; the V1
strings as production handlers match them, e.g. `com.wix.ecommerce.catalog.api.v1.ProductCreated`).
"""

from __future__ import annotations

from datetime import date

from ..auth.wix import PRODUCT_ID_FIELDS, V1_PRODUCT_CREATED, V3_PRODUCT_CREATED, WixWebhookEvent
from ..domain.plans import plan_for
from .events import Installed, PlanChanged, PlanEnds, PlanKept, PlatformEvent, ProductsChanged, StoreEvent, Uninstalled

PLAN_EVENTS = ("PaidPlanPurchased", "PaidPlanChanged", "PlanConvertedToPaid", "PlanReactivated", "PlanTransferred")


def store_events(event: WixWebhookEvent, *, paid_until: date | None = None) -> PlatformEvent:
    """`paid_until`: the end of the paid cycle as Get App Instance reports it
    (`instance.billing.expirationDate`), looked up by the caller for an auto-renewal cancellation,
    whose payload does not carry it."""
    effects = tuple(_effects(event, paid_until))
    return PlatformEvent("wix", event.instance_id, event.event_id, event.event_type, effects)


def _effects(event: WixWebhookEvent, paid_until: date | None) -> list[StoreEvent]:
    kind = event.event_type
    if kind in PRODUCT_ID_FIELDS:
        # auth.wix.check_event_payload has checked that the id field is a non-empty string.
        product_id = str(event.payload[PRODUCT_ID_FIELDS[kind]])
        return [ProductsChanged((product_id,), created=kind in (V3_PRODUCT_CREATED, V1_PRODUCT_CREATED))]
    if kind == "AppInstalled":
        return [Installed()]
    if kind == "AppRemoved":
        return [Uninstalled()]
    if kind in PLAN_EVENTS:
        # A plan bought for a site the app has not seen installs it first.
        # `vendorProductId` is the plan's id as created in the app dashboard (starter, pro, scale).
        vendor_plan = event.payload.get("vendorProductId")
        plan_id = plan_for(str(vendor_plan) if vendor_plan is not None else None)
        if plan_id is None:
            return [Installed(), PlanKept(f"{kind}: the Wix plan {vendor_plan!r} is none of ours")]
        return [Installed(), PlanChanged(plan_id, event.payload.get("cycle"))]
    if kind == "PaidPlanAutoRenewalCancelled":
        # "The Wix user can continue to use your app until the end of the current billing cycle"
        # (https://dev.wix.com/docs/api-reference/app-management/app-instance/paid-plan-auto-renewal-cancelled);
        # without that date, the end of the current credit period.
        return [PlanEnds(paid_until)]
    return []
