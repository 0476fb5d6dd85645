"""The worker's automation step end to end, on the Shopify sandbox, the sandbox LLM (through the real
openai SDK) and PostgreSQL: a product change recorded as a platform webhook records it becomes a job
made by automation, is written and (in mode publish) published by automation within seconds; the
app's own publish arriving back is not queued again; a burst of changes is one job; a flagged draft
waits for review while the rest publish; the monthly cap stops automation, says so once, and leaves
manual jobs alone; and two workers share a short-period sweep, exactly one leading at a time."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest

from optimizer_app import automation, credits
from optimizer_app.automation import StepConfig
from optimizer_app.settings import Settings
from optimizer_sandbox.runner import LoopbackServer
from tests.factories import wait_for_job
from tests.integration import shopify_stack
from tests.integration.automation_stack import QUICK, eventually, running_workers

# The app beside the Shopify sandbox (tests/integration/shopify_stack.py).
web_port, shopify_sandbox, settings, web = (
    shopify_stack.web_port,
    shopify_stack.shopify_sandbox,
    shopify_stack.settings,
    shopify_stack.web,
)

SEO = ["seo_title", "seo_description"]


@dataclass
class Shop:
    domain: str
    headers: dict[str, str]
    store_id: int


async def new_shop(api: httpx.AsyncClient, pool: asyncpg.Pool) -> Shop:
    domain = f"shop-{uuid.uuid4().hex[:10]}.myshopify.com"
    headers = shopify_stack.shop_session(domain)
    me = await api.get("/api/me", headers=headers)
    assert me.status_code == 200, me.text
    store_id = me.json()["store"]["id"]
    async with pool.acquire() as conn:
        await credits.grant_credits(conn, store_id, 1000, reason="test")
    return Shop(domain, headers, store_id)


def add_product(sandbox: LoopbackServer, shop: Shop) -> str:
    """A product the owner adds in the Shopify admin; its GraphQL id."""
    res = httpx.post(f"{sandbox.url}/_sandbox/shops/{shop.domain}/products", json={"count": 1})
    res.raise_for_status()
    pid = 8000000000 + res.json()["products"]  # the sandbox numbers its products 1, 2, 3…
    httpx.get(f"{sandbox.url}/_sandbox/shops/{shop.domain}/products/{pid}").raise_for_status()
    return f"gid://shopify/Product/{pid}"


def raw_product(sandbox: LoopbackServer, shop: Shop, product_id: str) -> dict[str, Any]:
    pid = product_id.rsplit("/", 1)[1]
    res = httpx.get(f"{sandbox.url}/_sandbox/shops/{shop.domain}/products/{pid}")
    res.raise_for_status()
    found: dict[str, Any] = res.json()["product"]
    return found


def edit_product(sandbox: LoopbackServer, shop: Shop, product_id: str, **fields: Any) -> None:
    """The owner changes the product in the Shopify admin."""
    pid = product_id.rsplit("/", 1)[1]
    httpx.patch(f"{sandbox.url}/_sandbox/shops/{shop.domain}/products/{pid}", json=fields).raise_for_status()


async def set_rules(api: httpx.AsyncClient, shop: Shop, **rules: Any) -> dict[str, Any]:
    res = await api.put("/api/automation", headers=shop.headers, json=rules)
    assert res.status_code == 200, res.text
    found: dict[str, Any] = res.json()
    return found


async def webhook_says_changed(pool: asyncpg.Pool, shop: Shop, *ids: str, settle: float = 0.5) -> None:
    """What a platform's product webhook records (store_events/applier.py), in its own transaction."""
    async with pool.acquire() as conn, conn.transaction():
        await automation.note_product_changes(
            conn, shop.store_id, ids, created=True, source="products/create", settle_seconds=settle
        )


async def automation_jobs(pool: asyncpg.Pool, shop: Shop) -> list[asyncpg.Record]:
    async with pool.acquire() as conn:
        return list(
            await conn.fetch(
                "SELECT id, status, finished_at, auto_published_at, source_ids FROM jobs "
                "WHERE store_id = $1 AND origin = 'automation' ORDER BY id",
                shop.store_id,
            )
        )


