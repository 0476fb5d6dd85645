"""WooCommerce's product webhooks end to end, over loopback HTTP and PostgreSQL: connecting a site
creates its product.created and product.updated webhooks (once; a reconnect keeps them and
resumes a disabled one), a product added in the sandbox admin or changed through the REST API
becomes one automation change, and pings, forged, replayed or malformed deliveries record
nothing more."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any

import asyncpg
import httpx
import pytest

from optimizer_app.auth import woocommerce as woo_auth
from optimizer_app.auth.woocommerce import WooCredentials
from optimizer_app.domain.attributes import Attribute
from optimizer_app.platforms.woocommerce import WooCommerceClient
from optimizer_app.settings import Settings
from optimizer_sandbox.runner import LoopbackServer, _free_port
from optimizer_sandbox.woocommerce import WooCommerceSandbox, create_woocommerce_sandbox
from tests.factories import CONTRACTS
from tests.integration.automation_stack import automation_changes, wait_for_change

KEY, SECRET = "ck_" + "7" * 40, "cs_" + "8" * 40
TOPICS = {"product.created", "product.updated"}

# The documented delivery (its `source` is a list, as in the other WooCommerce fixtures).
WOO_DELIVERY: dict[str, Any] = json.loads((CONTRACTS / "woocommerce" / "webhook_product_created.json").read_text())


@pytest.fixture
def web_port() -> int:
    return _free_port("127.0.0.1")


@pytest.fixture
def settings(settings: Settings, web_port: int) -> Settings:
    return replace(settings, app_base_url=f"http://127.0.0.1:{web_port}")


@pytest.fixture
def web(settings: Settings, web_port: int) -> Iterator[LoopbackServer]:
    from optimizer_app.web.app import create_app

    with LoopbackServer(create_app(settings), port=web_port) as server:
        yield server


@pytest.fixture
async def api(web: LoopbackServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=web.url, timeout=30) as client:
        yield client


@pytest.fixture
def site() -> Iterator[LoopbackServer]:
    with LoopbackServer(create_woocommerce_sandbox(consumer_key=KEY, consumer_secret=SECRET)) as server:
        yield server


def sandbox(site: LoopbackServer) -> WooCommerceSandbox:
    state: WooCommerceSandbox = site.app.state.woocommerce
    return state


async def connect(api: httpx.AsyncClient, site: LoopbackServer) -> int:
    res = await api.post(
        "/api/woocommerce/connect", json={"site_url": site.url, "consumer_key": KEY, "consumer_secret": SECRET}
    )
    assert res.status_code == 201, res.text
    store_id: int = res.json()["me"]["store"]["id"]
    return store_id


def deliveries(site: LoopbackServer, topic: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = httpx.get(f"{site.url}/_sandbox/webhook-deliveries", params={"topic": topic}).json()
    return rows


async def test_connect_creates_the_product_webhooks_once_and_a_reconnect_keeps_them(
    api: httpx.AsyncClient, web: LoopbackServer, site: LoopbackServer
) -> None:
    store_id = await connect(api, site)
    hooks = sandbox(site).webhooks
    assert {w["topic"] for w in hooks.values()} == TOPICS and len(hooks) == 2
    assert {w["delivery_url"] for w in hooks.values()} == {f"{web.url}/webhooks/woocommerce/{store_id}"}
    assert all(w["status"] == "active" for w in hooks.values())
    # WooCommerce pinged each new webhook's address; the app answered 200, so they stay active.
    assert [d["status"] for d in deliveries(site, "ping")] == [200, 200]

    # WooCommerce gave up on one after failed deliveries: connecting again keeps both and resumes it.
    ids = sorted(hooks)
    hooks[ids[0]]["status"] = "disabled"
    assert await connect(api, site) == store_id
    assert sorted(hooks) == ids and all(w["status"] == "active" for w in hooks.values())
    assert len(deliveries(site, "ping")) == 2


async def test_a_product_added_in_the_admin_reaches_automation_as_created(
    api: httpx.AsyncClient, site: LoopbackServer, pool: asyncpg.Pool
) -> None:
    store_id = await connect(api, site)
    res = httpx.post(
        f"{site.url}/_sandbox/admin/products",
        json={"store": site.url, "title": "Olive Board", "description": "<p>Board.</p>"},
    )
    assert res.status_code == 201, res.text
    product_id = res.json()["product_id"]

    row = await wait_for_change(pool, store_id, product_id)
    assert row["created"] is True and row["source"] == "product.created"
    assert [(d["status"], d["store"]) for d in deliveries(site, "product.created")] == [(200, site.url)]


async def test_a_product_changed_through_the_rest_api_reaches_automation_as_changed(
    api: httpx.AsyncClient, site: LoopbackServer, pool: asyncpg.Pool
) -> None:
    store_id = await connect(api, site)
    # As publishing writes: the app's own client through the REST API.
    client = WooCommerceClient(site_url=site.url, credentials=WooCredentials(KEY, SECRET))
    try:
        await client.learn_site()
        product = await client.get_product("103")
        await client.update_product(product, {Attribute.TITLE: "Beanie, ribbed wool"})
    finally:
        await client.aclose()

    row = await wait_for_change(pool, store_id, "103")
    assert row["created"] is False and row["source"] == "product.updated"


def post(web: LoopbackServer, store_id: int, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{web.url}/webhooks/woocommerce/{store_id}", content=body, headers=headers)


def signed(body: bytes, secret: str, *, delivery: str = "") -> dict[str, str]:
    """The documented delivery headers, signed with `secret`, with a new delivery id unless given."""
    return {
        **WOO_DELIVERY["headers"],
        "X-WC-Webhook-Delivery-ID": delivery or uuid.uuid4().hex,
        "X-WC-Webhook-Signature": woo_auth.sign_webhook(body, secret),
    }


async def test_pings_forged_replayed_and_malformed_deliveries(
    api: httpx.AsyncClient, web: LoopbackServer, site: LoopbackServer, pool: asyncpg.Pool, settings: Settings
) -> None:
    store_id = await connect(api, site)
    async with pool.acquire() as conn:
        site_url = await conn.fetchval("SELECT external_id FROM stores WHERE id = $1", store_id)
    secret = woo_auth.webhook_secret(settings.secret_keys[0], site_url)
    body = json.dumps(WOO_DELIVERY["example"]).encode()

    ping = post(web, store_id, b"webhook_id=12", {"Content-Type": "application/x-www-form-urlencoded"})
    assert ping.status_code == 200 and ping.json() == {"status": "ping"}
    assert post(web, store_id, body, signed(body, "another site's secret")).status_code == 401
    assert post(web, store_id, body, {"X-WC-Webhook-Topic": "product.created"}).status_code == 401
    assert post(web, 10**9, body, signed(body, secret)).status_code == 404
    for broken in (b'{"name": "no id"}', b"[794]", b"{not json"):
        assert post(web, store_id, broken, signed(broken, secret)).status_code == 400
    no_delivery_id = {k: v for k, v in signed(body, secret).items() if k != "X-WC-Webhook-Delivery-ID"}
    assert post(web, store_id, body, no_delivery_id).status_code == 400
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM webhook_events WHERE store_id = $1", store_id) == 0
    assert await automation_changes(pool, store_id) == []

    headers = signed(body, secret, delivery=WOO_DELIVERY["headers"]["X-WC-Webhook-Delivery-ID"])
    first, replay = post(web, store_id, body, headers), post(web, store_id, body, headers)
    assert (first.json()["status"], replay.json()["status"]) == ("processed", "duplicate")
    [row] = await automation_changes(pool, store_id)
    assert (row["product_id"], row["created"], row["changes"]) == ("794", True, 1)

    # The same delivery id for another product (two saved in one second) is another event.
    other = json.dumps({**WOO_DELIVERY["example"], "id": 795}).encode()
    assert (
        post(web, store_id, other, signed(other, secret, delivery=headers["X-WC-Webhook-Delivery-ID"])).json()["status"]
        == "processed"
    )
