"""Wix and Salla product webhooks end to end over loopback: the store is subscribed at install
(Salla by API, once; Wix by the app's configured webhooks), a product added in the sandbox's
dashboard reaches the app's webhook route signed as the platform signs and leaves one
`automation_changes` row, an update through the platform's API leaves a changed one, and forged,
replayed and malformed deliveries change nothing more."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import asyncpg
import httpx
import pytest

from optimizer_app.auth import salla as salla_auth
from optimizer_app.auth import wix as wix_auth
from optimizer_sandbox.runner import LoopbackServer
from tests.integration.all_platforms import SALLA_HOOKS, SALLA_MERCHANT, AllPlatforms
from tests.integration.automation_stack import (
    automation_changes,
    deliveries,
    hear_wix_products,
    platforms,
    wait_for_change,
)
from tests.integration.conftest import WIX_APP_ID, WIX_APP_SECRET, new_site

__all__ = ["platforms"]


async def changes(pool: asyncpg.Pool, store_id: int) -> dict[str, bool]:
    """The store's waiting product changes: product id → created."""
    return {r["product_id"]: r["created"] for r in await automation_changes(pool, store_id)}


async def arrives(pool: asyncpg.Pool, store_id: int, product_id: str) -> bool:
    """Whether the product's change is recorded within a few seconds; its `created` flag."""
    created: bool = (await wait_for_change(pool, store_id, product_id))["created"]
    return created


async def store_id_of(pool: asyncpg.Pool, platform: str, external_id: str) -> int:
    async with pool.acquire() as conn:
        found: int = await conn.fetchval(
            "SELECT id FROM stores WHERE platform = $1 AND external_id = $2", platform, external_id
        )
    return found


# -- Wix --


@pytest.fixture
def wix_hooks(web: LoopbackServer, wix_sandbox: LoopbackServer) -> str:
    return hear_wix_products(wix_sandbox, web.url)


def wix_token(wix_sandbox: LoopbackServer, instance_id: str) -> str:
    res = httpx.post(
        f"{wix_sandbox.url}/oauth2/token",
        json={
            "grant_type": "client_credentials",
            "client_id": WIX_APP_ID,
            "client_secret": WIX_APP_SECRET,
            "instance_id": instance_id,
        },
    )
    token: str = res.json()["access_token"]
    return token


async def test_wix_product_created_and_updated_reach_automation(
    api: httpx.AsyncClient, pool: asyncpg.Pool, wix_sandbox: LoopbackServer, wix_hooks: str
) -> None:
    site = new_site()
    assert (await api.get("/api/me", headers=site.headers)).status_code == 200
    store_id = await store_id_of(pool, "wix", site.instance_id)
    subscribed = httpx.get(f"{wix_sandbox.url}/_sandbox/webhook-subscriptions", params={"store": site.instance_id})
    assert sorted((s["event"], s["url"]) for s in subscribed.json()["subscriptions"]) == [
        ("wix.stores.catalog.v3.product_created", wix_hooks),
        ("wix.stores.catalog.v3.product_updated", wix_hooks),
    ]

    # The admin page's "Add product" form posts to the same path for its own site.
    admin = httpx.get(f"{wix_sandbox.url}/_sandbox/admin", params={"instance_id": site.instance_id}).text
    assert 'id="add-product"' in admin and f'store: "{site.instance_id}"' in admin
    added = httpx.post(
        f"{wix_sandbox.url}/_sandbox/admin/products",
        json={"store": site.instance_id, "title": "Linen shirt", "description": "<p>Sand colour.</p>"},
    )
    assert added.status_code == 201
    created_id = added.json()["product_id"]
    assert await arrives(pool, store_id, created_id) is True
    sent = [d for d in deliveries(wix_sandbox, site.instance_id) if d["topic"].endswith("product_created")]
    assert [(d["url"], d["status"]) for d in sent] == [(wix_hooks, 200)]

    # An update through the API (what publishing does) sends Product Updated.
    token = wix_token(wix_sandbox, site.instance_id)
    listed = httpx.post(
        f"{wix_sandbox.url}/stores/v3/products/query",
        json={"query": {"cursorPaging": {"limit": 1}}},
        headers={"Authorization": token},
    ).json()["products"][0]
    patched = httpx.patch(
        f"{wix_sandbox.url}/stores/v3/products/{listed['id']}",
        json={"product": {"id": listed["id"], "revision": listed["revision"], "name": "Renamed"}},
        headers={"Authorization": token},
    )
    assert patched.status_code == 200
    assert await arrives(pool, store_id, listed["id"]) is False
    assert await changes(pool, store_id) == {created_id: True, listed["id"]: False}


