"""Platform webhooks. Each event id is recorded in the same transaction as its effect, so a
replayed delivery changes nothing and a failed one is retried by the platform in full."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .. import credits, stores
from ..auth import wix as wix_auth
from ..domain.plans import plan_for_vendor_product
from .context import services

log = logging.getLogger(__name__)

WIX_PLAN_EVENTS = ("PaidPlanPurchased", "PaidPlanChanged", "PlanConvertedToPaid", "PlanReactivated", "PlanTransferred")


async def wix_webhook(request: Request) -> JSONResponse:
    svc = services(request)
    event = wix_auth.verify_webhook(await request.body(), public_key_pem=svc.settings.wix_webhook_public_key)
    wix_auth.check_event_payload(event, app_id=svc.settings.wix_app_id)
    today = datetime.now(UTC).date()
    async with svc.pool.acquire() as conn, conn.transaction():
        store = await stores.find(conn, "wix", event.instance_id)
        first = await stores.record_webhook(
            conn,
            platform="wix",
            event_id=event.event_id,
            event_type=event.event_type,
            store_id=store.id if store else None,
        )
        if not first:
            return JSONResponse({"status": "duplicate", "event_id": event.event_id})
        if event.event_type == "AppRemoved":
            if store is not None and store.installed:
                await stores.uninstall(conn, store.id)
        elif event.event_type == "AppInstalled" or event.event_type in WIX_PLAN_EVENTS:
            if store is None or not store.installed:
                store = await stores.install(
                    conn, platform="wix", external_id=event.instance_id, display_name="", today=today
                )
            if event.event_type in WIX_PLAN_EVENTS:
                plan_id = plan_for_vendor_product(event.payload.get("vendorProductId"))
                await credits.change_plan(conn, store.id, plan_id, cycle=event.payload.get("cycle"))
        elif event.event_type == "PaidPlanAutoRenewalCancelled":
            # The plan stays paid until the current period ends; the monthly reset then moves it to free.
            if store is not None:
                await stores.schedule_plan_end(conn, store.id, store.credits_reset_on)
        else:
            log.info("ignored Wix event %s", event.event_type)
    return JSONResponse({"status": "processed", "event_id": event.event_id})


routes = [Route("/webhooks/wix", wix_webhook, methods=["POST"])]
