"""Wix app-instance events (https://dev.wix.com/docs/api-reference/app-management/app-instance)
as store events."""

from __future__ import annotations

from datetime import date

from ..auth.wix import WixWebhookEvent
from ..domain.plans import plan_for
from .events import Installed, PlanChanged, PlanEnds, PlanKept, PlatformEvent, StoreEvent, Uninstalled

PLAN_EVENTS = ("PaidPlanPurchased", "PaidPlanChanged", "PlanConvertedToPaid", "PlanReactivated", "PlanTransferred")


def store_events(event: WixWebhookEvent, *, paid_until: date | None = None) -> PlatformEvent:
    """`paid_until`: the end of the paid cycle as Get App Instance reports it
    (`instance.billing.expirationDate`), looked up by the caller for an auto-renewal cancellation,
    whose payload does not carry it."""
    effects = tuple(_effects(event, paid_until))
    return PlatformEvent("wix", event.instance_id, event.event_id, event.event_type, effects)


def _effects(event: WixWebhookEvent, paid_until: date | None) -> list[StoreEvent]:
    kind = event.event_type
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
