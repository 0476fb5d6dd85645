"""Wix app-instance events (https://dev.wix.com/docs/api-reference/app-management/app-instance)
as store events."""

from __future__ import annotations

from ..auth.wix import WixWebhookEvent
from ..domain.plans import plan_for
from .events import Installed, PlanChanged, PlanEnds, PlanKept, PlatformEvent, StoreEvent, Uninstalled

PLAN_EVENTS = ("PaidPlanPurchased", "PaidPlanChanged", "PlanConvertedToPaid", "PlanReactivated", "PlanTransferred")


def store_events(event: WixWebhookEvent) -> PlatformEvent:
    return PlatformEvent("wix", event.instance_id, event.event_id, event.event_type, tuple(_effects(event)))


def _effects(event: WixWebhookEvent) -> list[StoreEvent]:
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
        # The plan stays paid until the current period ends.
        return [PlanEnds()]
    return []
