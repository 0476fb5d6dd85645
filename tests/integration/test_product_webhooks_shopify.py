"""Shopify's product webhooks end to end, over loopback HTTP and PostgreSQL: the app subscribes
products/create and products/update when a shop installs it (once, and again after a reinstall),
a product the owner adds in the sandbox admin or changed through the Admin API becomes one
automation change, and forged, replayed or malformed deliveries record nothing more."""

from __future__ import annotations

import json
import uuid
from typing import Any

import asyncpg
import httpx

from optimizer_app import stores
from optimizer_app.auth import shopify as shopify_auth
from optimizer_app.domain.attributes import Attribute
from optimizer_app.platforms.shopify import DOCUMENTS, to_product_input
from optimizer_sandbox.runner import LoopbackServer
from optimizer_sandbox.shopify import ShopifySandbox
from tests.factories import contract
from tests.integration.automation_stack import automation_changes, wait_for_change
from tests.integration.shopify_stack import API_SECRET, settings, shop_session, shopify_sandbox, web, web_port

__all__ = ["settings", "shopify_sandbox", "web", "web_port"]

PRODUCT_TOPICS = {"PRODUCTS_CREATE", "PRODUCTS_UPDATE"}


def new_shop() -> str:
    return f"hooks-{uuid.uuid4().hex[:10]}.myshopify.com"


def sandbox_state(server: LoopbackServer) -> ShopifySandbox:
    state: ShopifySandbox = server.app.state.shopify
    return state


def subscriptions(server: LoopbackServer, shop: str) -> list[dict[str, Any]]:
    return sorted(sandbox_state(server).shop(shop).webhooks.values(), key=lambda w: w["topic"])


async def install(web: LoopbackServer, shop: str) -> int:
    async with httpx.AsyncClient(base_url=web.url, timeout=30) as client:
        me = await client.get("/api/me", headers=shop_session(shop))
    assert me.status_code == 200, me.text
    store_id: int = me.json()["store"]["id"]
    return store_id


def post_webhook(
    web: LoopbackServer, topic: str, shop: str, payload: Any, *, event_id: str, secret: str = API_SECRET
) -> httpx.Response:
    body = json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Shop-Domain": shop,
        "X-Shopify-API-Version": "2026-10",
        "X-Shopify-Webhook-Id": str(uuid.uuid4()),
        "X-Shopify-Event-Id": event_id,
        "X-Shopify-Hmac-Sha256": shopify_auth.sign_webhook(body, secret),
    }
    return httpx.post(f"{web.url}/webhooks/shopify", content=body, headers=headers)


async def test_install_subscribes_the_product_topics_once_and_again_after_a_reinstall(
    web: LoopbackServer, shopify_sandbox: LoopbackServer, pool: asyncpg.Pool
) -> None:
    shop = new_shop()
    store_id = await install(web, shop)
    first = subscriptions(shopify_sandbox, shop)
    assert {w["topic"] for w in first} == PRODUCT_TOPICS and len(first) == 2
    assert {w["uri"] for w in first} == {f"{web.url}/webhooks/shopify"}

    # Opened again: installed already, nothing subscribed twice.
    await install(web, shop)
    assert subscriptions(shopify_sandbox, shop) == first

    # The app lost the shop (its tokens wiped) while Shopify kept the subscriptions: installing
    # again keeps the two with our address and asks for no new one.
    creates = sandbox_state(shopify_sandbox).counts["webhookSubscriptionCreate"]
    async with pool.acquire() as conn:
        await stores.uninstall(conn, store_id)
    await install(web, shop)
    assert subscriptions(shopify_sandbox, shop) == first
    assert sandbox_state(shopify_sandbox).counts["webhookSubscriptionCreate"] == creates

    # Uninstalled in Shopify: its subscriptions go with it, and a reinstall subscribes again.
    assert httpx.post(f"{shopify_sandbox.url}/_sandbox/shops/{shop}/uninstall").json()["webhook_status"] == 200
    assert subscriptions(shopify_sandbox, shop) == []
    await install(web, shop)
    again = subscriptions(shopify_sandbox, shop)
    assert {w["topic"] for w in again} == PRODUCT_TOPICS and len(again) == 2


async def test_a_product_added_in_the_admin_reaches_automation_as_created(
    web: LoopbackServer, shopify_sandbox: LoopbackServer, pool: asyncpg.Pool
) -> None:
    shop = new_shop()
    store_id = await install(web, shop)
    res = httpx.post(
        f"{shopify_sandbox.url}/_sandbox/admin/products",
        json={"store": shop, "title": "Linen Apron", "description": "<p>Apron.</p>"},
    )
    assert res.status_code == 201, res.text
    product_id = res.json()["product_id"]
    assert product_id.startswith("gid://shopify/Product/")

    row = await wait_for_change(pool, store_id, product_id)
    assert row["created"] is True and row["source"] == "products/create"
    assert [r["product_id"] for r in await automation_changes(pool, store_id)] == [product_id]
    deliveries = httpx.get(f"{shopify_sandbox.url}/_sandbox/webhook-deliveries").json()
    mine = [d for d in deliveries if d["store"] == shop]
    assert [(d["topic"], d["status"]) for d in mine] == [("products/create", 200)]


async def test_a_product_changed_through_the_admin_api_reaches_automation_as_changed(
    web: LoopbackServer, shopify_sandbox: LoopbackServer, pool: asyncpg.Pool
) -> None:
    shop = new_shop()
    store_id = await install(web, shop)
    state = sandbox_state(shopify_sandbox)
    token = state.issue(shop, expiring=False)["access_token"]
    product_id = "gid://shopify/Product/8000000003"
    # The very mutation the app publishes with.
    variables = {"product": to_product_input(product_id, {Attribute.SEO_TITLE: "Linen, washed"})}
    res = httpx.post(
        f"{shopify_sandbox.url}/admin/api/2026-10/graphql.json",
        json={"query": DOCUMENTS["ProductUpdate"], "variables": variables, "operationName": "ProductUpdate"},
        headers={"X-Shopify-Access-Token": token},
    )
    assert res.status_code == 200 and res.json()["data"]["productUpdate"]["userErrors"] == [], res.text

    row = await wait_for_change(pool, store_id, product_id)
    assert row["created"] is False and row["source"] == "products/update"


async def test_forged_replayed_and_malformed_deliveries(web: LoopbackServer, pool: asyncpg.Pool) -> None:
    shop = new_shop()
    store_id = await install(web, shop)
    created = contract("shopify", "products_create")["example"]

    forged = post_webhook(web, "products/create", shop, created, event_id="e-1", secret="shpss_" + "0" * 58)
    assert forged.status_code == 401
    for broken in ({"title": "no id"}, {**created, "admin_graphql_api_id": "gid://shopify/Product/1"}, [1]):
        res = post_webhook(web, "products/create", shop, broken, event_id=f"e-{uuid.uuid4()}")
        assert res.status_code == 400, res.text
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM webhook_events WHERE store_id = $1", store_id) == 0
    assert await automation_changes(pool, store_id) == []

    event_id = str(uuid.uuid4())
    first = post_webhook(web, "products/create", shop, created, event_id=event_id)
    replay = post_webhook(web, "products/create", shop, created, event_id=event_id)
    assert (first.json()["status"], replay.json()["status"]) == ("processed", "duplicate")
    [row] = await automation_changes(pool, store_id)
    assert row["product_id"] == "gid://shopify/Product/788032119674292922" and row["changes"] == 1