async def trail(pool: asyncpg.Pool, shop: Shop, action: str) -> list[asyncpg.Record]:
    async with pool.acquire() as conn:
        return list(
            await conn.fetch(
                "SELECT actor_kind, job_id, detail, at FROM activity WHERE store_id = $1 AND action = $2 ORDER BY id",
                shop.store_id,
                action,
            )
        )


async def changes_waiting(pool: asyncpg.Pool, shop: Shop) -> int:
    async with pool.acquire() as conn:
        return int(await conn.fetchval("SELECT count(*) FROM automation_changes WHERE store_id = $1", shop.store_id))


Running = Callable[..., Any]  # workers(n) → an async context manager


@pytest.fixture
def workers(
    settings: Settings, pool: asyncpg.Pool, database_url: str, llm_sandbox: LoopbackServer
) -> Callable[..., Any]:
    """`async with workers(n)` runs `n` workers with the automation step (automation_stack)."""

    def run(n: int = 1, config: StepConfig = QUICK) -> Any:
        return running_workers(settings, pool, database_url, llm_sandbox, n, config)

    return run


async def test_a_new_product_is_queued_written_and_published_by_automation_within_seconds(
    api: httpx.AsyncClient, pool: asyncpg.Pool, shopify_sandbox: LoopbackServer, workers: Running
) -> None:
    shop = await new_shop(api, pool)
    await set_rules(api, shop, mode="publish", attributes=SEO)
    product_id = add_product(shopify_sandbox, shop)
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with workers(1):
        await webhook_says_changed(pool, shop, product_id, settle=2.0)

        async def published() -> list[asyncpg.Record]:
            async with pool.acquire() as conn:
                return list(
                    await conn.fetch(
                        "SELECT attribute, new_value, actor_kind FROM publish_logs "
                        "WHERE store_id = $1 AND product_id = $2",
                        shop.store_id,
                        product_id,
                    )
                )

        logs = await eventually(lambda: _two(published()))
    assert loop.time() - started < 15
    assert {r["attribute"] for r in logs} == set(SEO) and {r["actor_kind"] for r in logs} == {"automation"}
    now_in_store = raw_product(shopify_sandbox, shop, product_id)["seo"]
    assert now_in_store["title"] == next(r["new_value"] for r in logs if r["attribute"] == "seo_title")
    [job] = await automation_jobs(pool, shop)
    assert list(job["source_ids"]) == [product_id] and job["auto_published_at"] is not None
    listed = (await api.get("/api/jobs", headers=shop.headers)).json()["jobs"]
    assert [(j["id"], j["origin"]) for j in listed] == [(job["id"], "automation")]
    [queued] = await trail(pool, shop, "products_queued")
    assert queued["actor_kind"] == "automation" and queued["job_id"] == job["id"]
    assert queued["detail"] == {"products": 1, "trigger": "webhook"}
    summary = (await api.get("/api/automation/summary", headers=shop.headers)).json()
    assert (summary["products_optimised"], summary["published"], summary["waiting_for_review"]) == (1, 1, 0)
    assert summary["credits_used_this_month"] == 2


async def _two(records: Awaitable[list[asyncpg.Record]]) -> list[asyncpg.Record] | None:
    found = await records
    return found if len(found) == 2 else None


async def test_the_apps_own_publish_arriving_back_is_not_queued_but_the_owners_edit_is(
    api: httpx.AsyncClient, pool: asyncpg.Pool, shopify_sandbox: LoopbackServer, workers: Running
) -> None:
    shop = await new_shop(api, pool)
    await set_rules(api, shop, mode="publish", attributes=SEO)
    product_id = add_product(shopify_sandbox, shop)
    async with workers(1):
        await webhook_says_changed(pool, shop, product_id)
        await eventually(lambda: _published_job(pool, shop))
        # The platform's product-updated webhook for the app's own publish.
        await webhook_says_changed(pool, shop, product_id)
        await eventually(lambda: _none_waiting(pool, shop))
        assert len(await automation_jobs(pool, shop)) == 1

        # A minute later the owner changes the product's SEO title in the admin: a real change.
        async with pool.acquire() as conn:
            await conn.execute(
                "UPDATE automation_products SET last_queued_at = now() - interval '2 minutes' WHERE store_id = $1",
                shop.store_id,
            )
        edit_product(shopify_sandbox, shop, product_id, seo={"title": "My own title", "description": None})
        await webhook_says_changed(pool, shop, product_id)
        await eventually(lambda: _jobs_at_least(pool, shop, 2))


