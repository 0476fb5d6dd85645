"""Automation end to end on each platform (Shopify, Wix, Salla, WooCommerce), over loopback HTTP,
PostgreSQL and the sandbox LLM: with the rules in mode publish, a product the owner adds in the
platform's admin reaches the app by the platform's own webhook, becomes an automation job, is
written and published to the store within seconds, is on the trail under automation and reverted
through the existing route; the product-updated webhook our own publish (and revert) causes is
delivered and queues nothing and leaves no trail entry. In mode review the drafts wait."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest

from optimizer_app import automation, credits, stores
from optimizer_app.clients import StoreClients
from optimizer_app.crypto import TokenCipher
from optimizer_app.domain.attributes import Attribute
from optimizer_app.domain.history import same_text
from optimizer_app.domain.products import Product
from optimizer_sandbox.runner import LoopbackServer
from tests.integration.all_platforms import AllPlatforms
from tests.integration.automation_stack import (
    PLATFORMS,
    QUICK,
    Caller,
    add_product,
    api,
    deliveries,
    eventually,
    hear_wix_products,
    platforms,
    running_workers,
    sandbox_of,
    sign_in,
)

__all__ = ["api", "platforms"]

FIELDS = ["title", "seo_title", "seo_description"]
# What the owner adds: a Salla store writes in Arabic (its default language, which automation's
# drafts are written in), the others in English.
NEW_PRODUCT = {
    "salla": ("عطر العنبر", "<p>عطر شرقي دافئ بالعنبر والعود، يدوم طويلا على البشرة.</p>"),
    "default": ("Linen Apron", "<p>A washed linen apron with two front pockets and adjustable straps.</p>"),
}


@pytest.fixture
async def clients(platforms: AllPlatforms, pool: asyncpg.Pool) -> AsyncIterator[StoreClients]:
    """The app's own platform clients: how the test reads a product back through the platform's API."""
    async with httpx.AsyncClient(timeout=30) as http:
        made = StoreClients(platforms.settings, pool, TokenCipher(*platforms.settings.token_encryption_keys), http)
        yield made
        await made.aclose()


async def store_with_rules(
    platforms: AllPlatforms,
    api: httpx.AsyncClient,
    pool: asyncpg.Pool,
    wix_sandbox: LoopbackServer,
    platform: str,
    mode: str,
) -> Caller:
    hear_wix_products(wix_sandbox, platforms.web.url)
    caller = await sign_in(platforms, api, platform)
    async with pool.acquire() as conn:
        await credits.grant_credits(conn, caller.store_id, 1000, reason="test")
    res = await api.put("/api/automation", headers=caller.headers, json={"mode": mode, "attributes": FIELDS})
    assert res.status_code == 200, res.text
    return caller


async def read_back(pool: asyncpg.Pool, clients: StoreClients, caller: Caller, product_id: str) -> Product:
    """The product as the platform's API returns it now."""
    async with pool.acquire() as conn:
        store = await stores.get(conn, caller.store_id)
    assert store is not None
    [product] = await clients.for_store(store).get_products([product_id])
    return product


async def automation_jobs(pool: asyncpg.Pool, caller: Caller) -> list[asyncpg.Record]:
    async with pool.acquire() as conn:
        return list(
            await conn.fetch(
                "SELECT id, status, finished_at, source_ids FROM jobs WHERE store_id = $1 AND origin = 'automation'",
                caller.store_id,
            )
        )


async def publish_logs(pool: asyncpg.Pool, caller: Caller) -> list[asyncpg.Record]:
    async with pool.acquire() as conn:
        return list(
            await conn.fetch(
                "SELECT id, product_id, attribute, old_value, new_value, actor_kind FROM publish_logs "
                "WHERE store_id = $1 ORDER BY id",
                caller.store_id,
            )
        )


async def none_waiting(pool: asyncpg.Pool, caller: Caller) -> bool:
    async with pool.acquire() as conn:
        waiting = await conn.fetchval("SELECT count(*) FROM automation_changes WHERE store_id = $1", caller.store_id)
    return bool(waiting == 0)


def created(delivery: dict[str, Any]) -> bool:
    """products/create, product.created, wix.stores.catalog.v3.product_created: the created topics."""
    return "creat" in delivery["topic"].lower()


async def trail(api: httpx.AsyncClient, caller: Caller, actor: str) -> list[dict[str, Any]]:
    res = await api.get("/api/activity", headers=caller.headers, params={"actor": actor})
    assert res.status_code == 200, res.text
    entries: list[dict[str, Any]] = res.json()["entries"]
    return entries


async def own_write_arrives_back(
    sandbox: LoopbackServer, pool: asyncpg.Pool, clients: StoreClients, caller: Caller, updates_before: int
) -> None:
    """Wait for the product-updated webhook(s) the app's own write caused, delivered (200) and
    taken by automation; then a few more automation passes."""

    async def updated() -> bool:
        sent = [d for d in deliveries(sandbox, caller.external_id) if not created(d)]
        return len(sent) > updates_before and all(d["status"] == 200 for d in sent)

    try:
        await eventually(updated)
    except AssertionError:
        raise AssertionError(f"no product-updated delivery: {deliveries(sandbox, caller.external_id)}") from None
    await asyncio.sleep(0.5)  # a write of several calls is reported by several deliveries
    await eventually(lambda: none_waiting(pool, caller))
    for _ in range(3):
        await automation.run_step(pool, clients, QUICK)


@dataclass
class AddedProduct:
    """A product the owner added in the platform's admin of a store with automation rules."""

    caller: Caller
    sandbox: LoopbackServer
    product_id: str
    title: str
    added_at: float


