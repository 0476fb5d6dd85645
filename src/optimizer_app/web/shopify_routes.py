"""Shopify: the embedded app page (opened with a session token, or a signed install URL), webhooks
(app, billing and the mandatory compliance topics) and subscription billing."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route

from .. import credits, db, installation, stores
from ..auth import shopify as shopify_auth
from ..domain.plans import FREE_PLAN, PLANS
from ..errors import AppError, InvalidRequest, Unauthorized
from ..settings import Settings
from ..store_events import applier
from ..store_events import shopify as shopify_events
from ..stores import Store
from .context import current_store, json_body, services, store_from_shopify_session
from .pages import AppBridge, error_page, store_page
from .services import Services

log = logging.getLogger(__name__)

ADMIN_ORIGIN = "https://admin.shopify.com"


def frame_ancestors(shop: str | None, extra: str = "") -> str:
    """Shopify requires the app page to be framable by the shop's own domain and the admin only
    (plus EXTRA_FRAME_ANCESTORS, which the demo sets to its sandbox admin)."""
    origins = [f"https://{shop}"] if shop and shopify_auth.is_shop_domain(shop) else []
    return "frame-ancestors " + " ".join([*origins, ADMIN_ORIGIN, *extra.split()]) + ";"


def content_security_policy(shop: str | None, settings: Settings) -> str:
    """Framed by the shop's admin only, and App Bridge the one script from another origin."""
    bridge = urlsplit(settings.shopify_app_bridge_url)
    scripts = f"script-src 'self' {bridge.scheme}://{bridge.netloc};"
    return frame_ancestors(shop, settings.extra_frame_ancestors) + " " + scripts


def app_bridge(settings: Settings) -> AppBridge:
    return AppBridge(api_key=settings.shopify_api_key, script=settings.shopify_app_bridge_url)


async def _open(svc: Services, request: Request) -> Store:
    """The shop the admin opened the app for: by its session token or, without one, by a signed
    install/open URL for a shop already installed."""
    token = request.query_params.get("id_token", "")
    if token:
        return await store_from_shopify_session(svc, token)
    if request.query_params.get("hmac"):
        shop = shopify_auth.verify_install_query(
            request.query_params.multi_items(), api_secret=svc.settings.shopify_api_secret
        )
        return await installation.installed_shopify(svc.pool, shop)
    raise Unauthorized("The Shopify session token is missing; open the app from the Shopify admin.")


async def billing_return(svc: Services, store: Store, charge_id: str) -> dict[str, Any] | None:
    """What an approved subscription changed, for the app opened on Shopify's return from its
    approval page (`?charge_id=<the subscription's number>`): the plan it was created for, whether
    the store is on it yet (the `app_subscriptions/update` webhook moves it, and may come after the
    owner) and the credits the move added. None for a charge this app did not create for this shop."""
    if not charge_id.isdigit() or len(charge_id) > 20:
        return None
    async with db.acquire(svc.pool) as conn:
        found = await stores.store_subscription(
            conn, store.id, platform="shopify", subscription_id=f"gid://shopify/AppSubscription/{charge_id}"
        )
        if found is None:
            return None
        plan_id, created_at = found
        added = await credits.plan_change_since(conn, store.id, plan_id, created_at)
    active = store.plan_id == plan_id
    return {"plan": plan_id, "active": active, "credits_added": (added or 0) if active else None}


async def shopify_app(request: Request) -> HTMLResponse:
    svc = services(request)
    shop = request.query_params.get("shop")
    try:
        store = await _open(svc, request)
    except AppError as exc:
        response = error_page(exc)
    else:
        shop = store.external_id
        upgraded = await billing_return(svc, store, request.query_params.get("charge_id", ""))
        response = store_page(request, "shopify", store, app_bridge(svc.settings), extra={"billing_return": upgraded})
    response.headers["Content-Security-Policy"] = content_security_policy(shop, svc.settings)
    return response


async def shopify_webhook(request: Request) -> JSONResponse:
    svc = services(request)
    webhook = shopify_auth.verify_webhook_request(
        await request.body(), request.headers, api_secret=svc.settings.shopify_api_secret
    )
    outcome = await applier.apply(svc.pool, svc.cipher, shopify_events.store_events(webhook))
    return JSONResponse({"status": outcome.status, "event_id": outcome.event_id})


def admin_app_url(shop: str, svc: Services) -> str:
    """The app's page inside the shop's admin, in the form Shopify documents for it
    (`https://admin.shopify.com/store/{store handle}/apps/{app handle}`, the store handle being the
    shop domain's first label; https://shopify.dev/docs/apps/launch/billing/redirect-plan-selection-page)
    rather than a hand-made `https://{shop}/admin/apps/…`, which works only through a redirect."""
    store_handle = shop.removesuffix(".myshopify.com")
    app_handle = svc.settings.shopify_app_handle or svc.settings.shopify_api_key
    return f"{ADMIN_ORIGIN}/store/{store_handle}/apps/{app_handle}"


async def billing_upgrade(request: Request) -> JSONResponse:
    """Start a plan change: create the app subscription; the owner approves it at `confirmation_url`
    and the `app_subscriptions/update` webhook then moves the store to the plan."""
    store = await current_store(request)
    svc = services(request)
    body = await json_body(request)
    plan = PLANS.get(str(body.get("plan") or ""))
    if plan is None or plan.id == FREE_PLAN:
        raise InvalidRequest("plan must be one of the paid plans: " + ", ".join(p for p in PLANS if p != FREE_PLAN))
    if store.platform != "shopify":
        raise InvalidRequest(f"Plans of {store.platform} stores are bought from the platform's own pricing page.")
    client = svc.clients.shopify_client(store)
    subscription = await client.create_subscription(
        name=plan.name,
        price=plan.price_cents / 100,
        currency="USD",
        # Back into the Shopify admin, which frames the app again with a fresh session token.
        return_url=admin_app_url(store.external_id, svc),
        test=svc.settings.shopify_test_charges,
    )
    async with db.acquire(svc.pool) as conn:
        await stores.remember_subscription(
            conn, store.id, platform="shopify", subscription_id=subscription.id, plan_id=plan.id
        )
    return JSONResponse(
        {"plan": plan.id, "subscription_id": subscription.id, "confirmation_url": subscription.confirmation_url},
        status_code=201,
    )


routes = [
    Route("/app/shopify", shopify_app, methods=["GET"]),
    Route("/webhooks/shopify", shopify_webhook, methods=["POST"]),
    Route("/api/billing/upgrade", billing_upgrade, methods=["POST"]),
]
