"""Shopify: the embedded app page, session-token identity with token exchange, webhooks (app,
billing and the mandatory compliance topics) and subscription billing."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route

from .. import credits, stores
from ..auth import shopify as shopify_auth
from ..domain.plans import FREE_PLAN, PLANS
from ..errors import InvalidRequest, MalformedRequest, Unauthorized
from ..stores import Store
from ..strict_json import loads_object
from .context import current_store, json_body, services
from .services import Services
from .shell_routes import app_page

log = logging.getLogger(__name__)

ADMIN_ORIGIN = "https://admin.shopify.com"
_ENDED = ("CANCELLED", "EXPIRED", "FROZEN")


async def store_from_shopify_session(svc: Services, token: str) -> Store:
    """Verify an App Bridge session token; on the shop's first open (or after a reinstall, or
    when its credentials were refused) exchange it for an offline access token and install it."""
    session = shopify_auth.verify_session_token(
        token, api_key=svc.settings.shopify_api_key, api_secret=svc.settings.shopify_api_secret
    )
    async with svc.pool.acquire() as conn:
        store = await stores.find(conn, "shopify", session.shop)
    if store is not None and store.installed and store.access_token_enc is not None and not store.needs_reauth:
        return store
    offline = await svc.clients.exchange_shopify(session.shop, token)
    async with svc.pool.acquire() as conn, conn.transaction():
        store = await stores.install(
            conn,
            platform="shopify",
            external_id=session.shop,
            display_name=session.shop.removesuffix(".myshopify.com"),
            today=datetime.now(UTC).date(),
        )
        await stores.save_tokens(
            conn,
            store.id,
            access_token_enc=svc.cipher.encrypt(offline.access_token),
            expires_at=offline.expires_at,
            refresh_token_enc=svc.cipher.encrypt(offline.refresh_token) if offline.refresh_token else None,
        )
        installed = await stores.get(conn, store.id)
    assert installed is not None
    return installed


def frame_ancestors(shop: str | None, extra: str = "") -> str:
    """Shopify requires the app page to be framable by the shop's own domain and the admin only
    (plus EXTRA_FRAME_ANCESTORS, which the demo sets to its sandbox admin)."""
    origins = [f"https://{shop}"] if shop and shopify_auth.is_shop_domain(shop) else []
    return "frame-ancestors " + " ".join([*origins, ADMIN_ORIGIN, *extra.split()]) + ";"


async def _store_from_install_query(svc: Services, request: Request) -> Store:
    """Opened without a session token: a signed install/open URL for a shop already installed."""
    shop = shopify_auth.verify_install_query(
        request.query_params.multi_items(), api_secret=svc.settings.shopify_api_secret
    )
    async with svc.pool.acquire() as conn:
        store = await stores.find(conn, "shopify", shop)
    if store is None or not store.installed or store.access_token_enc is None:
        raise Unauthorized("Open the app from the Shopify admin to finish installing it.")
    return store


async def shopify_app(request: Request) -> HTMLResponse:
    verified: list[str] = []

    async def identify(svc: Services, req: Request) -> Store:
        token = req.query_params.get("id_token", "")
        if token:
            store = await store_from_shopify_session(svc, token)
        elif req.query_params.get("hmac"):
            store = await _store_from_install_query(svc, req)
        else:
            raise Unauthorized("The Shopify session token is missing; open the app from the Shopify admin.")
        verified.append(store.external_id)
        return store

    response = await app_page(request, "shopify", identify)
    shop = verified[0] if verified else request.query_params.get("shop")
    extra = services(request).settings.extra_frame_ancestors
    response.headers["Content-Security-Policy"] = frame_ancestors(shop, extra)
    return response


async def shopify_webhook(request: Request) -> JSONResponse:
    svc = services(request)
    body = await request.body()
    shopify_auth.verify_webhook(
        body, request.headers.get("x-shopify-hmac-sha256"), api_secret=svc.settings.shopify_api_secret
    )
    topic = request.headers.get("x-shopify-topic", "")
    shop = request.headers.get("x-shopify-shop-domain", "")
    event_id = request.headers.get("x-shopify-webhook-id") or request.headers.get("x-shopify-event-id")
    if not topic or not shopify_auth.is_shop_domain(shop) or not event_id:
        raise MalformedRequest("The webhook lacks its topic, shop domain or webhook id headers.")
    payload = loads_object(body, "The webhook body")
    shopify_auth.check_webhook_payload(topic, shop, payload)
    async with svc.pool.acquire() as conn, conn.transaction():
        store = await stores.find(conn, "shopify", shop)
        first = await stores.record_webhook(
            conn, platform="shopify", event_id=event_id, event_type=topic, store_id=store.id if store else None
        )
        if not first:
            return JSONResponse({"status": "duplicate", "event_id": event_id})
        if topic == "app/uninstalled":
            if store is not None and store.installed:
                await stores.uninstall(conn, store.id)
        elif topic == "app_subscriptions/update":
            subscription = payload["app_subscription"]
            status = str(subscription["status"]).upper()
            # The signed body names the subscription, not the shop: the store and the plan are
            # the ones the app created that subscription for.
            owner = await stores.subscription_owner(conn, "shopify", subscription["admin_graphql_api_id"])
            if owner is None:
                log.info("Shopify subscription update for a subscription this app did not create (%s)", shop)
                return JSONResponse({"status": "ignored", "event_id": event_id})
            owner_id, plan_id = owner
            if store is None or owner_id != store.id:
                raise MalformedRequest("The subscription in the webhook body belongs to another shop.")
            if status == "ACTIVE":
                await credits.change_plan(conn, store.id, plan_id, cycle=str(subscription.get("interval") or ""))
            elif status in _ENDED and store.plan_id == plan_id:
                # Only the subscription of the current plan ends it (an upgrade cancels the old one).
                await credits.change_plan(conn, store.id, FREE_PLAN)
        elif topic in ("customers/data_request", "customers/redact"):
            # The app keeps no customer data (products only): nothing to report or erase.
            log.info("Shopify %s for %s: no customer data held", topic, shop)
        elif topic == "shop/redact":
            if store is not None:
                await stores.redact(conn, store.id)
        else:
            log.info("ignored Shopify topic %s", topic)
    return JSONResponse({"status": "processed", "event_id": event_id})


def admin_app_url(shop: str, svc: Services) -> str:
    """The app's page inside the shop's admin (`https://{shop}/admin/apps/{api key}`)."""
    return (
        f"{shopify_auth.admin_origin(shop, svc.settings.shopify_admin_base)}/admin/apps/{svc.settings.shopify_api_key}"
    )


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
    async with svc.pool.acquire() as conn:
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
