"""Finding the work: each store's catalog index (synced from the platform, one sync at a time,
removed products gone), the product filters of GET /api/products, jobs made from a filter, their
estimate, numbers, summary, ETA and review counts, and the product's page and shopper-visible SEO
values; against the Wix, Shopify and WooCommerce sandboxes over real HTTP and PostgreSQL."""

from __future__ import annotations

import asyncio
import re
import uuid
from dataclasses import replace
from typing import Any

import asyncpg
import httpx
import pytest

from optimizer_app import credits
from optimizer_app.settings import Settings
from optimizer_app.web.app import create_app
from optimizer_sandbox.runner import LoopbackServer
from optimizer_sandbox.woocommerce import create_woocommerce_sandbox
from tests.factories import assert_ledger_balanced
from tests.integration import shopify_stack
from tests.integration.conftest import Drain, WixSite, new_site

# The app beside the Shopify sandbox (tests/integration/shopify_stack.py).
web_port, shopify_sandbox, settings, web = (
    shopify_stack.web_port,
    shopify_stack.shopify_sandbox,
    shopify_stack.settings,
    shopify_stack.web,
)
shop_session = shopify_stack.shop_session

WOO_KEY, WOO_SECRET = "ck_" + "c3" * 20, "cs_" + "d4" * 20


def wix_raw_products(sandbox: LoopbackServer, site: WixSite) -> list[dict[str, Any]]:
    """The site's products as the sandbox holds them (read through Wix's own API shape)."""
    products: list[dict[str, Any]] = []
    token = httpx.post(
        f"{sandbox.url}/oauth2/token",
        json={
            "grant_type": "client_credentials",
            "client_id": "0f6b1f6e-5d3e-4c1a-9a57-3b0b7c9f2e11",
            "client_secret": "test-wix-secret",
            "instance_id": site.instance_id,
        },
    ).json()["access_token"]
    cursor = None
    while True:
        paging: dict[str, Any] = {"limit": 100, **({"cursor": cursor} if cursor else {})}
        body = httpx.post(
            f"{sandbox.url}/stores/v3/products/query",
            headers={"Authorization": token},
            json={"query": {"cursorPaging": paging}, "fields": ["PLAIN_DESCRIPTION", "DIRECT_CATEGORIES_INFO"]},
        ).json()
        products += body["products"]
        cursor = body["pagingMetadata"]["cursors"].get("next")
        if not cursor:
            return products


def wix_seo_title(product: dict[str, Any]) -> str:
    tags = (product.get("seoData") or {}).get("tags") or []
    return next((str(t.get("children") or "") for t in tags if t.get("type") == "title"), "")


