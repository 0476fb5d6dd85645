"""Wix webhooks: verified, mapped to store events and applied once per event id."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ..auth import wix as wix_auth
from ..store_events import applier
from ..store_events import wix as wix_events
from .context import services


async def wix_webhook(request: Request) -> JSONResponse:
    svc = services(request)
    event = wix_auth.verify_webhook(await request.body(), public_key_pem=svc.settings.wix_webhook_public_key)
    wix_auth.check_event_payload(event, app_id=svc.settings.wix_app_id)
    outcome = await applier.apply(svc.pool, svc.cipher, wix_events.store_events(event))
    return JSONResponse({"status": outcome.status, "event_id": outcome.event_id})


routes = [Route("/webhooks/wix", wix_webhook, methods=["POST"])]