async def test_wix_product_webhooks_after_a_reinstall_and_on_a_v1_site(
    api: httpx.AsyncClient,
    pool: asyncpg.Pool,
    wix_sandbox: LoopbackServer,
    wix_hooks: str,
    wix_keys: tuple[str, str],
) -> None:
    site = new_site()
    httpx.patch(f"{wix_sandbox.url}/_sandbox/instances/{site.instance_id}/site", json={"catalogVersion": "V1_CATALOG"})
    await api.get("/api/me", headers=site.headers)
    removed = wix_auth.sign_webhook("AppRemoved", site.instance_id, {"appId": WIX_APP_ID}, private_key_pem=wix_keys[0])
    assert (await api.post("/webhooks/wix", content=removed)).json()["status"] == "processed"
    await api.get("/api/me", headers=site.headers)  # opened again: installed again
    store_id = await store_id_of(pool, "wix", site.instance_id)

    added = httpx.post(f"{wix_sandbox.url}/_sandbox/admin/products", json={"store": site.instance_id, "title": "Cap"})
    product_id = added.json()["product_id"]
    assert await arrives(pool, store_id, product_id) is True
    sent = deliveries(wix_sandbox, site.instance_id)
    # One subscription, one delivery: the V1 catalog's own event.
    assert [(d["topic"], d["status"]) for d in sent] == [("com.wix.ecommerce.catalog.api.v1.ProductCreated", 200)]

    token = wix_token(wix_sandbox, site.instance_id)
    res = httpx.patch(
        f"{wix_sandbox.url}/stores/v1/products/{product_id}",
        json={"product": {"name": "Wool cap"}},
        headers={"Authorization": token},
    )
    assert res.status_code == 200
    await asyncio.sleep(0.5)
    topics = [d["topic"] for d in deliveries(wix_sandbox, site.instance_id)]
    assert topics[-1] == "com.wix.ecommerce.catalog.api.v1.ProductChanged"
    assert await changes(pool, store_id) == {product_id: True}  # one row however often it changes


async def test_wix_forged_replayed_and_malformed_product_webhooks(
    api: httpx.AsyncClient, pool: asyncpg.Pool, wix_keys: tuple[str, str]
) -> None:
    site = new_site()
    await api.get("/api/me", headers=site.headers)
    store_id = await store_id_of(pool, "wix", site.instance_id)
    product_id = str(uuid.uuid4())
    payload = {"entityFqdn": "wix.stores.catalog.v3.product", "slug": "created", "entityId": product_id}

    forged_key, _ = wix_auth.generate_keypair()
    forged = wix_auth.sign_webhook(
        wix_auth.V3_PRODUCT_CREATED, site.instance_id, payload, private_key_pem=forged_key, event_id="evt-forged"
    )
    assert (await api.post("/webhooks/wix", content=forged)).status_code == 401
    assert await changes(pool, store_id) == {}

    genuine = wix_auth.sign_webhook(
        wix_auth.V3_PRODUCT_CREATED, site.instance_id, payload, private_key_pem=wix_keys[0], event_id=str(uuid.uuid4())
    )
    first, again = [(await api.post("/webhooks/wix", content=genuine)).json()["status"] for _ in range(2)]
    assert (first, again) == ("processed", "duplicate")
    assert await changes(pool, store_id) == {product_id: True}

    no_product = wix_auth.sign_webhook(
        wix_auth.V3_PRODUCT_UPDATED,
        site.instance_id,
        {"entityFqdn": "wix.stores.catalog.v3.product", "slug": "updated"},
        private_key_pem=wix_keys[0],
        event_id=str(uuid.uuid4()),
    )
    res = await api.post("/webhooks/wix", content=no_product)
    assert res.status_code == 400 and "entityId" in res.text
    assert await changes(pool, store_id) == {product_id: True}


# -- Salla --


def post_salla_event(platforms: AllPlatforms, body: bytes, secret: str = SALLA_HOOKS) -> httpx.Response:
    headers = {"X-Salla-Signature": salla_auth.sign_body(body, secret), "X-Salla-Security-Strategy": "Signature"}
    return httpx.post(f"{platforms.web.url}/webhooks/salla", content=body, headers=headers)


