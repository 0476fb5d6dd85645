"""WooCommerce through the web API on each kind of site: Yoast SEO, Rank Math, no SEO plugin
(SEO fields refused before anything is charged), and a site that moves after connecting."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any

import asyncpg
import httpx
import pytest

from optimizer_app import stores
from optimizer_app.clients import StoreClients
from optimizer_app.crypto import TokenCipher
from optimizer_app.platforms.woocommerce import WooCommerceClient
from optimizer_app.settings import Settings
from optimizer_sandbox.runner import LoopbackServer
from optimizer_sandbox.woocommerce import create_woocommerce_sandbox
from tests.integration.test_api_salla_woocommerce import run_job

KEY, SECRET = "ck_" + "5" * 40, "cs_" + "6" * 40
SEO_FIELDS = ["seo_title", "seo_description"]


@pytest.fixture
def web(settings: Settings) -> Iterator[LoopbackServer]:
    from optimizer_app.web.app import create_app

    with LoopbackServer(create_app(settings)) as server:
        yield server


@pytest.fixture
async def api(web: LoopbackServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=web.url, timeout=30) as client:
        yield client


async def connect(api: httpx.AsyncClient, site: LoopbackServer) -> tuple[dict[str, str], dict[str, Any]]:
    res = await api.post(
        "/api/woocommerce/connect", json={"site_url": site.url, "consumer_key": KEY, "consumer_secret": SECRET}
    )
    assert res.status_code == 201, res.text
    return {"Authorization": f"Bearer {res.json()['session']}"}, res.json()["me"]


def storefront(site: LoopbackServer, product_id: str) -> dict[str, str]:
    shown: dict[str, str] = httpx.get(f"{site.url}/_sandbox/storefront/{product_id}").json()
    return shown


@pytest.mark.parametrize("plugin", ["yoast", "rank_math", None])
async def test_connect_list_job_publish_revert_on_each_kind_of_site(
    api: httpx.AsyncClient, pool: asyncpg.Pool, llm_sandbox: LoopbackServer, plugin: str | None
) -> None:
    with LoopbackServer(
        create_woocommerce_sandbox(consumer_key=KEY, consumer_secret=SECRET, seo_plugin=plugin)
    ) as site:
        headers, me = await connect(api, site)
        expected = {} if plugin else dict.fromkeys(SEO_FIELDS, "no_seo_plugin")
        assert me["store"]["unpublishable_fields"] == expected
        assert (await api.get("/api/me", headers=headers)).json()["store"]["unpublishable_fields"] == expected
        async with pool.acquire() as conn:
            facts = await conn.fetchval("SELECT site_facts FROM stores WHERE platform = 'woocommerce'")
        assert facts["seo_plugin"] == plugin and facts["home"] == site.url

        products = (await api.get("/api/products", params={"limit": 3}, headers=headers)).json()["products"]
        ids = [p["id"] for p in products]
        before = {pid: storefront(site, pid) for pid in ids}
        fields = ["title", *SEO_FIELDS]
        if plugin is None:
            credits = (await api.get("/api/me", headers=headers)).json()["credits"]
            refused = await api.post(
                "/api/jobs", headers=headers, json={"source_scope": "products", "source_ids": ids, "attributes": fields}
            )
            assert refused.status_code == 422, refused.text
            error = refused.json()["error"]
            assert error["reason"] == "no_seo_plugin" and error["fields"] == SEO_FIELDS
            assert "Yoast SEO or Rank Math" in error["message"]
            assert (await api.get("/api/me", headers=headers)).json()["credits"] == credits
            async with pool.acquire() as conn:
                assert await conn.fetchval("SELECT count(*) FROM jobs") == 0
            fields = ["title"]

        items = await run_job(api, pool, llm_sandbox, headers, ids, fields)
        published = await api.post("/api/publish", headers=headers, json={"item_ids": [i["id"] for i in items]})
        assert published.json()["counts"] == {"published": len(items)}, published.text
        for item in items:
            shown = storefront(site, item["product_id"])
            if item["attribute"] == "seo_title":
                assert shown["title"] == item["after"]
            if item["attribute"] == "seo_description":
                assert shown["meta_description"] == item["after"]
        if plugin is None:
            assert all(storefront(site, pid)["title"] != before[pid]["title"] for pid in ids)

        for log in (await api.get("/api/publish-logs", headers=headers)).json()["logs"]:
            reverted = await api.post(f"/api/publish-logs/{log['id']}/revert", headers=headers)
            assert reverted.status_code == 200, reverted.text
        assert {pid: storefront(site, pid) for pid in ids} == before


async def test_a_site_that_redirects_after_connecting_is_reported_as_moved(
    api: httpx.AsyncClient, pool: asyncpg.Pool, llm_sandbox: LoopbackServer
) -> None:
    with LoopbackServer(create_woocommerce_sandbox(consumer_key=KEY, consumer_secret=SECRET)) as site:
        headers, _ = await connect(api, site)
        ids = [
            p["id"] for p in (await api.get("/api/products", params={"limit": 2}, headers=headers)).json()["products"]
        ]
        items = await run_job(api, pool, llm_sandbox, headers, ids, ["title"])
        httpx.patch(f"{site.url}/_sandbox/site", json={"redirect_to": "https://www.shop.example"}).raise_for_status()

        listed = await api.get("/api/products", headers=headers)
        assert listed.status_code == 502
        error = listed.json()["error"]
        assert error["platform_code"] == "site_redirected" and "redirect" in error["message"]
        assert "shop.example" not in listed.text and site.url not in listed.text

        published = (
            await api.post("/api/publish", headers=headers, json={"item_ids": [i["id"] for i in items]})
        ).json()
        assert published["counts"] == {"error": len(items)}
        assert all("redirect" in r["message"] for r in published["results"])

        again = await api.post(
            "/api/woocommerce/connect", json={"site_url": site.url, "consumer_key": KEY, "consumer_secret": SECRET}
        )
        assert again.status_code == 422 and again.json()["error"]["reason"] == "redirected"


async def test_what_a_client_learns_of_a_site_later_is_remembered_for_its_store(
    api: httpx.AsyncClient, pool: asyncpg.Pool, settings: Settings
) -> None:
    with LoopbackServer(create_woocommerce_sandbox(consumer_key=KEY, consumer_secret=SECRET)) as site:
        await connect(api, site)
    async with pool.acquire() as conn:
        store = await stores.find(conn, "woocommerce", site.url)
    assert store is not None and store.site_facts["keys_in_query"] is False
    async with httpx.AsyncClient() as http:
        clients = StoreClients(settings, pool, TokenCipher(*settings.token_encryption_keys), http)
        try:
            client = clients.for_store(store)
            assert isinstance(client, WooCommerceClient) and client.remember is not None
            await client.remember(replace(client.site, keys_in_query=True))
            async with pool.acquire() as conn:
                again = await stores.get(conn, store.id)
            assert again is not None
            assert again.site_facts == {**store.site_facts, "keys_in_query": True}
            reopened = clients.for_store(again)
            assert isinstance(reopened, WooCommerceClient) and reopened.site.keys_in_query
            assert reopened.site.seo_plugin == "yoast" and reopened.site.home == site.url
        finally:
            await clients.aclose()