async def all_pages(api: httpx.AsyncClient, headers: dict[str, str], params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every product the filter matches, page by page; each page says the same total."""
    found: list[dict[str, Any]] = []
    cursor = None
    totals = set()
    while True:
        res = await api.get(
            "/api/products", headers=headers, params={**params, **({"cursor": cursor} if cursor else {})}
        )
        assert res.status_code == 200, res.text
        body = res.json()
        assert body["synced_at"] is not None
        totals.add(body["total"])
        found += body["products"]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert totals == {len(found)}
    return found


async def store_id(pool: asyncpg.Pool, external_id: str) -> int:
    async with pool.acquire() as conn:
        found: int = await conn.fetchval("SELECT id FROM stores WHERE external_id = $1", external_id)
    return found


async def grant(pool: asyncpg.Pool, external_id: str, amount: int) -> None:
    async with pool.acquire() as conn:
        await credits.grant_credits(conn, await store_id(pool, external_id), amount, reason="test")


async def test_seo_title_missing_across_the_whole_catalog_pages_with_a_total(
    api: httpx.AsyncClient, wix_sandbox: LoopbackServer
) -> None:
    site = new_site()
    raw = wix_raw_products(wix_sandbox, site)
    assert len(raw) >= 200
    lacking = {p["id"] for p in raw if not wix_seo_title(p).strip()}
    assert 0 < len(lacking) < len(raw)

    found = await all_pages(api, site.headers, {"missing": "seo_title", "limit": 37})
    assert [p["id"] for p in found] == [p["id"] for p in raw if p["id"] in lacking]  # the store's order, no repeat
    assert all(p["seo_title"] == "" and p["optimised_at"] is None for p in found)
    assert all(re.fullmatch(r"https://sandbox\w+\.wixsite\.com/nordwear/product-page/[\w-]+", p["url"]) for p in found)

    # Any of several fields, repeated or comma separated: the same answer.
    repeated = await api.get(
        "/api/products", headers=site.headers, params=[("missing", "seo_title"), ("missing", "description")]
    )
    commas = await api.get("/api/products", headers=site.headers, params={"missing": "seo_title,description"})
    assert repeated.json()["total"] == commas.json()["total"]
    no_description = {p["id"] for p in raw if not re.sub(r"<[^>]*>|&nbsp;|\s", "", p.get("plainDescription") or "")}
    assert repeated.json()["total"] == len(lacking | no_description)

    unfiltered = (await api.get("/api/products", headers=site.headers, params={"limit": 5})).json()
    assert unfiltered["synced_at"] is None and len(unfiltered["products"]) == 5
    assert all(p["url"] and p["optimised_at"] is None for p in unfiltered["products"])


async def test_a_catalog_v1_site_gives_its_product_pages_too(
    api: httpx.AsyncClient, wix_sandbox: LoopbackServer
) -> None:
    site = new_site()
    httpx.patch(f"{wix_sandbox.url}/_sandbox/instances/{site.instance_id}/site", json={"catalogVersion": "V1_CATALOG"})
    lacking = await all_pages(api, site.headers, {"missing": "seo_title"})
    assert len(lacking) > 100
    assert all(
        re.fullmatch(r"https://sandbox\w+\.wixsite\.com/nordwear/product-page/[\w-]+", p["url"]) for p in lacking
    )


async def test_text_and_collection_filters_answer_from_the_index(
    api: httpx.AsyncClient, wix_sandbox: LoopbackServer
) -> None:
    site = new_site()
    raw = wix_raw_products(wix_sandbox, site)
    collections = (await api.get("/api/collections", headers=site.headers)).json()["collections"]
    kitchen = next(c for c in collections if c["name"] == "Kitchen")
    in_kitchen = [p for p in await all_pages(api, site.headers, {"collection_id": kitchen["id"]})]
    assert len(in_kitchen) == kitchen["product_count"]
    assert all(kitchen["id"] in p["collection_ids"] for p in in_kitchen)

    skillets = await all_pages(api, site.headers, {"q": "SKILLET"})
    assert skillets and {p["id"] for p in skillets} == {
        p["id"] for p in raw if "skillet" in (p["name"] + (p.get("plainDescription") or "")).lower()
    }
    both = await all_pages(api, site.headers, {"q": "skillet", "collection_id": kitchen["id"], "missing": "seo_title"})
    assert {p["id"] for p in both} <= {p["id"] for p in skillets}
    none = await api.get("/api/products", headers=site.headers, params={"q": "100%_no_such\\thing"})
    assert none.status_code == 200 and none.json()["total"] == 0 and none.json()["products"] == []


@pytest.mark.parametrize(
    "params",
    [
        {"missing": "price"},
        {"missing": "seo_title,colour"},
        {"optimised": "maybe"},
        {"optimised": "true", "cursor": "not-a-cursor"},
        {"q": "x" * 201},
        {"missing": "title", "limit": "0"},
    ],
)
async def test_bad_filters_are_a_400_with_one_sentence(api: httpx.AsyncClient, params: dict[str, str]) -> None:
    res = await api.get("/api/products", headers=new_site().headers, params=params)
    assert res.status_code == 400, res.text
    message = res.json()["error"]["message"]
    assert message.endswith(".") and message.count(". ") == 0


async def test_one_sync_at_a_time_and_removed_products_leave_the_index(
    settings: Settings, wix_sandbox: LoopbackServer, pool: asyncpg.Pool
) -> None:
    # An index older than 0 s is synced again by every filtered request.
    with LoopbackServer(create_app(replace(settings, catalog_index_max_age_seconds=0))) as web:
        async with httpx.AsyncClient(base_url=web.url, timeout=60) as api:
            site = new_site()
            await api.get("/api/me", headers=site.headers)
            before = (
                httpx.get(f"{wix_sandbox.url}/_sandbox/stats").json()["requests"].get("/stores/v3/products/query", 0)
            )
            answers = await asyncio.gather(
                *(api.get("/api/products", headers=site.headers, params={"missing": "title"}) for _ in range(4))
            )
            assert all(a.status_code == 200 for a in answers)
            pages = httpx.get(f"{wix_sandbox.url}/_sandbox/stats").json()["requests"]["/stores/v3/products/query"]
            # 200 products are 2 pages: four requests at once ran one sync, the others waited for it.
            assert pages - before == 2
            async with pool.acquire() as conn:
                state = await conn.fetchrow(
                    "SELECT products, synced_at, sync_owner FROM catalog_syncs WHERE store_id = $1",
                    await store_id(pool, site.instance_id),
                )
            assert state["products"] == 200 and state["synced_at"] and state["sync_owner"] is None

            listed = await all_pages(api, site.headers, {"missing": "seo_title"})
            gone = listed[3]["id"]
            httpx.delete(f"{wix_sandbox.url}/_sandbox/instances/{site.instance_id}/products/{gone}").raise_for_status()
            httpx.post(f"{wix_sandbox.url}/_sandbox/instances/{site.instance_id}/products", json={"count": 60})
            after = await all_pages(api, site.headers, {"missing": "seo_title"})
            assert gone not in {p["id"] for p in after}
            async with pool.acquire() as conn:
                indexed = await conn.fetchval(
                    "SELECT count(*) FROM catalog_products WHERE store_id = $1", await store_id(pool, site.instance_id)
                )
            assert indexed == 200 - 1 + 60


async def test_a_job_from_a_filter_estimate_number_summary_and_counts(
    api: httpx.AsyncClient, pool: asyncpg.Pool, drain: Drain, wix_sandbox: LoopbackServer
) -> None:
    site, other = new_site(), new_site()
    await api.get("/api/me", headers=site.headers)
    await grant(pool, site.instance_id, 1000)
    collections = (await api.get("/api/collections", headers=site.headers)).json()["collections"]
    kitchen = next(c for c in collections if c["name"] == "Kitchen")
    query = {"collection_id": kitchen["id"], "missing": ["seo_title"], "optimised": False}
    matching = await all_pages(
        api, site.headers, {"collection_id": kitchen["id"], "missing": "seo_title", "optimised": "false"}
    )
    body = {"source_scope": "query", "query": query, "attributes": ["seo_title", "seo_description"]}

    me = (await api.get("/api/me", headers=site.headers)).json()["credits"]
    estimate = await api.post("/api/jobs/estimate", headers=site.headers, json=body)
    assert estimate.status_code == 200, estimate.text
    n = len(matching)
    assert estimate.json() == {
        "products": n,
        "fields": 2 * n,
        "skipped_fields": 0,
        "credits": 2 * n,
        "credits_remaining": me["remaining"],
        "enough": True,
    }
    assert (await api.get("/api/me", headers=site.headers)).json()["credits"] == me
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM jobs") == 0

    created = await api.post("/api/jobs", headers=site.headers, json=body)
    assert created.status_code == 201, created.text
    assert (
        created.json()["number"] == 1 and created.json()["products"] == n and created.json()["credits_charged"] == 2 * n
    )
    job_id = created.json()["job_id"]
    job = (await api.get(f"/api/jobs/{job_id}", headers=site.headers)).json()
    assert job["source_scope"] == "query" and job["source_ids"] == [] and job["query"] == query
    assert job["summary"] == {
        "products": n,
        "collections": ["Kitchen"],
        "query": query,
        "attributes": ["seo_title", "seo_description"],
    }
    assert job["status"] == "PENDING" and (job["eta_seconds"] is None or job["eta_seconds"] >= 0)
    async with pool.acquire() as conn:
        covered = await conn.fetch("SELECT product_id FROM job_products WHERE job_id = $1", job_id)
    assert {r["product_id"] for r in covered} == {p["id"] for p in matching}

    finished = await drain(job_id)
    # The kitchen holds a German product, which an English job rightly leaves alone.
    assert finished["status"] in ("DONE", "DONE_WITH_FAILURES")
    done = (await api.get(f"/api/jobs/{job_id}", headers=site.headers)).json()
    assert done["eta_seconds"] is None and done["counts"]["published"] == 0
    items = (await api.get(f"/api/jobs/{job_id}/items", headers=site.headers)).json()["items"]
    titles = [i for i in items if i["attribute"] == "seo_title" and i["status"] == "DONE"][:2]
    published = await api.post("/api/publish", headers=site.headers, json={"item_ids": [i["id"] for i in titles]})
    assert published.status_code == 200, published.text
    done = (await api.get(f"/api/jobs/{job_id}", headers=site.headers)).json()
    assert done["counts"]["published"] == 2 and done["counts"]["no_change"] == done["counts"]["rejected"] == 0

    # The products just published to are read again before the next filtered answer: no longer
    # missing an SEO title, and optimised.
    still_missing = {p["id"] for p in await all_pages(api, site.headers, {"missing": "seo_title"})}
    optimised = await all_pages(api, site.headers, {"optimised": "true"})
    assert {i["product_id"] for i in titles} & still_missing == set()
    assert {p["id"] for p in optimised} == {i["product_id"] for i in titles}
    assert all(p["optimised_at"] for p in optimised)
    assert {p["seo_title"] for p in optimised} == {i["after"] for i in titles}
    log = (await api.get("/api/publish-logs", headers=site.headers)).json()["logs"][0]
    assert (await api.post(f"/api/publish-logs/{log['id']}/revert", headers=site.headers)).status_code == 200
    optimised = await all_pages(api, site.headers, {"optimised": "true"})
    assert {p["id"] for p in optimised} == {i["product_id"] for i in titles} - {log["product_id"]}
    assert log["product_id"] in {p["id"] for p in await all_pages(api, site.headers, {"missing": "seo_title"})}

    # Numbers run per store without gaps; another store starts at 1 and cannot see this job.
    second = await api.post(
        "/api/jobs",
        headers=site.headers,
        json={"source_scope": "query", "query": {"q": "skillet"}, "attributes": ["title"]},
    )
    assert second.status_code == 201 and second.json()["number"] == 2
    await api.get("/api/me", headers=other.headers)
    theirs = await api.post(
        "/api/jobs",
        headers=other.headers,
        json={"source_scope": "query", "query": {"q": "skillet"}, "attributes": ["title"]},
    )
    assert theirs.status_code == 201 and theirs.json()["number"] == 1
    assert (await api.get(f"/api/jobs/{job_id}", headers=other.headers)).status_code == 404
    listed = (await api.get("/api/jobs", headers=site.headers)).json()["jobs"]
    assert [j["number"] for j in listed] == [2, 1]
    await assert_ledger_balanced(pool, await store_id(pool, site.instance_id))


@pytest.mark.parametrize(
    ("query", "complaint"),
    [
        ({}, "at least one"),
        ({"missing": ["price"]}, "unknown field"),
        ({"missing": "seo_title"}, "list of field names"),
        ({"optimised": "yes"}, "true or false"),
        ({"colour": "red"}, "unknown key"),
        ({"q": "no product is called this"}, "No products match"),
        (None, "must be an object"),
    ],
)
async def test_bad_queries_are_refused_before_anything_is_charged(
    api: httpx.AsyncClient, pool: asyncpg.Pool, query: Any, complaint: str
) -> None:
    site = new_site()
    me = (await api.get("/api/me", headers=site.headers)).json()["credits"]
    for path in ("/api/jobs/estimate", "/api/jobs"):
        res = await api.post(
            path, headers=site.headers, json={"source_scope": "query", "query": query, "attributes": ["title"]}
        )
        assert res.status_code == 422, res.text
        assert complaint in res.json()["error"]["message"]
    assert (await api.get("/api/me", headers=site.headers)).json()["credits"] == me
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM jobs") == 0


async def test_a_filter_matching_more_than_a_job_holds_is_refused_with_the_numbers(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    with LoopbackServer(create_app(replace(settings, max_job_products=50))) as web:
        async with httpx.AsyncClient(base_url=web.url, timeout=60) as api:
            site = new_site()
            await api.get("/api/me", headers=site.headers)
            await grant(pool, site.instance_id, 10_000)
            body = {"source_scope": "query", "query": {"missing": ["seo_title"]}, "attributes": ["seo_title"]}
            total = (await api.get("/api/products", headers=site.headers, params={"missing": "seo_title"})).json()[
                "total"
            ]
            assert total > 50
            for path in ("/api/jobs/estimate", "/api/jobs"):
                res = await api.post(path, headers=site.headers, json=body)
                assert res.status_code == 422, res.text
                error = res.json()["error"]
                assert (error["matching"], error["max_products"]) == (total, 50)
                assert "narrow the filter" in error["message"]
            async with pool.acquire() as conn:
                assert await conn.fetchval("SELECT count(*) FROM jobs") == 0
            await assert_ledger_balanced(pool, await store_id(pool, site.instance_id))


async def test_an_estimate_says_when_credits_are_short_and_checks_like_create(api: httpx.AsyncClient) -> None:
    site = new_site()
    res = await api.post(
        "/api/jobs/estimate",
        headers=site.headers,
        json={"source_scope": "query", "query": {"missing": ["seo_title"]}, "attributes": ["seo_title", "title"]},
    )
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["credits"] == 2 * body["products"] > body["credits_remaining"] == 100 and body["enough"] is False
    for bad in (
        {"source_scope": "products", "source_ids": ["no-such-product"], "attributes": ["title"]},
        {"source_scope": "products", "source_ids": ["x"], "attributes": ["price"]},
        {"source_scope": "query", "query": {"q": "a"}, "attributes": ["title"], "economy": "yes"},
    ):
        assert (await api.post("/api/jobs/estimate", headers=site.headers, json=bad)).status_code == 422
    collections = (await api.get("/api/collections", headers=site.headers)).json()["collections"]
    home = next(c for c in collections if c["name"] == "Home & Living")
    by_collection = await api.post(
        "/api/jobs/estimate",
        headers=site.headers,
        json={"source_scope": "collections", "source_ids": [home["id"]], "attributes": ["title"], "economy": True},
    )
    assert by_collection.json()["products"] == home["product_count"]
    assert by_collection.json()["credits"] == (home["product_count"] + 1) // 2


async def test_shopify_filter_over_a_larger_catalog_and_a_job_from_it(
    api: httpx.AsyncClient, pool: asyncpg.Pool, shopify_sandbox: LoopbackServer
) -> None:
    shop = f"shop-{uuid.uuid4().hex[:10]}.myshopify.com"
    headers = shop_session(shop)
    await api.get("/api/me", headers=headers)
    added = httpx.post(f"{shopify_sandbox.url}/_sandbox/shops/{shop}/products", json={"count": 120}).json()
    assert added["products"] == 250
    await grant(pool, shop, 2000)

    everything = await all_pages(api, headers, {"missing": "title,seo_title"})
    lacking = await all_pages(api, headers, {"missing": "seo_title"})
    assert len(everything) == len(lacking) > 150
    assert all(p["url"] == f"https://{shop}/products/" + p["url"].rsplit("/", 1)[1] for p in lacking)
    raw = httpx.get(f"{shopify_sandbox.url}/_sandbox/shops/{shop}/products/{lacking[0]['id'].rsplit('/', 1)[1]}").json()
    assert lacking[0]["url"] == f"https://{shop}/products/{raw['product']['handle']}"
    assert all(p["seo_title"] == "" for p in lacking)

    created = await api.post(
        "/api/jobs",
        headers=headers,
        json={"source_scope": "query", "query": {"missing": ["seo_title"]}, "attributes": ["seo_title"]},
    )
    assert created.status_code == 201, created.text
    assert created.json()["products"] == len(lacking) and created.json()["number"] == 1
    job = (await api.get(f"/api/jobs/{created.json()['job_id']}", headers=headers)).json()
    assert job["summary"]["collections"] == [] and job["summary"]["products"] == len(lacking)

    gone = lacking[0]["id"].rsplit("/", 1)[1]
    httpx.delete(f"{shopify_sandbox.url}/_sandbox/shops/{shop}/products/{gone}").raise_for_status()
    async with pool.acquire() as conn:  # the index is due for a sync again
        await conn.execute("UPDATE catalog_syncs SET synced_at = synced_at - interval '1 day'")
    again = await all_pages(api, headers, {"missing": "seo_title"})
    assert [p["id"] for p in again] == [p["id"] for p in lacking[1:]]


async def test_woocommerce_seo_values_are_what_a_shopper_sees_and_pages_are_permalinks(
    api: httpx.AsyncClient,
) -> None:
    with LoopbackServer(create_woocommerce_sandbox(consumer_key=WOO_KEY, consumer_secret=WOO_SECRET)) as site:
        connected = await api.post(
            "/api/woocommerce/connect",
            json={"site_url": site.url, "consumer_key": WOO_KEY, "consumer_secret": WOO_SECRET},
        )
        assert connected.status_code == 201, connected.text
        headers = {"Authorization": f"Bearer {connected.json()['session']}"}
        products = (await api.get("/api/products", headers=headers, params={"limit": 100})).json()["products"]
        by_id = {p["id"]: p for p in products}
        # 104: a Yoast template ("%%title%% %%sep%% %%sitename%%"), shown as Yoast renders it.
        templated = by_id["104"]
        assert templated["seo_title"] == f"{templated['title']} - Sandbox Shop"
        assert templated["seo_description"] == f"Buy {templated['title']} online."
        assert httpx.get(f"{site.url}/_sandbox/storefront/104").json()["title"] == templated["seo_title"]
        # 108 holds literal Yoast text; 101 none (the page prints Yoast's default, not the owner's).
        assert by_id["108"]["seo_title"] == httpx.get(f"{site.url}/_sandbox/storefront/108").json()["title"]
        assert by_id["101"]["seo_title"] == "" and not any("%%" in p["seo_title"] for p in products)
        assert all(p["url"] == f"{site.url}/product/{p['url'].rstrip('/').rsplit('/', 1)[1]}/" for p in products)

        # On Rank Math a template is not what the page prints, and the plugin does not say what it
        # renders to in the product's answer: no SEO value of the owner's own.
        httpx.patch(f"{site.url}/_sandbox/site", json={"seo_plugin": "rank_math"}).raise_for_status()
        reconnected = await api.post(
            "/api/woocommerce/connect",
            json={"site_url": site.url, "consumer_key": WOO_KEY, "consumer_secret": WOO_SECRET},
        )
        headers = {"Authorization": f"Bearer {reconnected.json()['session']}"}
        rank_math = (await api.get("/api/products", headers=headers, params={"limit": 100})).json()["products"]
        assert not any("%" in p["seo_title"] for p in rank_math)
        missing = {p["id"] for p in await all_pages(api, headers, {"missing": "seo_title"})}
        assert "105" in missing  # rank_math_title "%title% %sep% %sitename%"


async def test_a_first_read_longer_than_a_request_waits_is_a_503_and_goes_on_meanwhile(
    settings: Settings, shopify_sandbox: LoopbackServer
) -> None:
    with LoopbackServer(create_app(replace(settings, catalog_sync_wait_seconds=1))) as web:
        async with httpx.AsyncClient(base_url=web.url, timeout=60) as api:
            shop = f"shop-{uuid.uuid4().hex[:10]}.myshopify.com"
            await api.get("/api/me", headers=shop_session(shop))
            # An empty query-cost bucket refilling slowly: each page of the catalog waits for it.
            throttle = {"shop": shop, "restore_rate": 150, "available": 0}
            httpx.post(f"{shopify_sandbox.url}/_sandbox/throttle", json=throttle).raise_for_status()
            res = await api.get("/api/products", headers=shop_session(shop), params={"missing": "seo_title"})
            assert res.status_code == 503, res.text
            assert res.json()["error"]["code"] == "catalog_syncing" and res.headers["retry-after"] == "5"
            for _ in range(120):
                res = await api.get("/api/products", headers=shop_session(shop), params={"missing": "seo_title"})
                if res.status_code != 503:
                    break
                await asyncio.sleep(0.5)
            assert res.status_code == 200, res.text
            assert res.json()["total"] > 50 and res.json()["synced_at"]