def salla_event(event: str, data: dict[str, Any]) -> bytes:
    return json.dumps(
        {"event": event, "merchant": SALLA_MERCHANT, "created_at": "2026-11-30 10:00:00", "data": data}
    ).encode()


async def test_salla_install_subscribes_product_events_once(platforms: AllPlatforms) -> None:
    salla = platforms.salla
    platforms.install_salla()
    url = f"{platforms.web.url}/webhooks/salla"

    def subscriptions() -> list[tuple[str, str]]:
        res = httpx.get(f"{salla.url}/_sandbox/webhook-subscriptions", params={"store": SALLA_MERCHANT})
        return sorted((s["event"], s["url"]) for s in res.json()["subscriptions"])

    assert subscriptions() == [("product.created", url), ("product.updated", url)]
    # Uninstalled and installed again (and Salla's authorisation after an app update): the
    # subscriptions found are kept, none is registered twice.
    assert post_salla_event(platforms, salla_event("app.uninstalled", {})).json()["status"] == "processed"
    platforms.install_salla()
    platforms.install_salla()
    assert subscriptions() == [("product.created", url), ("product.updated", url)]
    requests = httpx.get(f"{salla.url}/_sandbox/stats").json()["requests"]
    assert requests["/admin/v2/webhooks/subscribe"] == 2
    assert requests["/admin/v2/webhooks"] == 3


async def test_salla_product_created_and_updated_reach_automation(platforms: AllPlatforms, pool: asyncpg.Pool) -> None:
    salla = platforms.salla
    token = platforms.install_salla()
    store_id = await store_id_of(pool, "salla", str(SALLA_MERCHANT))

    added = httpx.post(
        f"{salla.url}/_sandbox/admin/products",
        json={"store": str(SALLA_MERCHANT), "title": "عطر العنبر", "description": "<p>عطر شرقي.</p>"},
    )
    assert added.status_code == 201
    created_id = added.json()["product_id"]
    assert await arrives(pool, store_id, created_id) is True
    sent = deliveries(salla, str(SALLA_MERCHANT))
    assert [(d["topic"], d["url"], d["status"]) for d in sent] == [
        ("product.created", f"{platforms.web.url}/webhooks/salla", 200)
    ]

    seeded = httpx.get(f"{salla.url}/admin/v2/products", headers={"Authorization": f"Bearer {token}"}).json()
    seeded_id = str(seeded["data"][0]["id"])
    updated = httpx.put(
        f"{salla.url}/admin/v2/products/{seeded_id}",
        json={"metadata_title": "عنوان جديد"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert updated.status_code == 201
    assert await arrives(pool, store_id, seeded_id) is False
    assert await changes(pool, store_id) == {created_id: True, seeded_id: False}


async def test_salla_forged_replayed_and_malformed_product_webhooks(
    platforms: AllPlatforms, pool: asyncpg.Pool
) -> None:
    platforms.install_salla()
    store_id = await store_id_of(pool, "salla", str(SALLA_MERCHANT))
    body = salla_event("product.created", {"id": 1025569331, "name": "Oud"})

    assert post_salla_event(platforms, body, secret="not-the-secret").status_code == 401
    assert await changes(pool, store_id) == {}

    assert [post_salla_event(platforms, body).json()["status"] for _ in range(2)] == ["processed", "duplicate"]
    assert await changes(pool, store_id) == {"1025569331": True}

    for malformed in (salla_event("product.updated", {"id": "1025569331"}), salla_event("product.updated", {}), b"{"):
        res = post_salla_event(platforms, malformed)
        assert res.status_code == 400, res.text
    assert await changes(pool, store_id) == {"1025569331": True}


async def test_salla_register_webhook_is_validated_as_documented(platforms: AllPlatforms) -> None:
    token = platforms.install_salla()
    headers = {"Authorization": f"Bearer {token}"}
    url = f"{platforms.salla.url}/admin/v2/webhooks/subscribe"
    missing = httpx.post(url, json={"name": "x"}, headers=headers)
    assert missing.status_code == 422
    assert set(missing.json()["error"]["fields"]) == {"event", "url"}
    unknown = httpx.post(url, json={"event": "product.exploded", "url": "https://example.com/h"}, headers=headers)
    assert unknown.status_code == 422 and "event" in unknown.json()["error"]["fields"]
    assert httpx.post(url, json={"event": "product.created", "url": "https://example.com/h"}).status_code == 401