async def _published_job(pool: asyncpg.Pool, shop: Shop) -> bool:
    return any(j["auto_published_at"] is not None for j in await automation_jobs(pool, shop))


async def _none_waiting(pool: asyncpg.Pool, shop: Shop) -> bool:
    return await changes_waiting(pool, shop) == 0


async def _jobs_at_least(pool: asyncpg.Pool, shop: Shop, n: int) -> bool:
    return len(await automation_jobs(pool, shop)) >= n


async def test_a_product_changed_five_times_in_a_second_is_queued_once(
    api: httpx.AsyncClient, pool: asyncpg.Pool, shopify_sandbox: LoopbackServer, workers: Running
) -> None:
    shop = await new_shop(api, pool)
    await set_rules(api, shop, mode="review", attributes=SEO)
    first, second = add_product(shopify_sandbox, shop), add_product(shopify_sandbox, shop)
    async with workers(2):
        for n in range(5):
            # Within the settle time of the first delivery (note_product_changes' default).
            await webhook_says_changed(pool, shop, first, *([second] if n == 0 else []), settle=2.0)
            await asyncio.sleep(0.15)
        await eventually(lambda: _none_waiting(pool, shop))
        [job] = await automation_jobs(pool, shop)
        await wait_for_job(pool, job["id"])
        # More saves while its drafts wait for review: not queued again.
        for _ in range(5):
            await webhook_says_changed(pool, shop, first)
        await eventually(lambda: _none_waiting(pool, shop))
    assert sorted(job["source_ids"]) == sorted([first, second])
    assert len(await automation_jobs(pool, shop)) == 1
    async with pool.acquire() as conn:
        items = await conn.fetch("SELECT product_id FROM job_items WHERE job_id = $1", job["id"])
    assert sorted(r["product_id"] for r in items) == sorted([first, first, second, second])
    summary = (await api.get("/api/automation/summary", headers=shop.headers)).json()
    assert (summary["published"], summary["waiting_for_review"]) == (0, 2)  # mode review


async def test_a_flagged_draft_waits_for_review_while_the_others_are_published(
    api: httpx.AsyncClient,
    pool: asyncpg.Pool,
    shopify_sandbox: LoopbackServer,
    llm_sandbox: LoopbackServer,
    workers: Running,
) -> None:
    shop = await new_shop(api, pool)
    await set_rules(api, shop, mode="publish", attributes=["seo_description"])
    ids = [add_product(shopify_sandbox, shop) for _ in range(3)]
    httpx.post(f"{llm_sandbox.url}/_sandbox/config", json={"faults": ["invented_fact"]}).raise_for_status()
    async with workers(1):
        await webhook_says_changed(pool, shop, *ids)
        await eventually(lambda: _published_job(pool, shop))
    [job] = await automation_jobs(pool, shop)
    async with pool.acquire() as conn:
        items = await conn.fetch(
            "SELECT product_id, flags, review_state, published_at FROM job_items WHERE job_id = $1", job["id"]
        )
    flagged = [i for i in items if i["flags"]]
    assert len(flagged) == 1 and flagged[0]["review_state"] == "NEW" and flagged[0]["published_at"] is None
    assert all(i["published_at"] is not None for i in items if not i["flags"])
    flagged_product = flagged[0]["product_id"]
    assert raw_product(shopify_sandbox, shop, flagged_product)["seo"]["description"] is None  # left as it was
    summary = (await api.get("/api/automation/summary", headers=shop.headers)).json()
    assert (summary["products_optimised"], summary["published"], summary["waiting_for_review"]) == (3, 2, 1)


