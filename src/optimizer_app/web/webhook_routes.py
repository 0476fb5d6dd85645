"""Wix webhooks: verified, mapped to store events and applied once per event id."""

from __future__ import annotations

import logging
from datetime import date

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ..auth import wix as wix_auth
from ..platforms.base import StorePlatformError
from ..store_events import applier
from ..store_events import wix as wix_events
from .context import services
from .services import Services

log = logging.getLogger(__name__)


async def wix_webhook(request: Request) -> JSONResponse:
    svc = services(request)
    event = wix_auth.verify_webhook(await request.body(), public_key_pem=svc.settings.wix_webhook_public_key)
    wix_auth.check_event_payload(event, app_id=svc.settings.wix_app_id)
    paid_until = None
    if event.event_type == "PaidPlanAutoRenewalCancelled":
        paid_until = await _paid_until(svc, event.instance_id)
    outcome = await applier.apply(svc.pool, svc.cipher, wix_events.store_events(event, paid_until=paid_until))
    return JSONResponse({"status": outcome.status, "event_id": outcome.event_id})


async def _paid_until(svc: Services, instance_id: str) -> date | None:
    """The end of the site's paid cycle from Get App Instance; None when Wix cannot say now (the
    plan then ends with the current credit period rather than the webhook failing)."""
    try:
        token = await svc.clients.mint_wix(instance_id)
    except StorePlatformError as exc:
        log.warning("no Wix token to read the paid cycle's end: %s", exc)
        return None
    site = await wix_auth.site_info(svc.http, api_base=svc.settings.wix_api_base, access_token=token.token)
    return site.paid_until


routes = [Route("/webhooks/wix", wix_webhook, methods=["POST"])]