AddsAProduct = Callable[[str], AbstractAsyncContextManager[AddedProduct]]


@pytest.fixture
def owner_adds_a_product(
    platform: str,
    platforms: AllPlatforms,
    api: httpx.AsyncClient,
    pool: asyncpg.Pool,
    database_url: str,
    wix_sandbox: LoopbackServer,
    llm_sandbox: LoopbackServer,
) -> AddsAProduct:
    """With rules in the given mode and workers running, the owner adds a product in the admin."""

    @asynccontextmanager
    async def added(mode: str) -> AsyncIterator[AddedProduct]:
        caller = await store_with_rules(platforms, api, pool, wix_sandbox, platform, mode)
        sandbox = sandbox_of(platforms, wix_sandbox, platform)
        async with running_workers(platforms.settings, pool, database_url, llm_sandbox):
            title, description = NEW_PRODUCT.get(platform, NEW_PRODUCT["default"])
            added_at = asyncio.get_running_loop().time()
            product_id = add_product(sandbox, caller, title, description)
            yield AddedProduct(caller, sandbox, product_id, title, added_at)

    return added


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_a_product_added_in_the_admin_is_published_by_automation_within_seconds_and_its_echo_is_quiet(
    platform: str, api: httpx.AsyncClient, pool: asyncpg.Pool, clients: StoreClients, owner_adds_a_product: AddsAProduct
) -> None:
    async with owner_adds_a_product("publish") as added:
        caller, sandbox, product_id, title = added.caller, added.sandbox, added.product_id, added.title

        async def published() -> list[asyncpg.Record] | None:
            logs = [r for r in await publish_logs(pool, caller) if r["product_id"] == product_id]
            return logs if len(logs) == len(FIELDS) else None

        logs: list[asyncpg.Record] = await eventually(published)
        seconds = asyncio.get_running_loop().time() - added.added_at
        print(f"\n{platform}: product created to published by automation in {seconds:.1f} s")

        # The platform's product-created webhook reached the app.
        sent = deliveries(sandbox, caller.external_id)
        assert [d["status"] for d in sent if created(d)] == [200], sent
        # One automation job of the product, done; its fields are in the store now, by automation.
        [job] = await automation_jobs(pool, caller)
        assert list(job["source_ids"]) == [product_id] and job["status"] == "DONE"
        assert {r["attribute"] for r in logs} == set(FIELDS)
        assert {r["actor_kind"] for r in logs} == {"automation"}
        in_store = await read_back(pool, clients, caller, product_id)
        for log in logs:
            assert same_text(in_store.value(Attribute(log["attribute"])), log["new_value"]), log["attribute"]
        assert in_store.title != title
        automated = await trail(api, caller, "automation")
        assert sorted(e["action"] for e in automated) == ["job_created", "products_queued", *["published"] * 3]
        assert {e["job_id"] for e in automated} == {job["id"]}
        assert all(e["revertible"] for e in automated if e["action"] == "published")
        [reported] = await trail(api, caller, "webhook")
        assert (reported["action"], reported["product_id"]) == ("product_changed", product_id)
        assert reported["detail"]["created"] is True

        # Our own publish arrives back as the product-updated webhook: taken, nothing queued, no entry.
        await own_write_arrives_back(sandbox, pool, clients, caller, updates_before=0)
        assert len(await automation_jobs(pool, caller)) == 1
        assert await trail(api, caller, "webhook") == [reported]

        # The owner reverts automation's title from the trail with the existing route: the store has
        # its own title back, and that write's echo is as quiet.
        renamed = next(e for e in automated if e["action"] == "published" and e["change"]["attribute"] == "title")
        updates = len([d for d in deliveries(sandbox, caller.external_id) if not created(d)])
        res = await api.post(f"/api/publish-logs/{renamed['publish_log_id']}/revert", headers=caller.headers)
        assert res.status_code == 200, res.text
        assert (await read_back(pool, clients, caller, product_id)).title == title
        [reverted, rules_set] = await trail(api, caller, "owner")
        assert (reverted["action"], reverted["publish_log_id"]) == ("reverted", renamed["publish_log_id"])
        assert rules_set["action"] == "automation_changed"
        await own_write_arrives_back(sandbox, pool, clients, caller, updates_before=updates)
        assert len(await automation_jobs(pool, caller)) == 1
        assert await trail(api, caller, "webhook") == [reported]


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_in_review_mode_a_new_products_drafts_wait_and_nothing_is_published(
    api: httpx.AsyncClient, pool: asyncpg.Pool, clients: StoreClients, owner_adds_a_product: AddsAProduct
) -> None:
    async with owner_adds_a_product("review") as added:
        caller, product_id, title = added.caller, added.product_id, added.title

        async def finished() -> list[asyncpg.Record]:
            return [j for j in await automation_jobs(pool, caller) if j["finished_at"] is not None]

        [job] = await eventually(finished)
        for _ in range(3):
            await automation.run_step(pool, clients, QUICK)  # publish mode would publish now
    async with pool.acquire() as conn:
        items = await conn.fetch(
            "SELECT product_id, status, review_state, published_at FROM job_items WHERE job_id = $1", job["id"]
        )
    assert [(i["product_id"], i["status"], i["review_state"], i["published_at"]) for i in items] == [
        (product_id, "DONE", "NEW", None)
    ] * len(FIELDS)
    assert await publish_logs(pool, caller) == []
    assert (await read_back(pool, clients, caller, product_id)).title == title
    summary = (await api.get("/api/automation/summary", headers=caller.headers)).json()
    assert (summary["products_optimised"], summary["published"], summary["waiting_for_review"]) == (1, 0, 1)