async def test_the_cap_stops_automation_says_so_once_and_manual_jobs_still_run(
    api: httpx.AsyncClient, pool: asyncpg.Pool, shopify_sandbox: LoopbackServer, workers: Running
) -> None:
    shop = await new_shop(api, pool)
    await set_rules(api, shop, mode="review", attributes=SEO, monthly_credit_cap=3)
    ids = [add_product(shopify_sandbox, shop) for _ in range(3)]
    async with workers(1):
        await webhook_says_changed(pool, shop, *ids)
        await eventually(lambda: _none_waiting(pool, shop))
        [job] = await automation_jobs(pool, shop)
        assert len(job["source_ids"]) == 1  # 2 credits a product: the second would pass 3
        # Later changes in the same month: nothing queued, the stop not recorded again.
        await webhook_says_changed(pool, shop, ids[1], ids[2])
        await eventually(lambda: _none_waiting(pool, shop))
        assert len(await automation_jobs(pool, shop)) == 1

        # The owner's own job takes the credits automation may not.
        created = await api.post(
            "/api/jobs",
            headers=shop.headers,
            json={"source_scope": "products", "source_ids": ids[1:], "attributes": SEO},
        )
        assert created.status_code == 201, created.text
        manual = await wait_for_job(pool, created.json()["job_id"])
        assert manual["status"] == "DONE"
    [stopped] = await trail(pool, shop, "cap_reached")
    assert stopped["actor_kind"] == "automation" and stopped["detail"]["cap"] == 3
    rules = (await api.get("/api/automation", headers=shop.headers)).json()
    assert rules["cap_reached"] is True and rules["credits_used_this_month"] == 2
    summary = (await api.get("/api/automation/summary", headers=shop.headers)).json()
    assert summary["cap_reached"] is True and summary["products_optimised"] == 1
    listed = (await api.get("/api/jobs", headers=shop.headers)).json()["jobs"]
    assert sorted(j["origin"] for j in listed) == ["automation", "owner"]


async def test_two_workers_sweep_once_a_period_the_other_takes_over_and_a_restart_does_not_sweep_again(
    api: httpx.AsyncClient, pool: asyncpg.Pool, workers: Running
) -> None:
    shop = await new_shop(api, pool)
    # Cap 0: every sweep finds the catalog's products and queues none of them (kept light).
    await set_rules(api, shop, mode="review", attributes=SEO, monthly_credit_cap=0, sweep="daily")
    loop = asyncio.get_running_loop()

    async def sweeps() -> list[asyncpg.Record]:
        return await trail(pool, shop, "sweep")

    async with workers(2) as stops:
        await eventually(sweeps)  # the first, due at once (with the catalog's first read)
        first = len(await sweeps())
        await asyncio.sleep(7)
        both = len(await sweeps()) - first
        stops[0].set()  # one worker stops; the other leads
        started = loop.time()
        await eventually(lambda: _more_than(sweeps(), first + both + 2), timeout=10)
        assert loop.time() - started < 7
    # Every worker stops and one starts again at once: the period that began is not swept twice.
    before_restart = len(await sweeps())
    async with workers(1):
        await eventually(lambda: _more_than(sweeps(), before_restart + 1), timeout=10)
    found = await sweeps()
    assert 3 <= both <= 4, both  # 7 s of 2 s periods
    gaps = [(b["at"] - a["at"]).total_seconds() for a, b in itertools.pairwise(found)]
    assert all(g >= 1.9 for g in gaps), gaps  # never twice in a period
    assert {r["actor_kind"] for r in found} == {"automation"}
    assert all(r["detail"] == {"products": 0} for r in found)
    # A restart does not sweep again within the period: next_sweep_at is a period after the last.
    rules = (await api.get("/api/automation", headers=shop.headers)).json()
    assert rules["last_sweep_at"] is not None and rules["next_sweep_at"] > rules["last_sweep_at"]
    [stopped] = await trail(pool, shop, "cap_reached")  # found products, cap 0: said once
    assert stopped["detail"]["cap"] == 0


async def _more_than(records: Awaitable[list[asyncpg.Record]], n: int) -> bool:
    return len(await records) >= n
