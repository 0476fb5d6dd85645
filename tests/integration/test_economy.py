"""Economy jobs through the sandbox LLM's Batch API, with the real openai SDK over loopback: the
same results, checks, retries and refunds as live calls, at half the credits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace

import asyncpg
import httpx
import pytest
from starlette.applications import Starlette

from optimizer_app import batches, queue
from optimizer_app.domain.attributes import Attribute
from optimizer_app.domain.plans import items_cost
from optimizer_app.llm.openai_provider import OpenAIProvider
from optimizer_app.worker import Worker
from optimizer_sandbox.llm import LLMSandbox, LLMSandboxConfig
from optimizer_sandbox.runner import LoopbackServer
from tests.factories import (
    ScriptedProvider,
    assert_ledger_balanced,
    enqueue,
    job_row,
    new_store,
    products,
    quick_worker_config,
    wait_for_job,
)
from tests.integration.conftest import new_site
from tests.integration.test_api_wix import first_products


@pytest.fixture
def sandbox() -> Iterator[tuple[LLMSandbox, str]]:
    llm = LLMSandbox(LLMSandboxConfig(batch_seconds=0))
    app: Starlette = llm.app()
    with LoopbackServer(app) as server:
        yield llm, f"{server.url}/v1"


@pytest.fixture
async def provider(sandbox: tuple[LLMSandbox, str]) -> AsyncIterator[OpenAIProvider]:
    instance = OpenAIProvider(api_key="sandbox", base_url=sandbox[1], model="gpt-4o-mini")
    yield instance
    await instance.aclose()


async def _run_worker(pool: asyncpg.Pool, provider: OpenAIProvider, job_id: int) -> asyncpg.Record:
    config = replace(quick_worker_config(), maintenance_interval_seconds=0.1)
    stop = asyncio.Event()
    task = asyncio.create_task(Worker(pool, provider, config).run(stop))
    try:
        return await wait_for_job(pool, job_id, timeout=180)
    finally:
        stop.set()
        await task


async def _steps_until_done(pool: asyncpg.Pool, provider: OpenAIProvider, job_id: int, max_attempts: int) -> int:
    """Batch steps, as a worker's maintenance runs them, until the job finishes; returns how many."""
    for step in range(1, 20):
        await batches.run_step(pool, provider, max_attempts=max_attempts, retry_base_seconds=0, poll_seconds=0)
        if (await job_row(pool, job_id))["finished_at"] is not None:
            return step
    raise AssertionError("the economy job did not finish")


async def _items(pool: asyncpg.Pool, job_id: int) -> dict[tuple[str, str], asyncpg.Record]:
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT product_id, attribute, status, after_value, flags::text, reason, attempts, batch_id "
            "FROM job_items WHERE job_id = $1",
            job_id,
        )
    return {(r["product_id"], r["attribute"]): r for r in rows}


async def _ledger(pool: asyncpg.Pool, job_id: int) -> list[tuple[str, int]]:
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT reason, delta FROM credit_ledger WHERE job_id = $1 ORDER BY id", job_id)
    return [(r["reason"], r["delta"]) for r in rows]


async def test_an_economy_job_of_1000_products_finishes_like_a_normal_one_at_half_the_credits(
    pool: asyncpg.Pool, provider: OpenAIProvider, sandbox: tuple[LLMSandbox, str]
) -> None:
    llm, _ = sandbox
    store = await new_store(pool, granted=6000)
    catalog = products(1000)
    normal = await enqueue(pool, store.id, catalog)
    normal_job = await _run_worker(pool, provider, normal.job_id)
    live_calls = llm.stats.calls

    economy = await enqueue(pool, store.id, catalog, economy=True)
    economy_job = await _run_worker(pool, provider, economy.job_id)

    assert llm.stats.calls == live_calls, "an economy job makes no live calls"
    assert llm.stats.batches >= 1 and llm.stats.batch_requests == 1000  # one request per product
    assert (normal.credits_charged, economy.credits_charged) == (4000, 2000)
    for column in ("status", "items_total", "items_done", "items_failed", "credits_refunded"):
        assert economy_job[column] == normal_job[column], column
    assert economy_job["status"] == "DONE"
    normal_items, economy_items = await _items(pool, normal.job_id), await _items(pool, economy.job_id)
    assert economy_items.keys() == normal_items.keys()
    for key, item in normal_items.items():
        other = economy_items[key]
        assert (other["status"], other["after_value"], other["flags"]) == (
            item["status"], item["after_value"], item["flags"]
        ), key  # fmt: skip
        assert other["batch_id"] is not None and item["batch_id"] is None
    assert await _ledger(pool, normal.job_id) == [("job_charge", -4000)]
    assert await _ledger(pool, economy.job_id) == [("job_charge", -2000)]
    await assert_ledger_balanced(pool, store.id)


async def test_error_file_lines_retry_in_a_later_batch_or_fail_and_are_refunded(
    pool: asyncpg.Pool, provider: OpenAIProvider, sandbox: tuple[LLMSandbox, str]
) -> None:
    llm, _ = sandbox
    store = await new_store(pool)
    job = await enqueue(pool, store.id, products(6), (Attribute.TITLE, Attribute.SEO_TITLE), economy=True)
    assert job.credits_charged == 6  # 12 fields at half a credit
    # The first line is answered 500 (retried), the second 400 (refused for good), the third is
    # garbage (an unusable answer: retried), like the same answers to live calls.
    llm.config.faults = ["500", "400", "garbage"]

    steps = await _steps_until_done(pool, provider, job.job_id, max_attempts=4)

    row = await job_row(pool, job.job_id)
    items = await _items(pool, job.job_id)
    assert steps == 2 and llm.stats.batches == 2
    assert (row["status"], row["items_done"], row["items_failed"]) == ("DONE_WITH_FAILURES", 10, 2)
    assert {k for k, r in items.items() if r["status"] == "FAILED"} == {("p1", "title"), ("p1", "seo_title")}
    assert {r["reason"] for r in items.values() if r["status"] == "FAILED"} == {"llm_refused"}
    assert {k[0] for k, r in items.items() if r["attempts"] == 2} == {"p0", "p2"}
    # Two half-credit fields failed: the job now costs 5 credits for its 10 fields.
    assert row["credits_refunded"] == 1
    assert await _ledger(pool, job.job_id) == [("job_charge", -6), ("refund_failed", 1)]
    await assert_ledger_balanced(pool, store.id)


async def test_an_expired_batch_keeps_what_it_answered_and_retries_the_rest_until_out_of_attempts(
    pool: asyncpg.Pool, provider: OpenAIProvider, sandbox: tuple[LLMSandbox, str]
) -> None:
    llm, _ = sandbox
    store = await new_store(pool)
    job = await enqueue(pool, store.id, products(5), (Attribute.TITLE,), economy=True)
    llm.config.batch_expire_after = 2  # each batch answers two products, then expires

    await _steps_until_done(pool, provider, job.job_id, max_attempts=2)

    row = await job_row(pool, job.job_id)
    items = await _items(pool, job.job_id)
    assert llm.stats.batches == 2 and llm.stats.batch_requests == 4
    assert (row["status"], row["items_done"], row["items_failed"]) == ("DONE_WITH_FAILURES", 4, 1)
    failed = items[("p4", "title")]
    assert (failed["status"], failed["reason"], failed["attempts"]) == ("FAILED", "llm_unavailable", 2)
    assert "24 h window" in (await _error(pool, job.job_id, "p4"))
    assert await _ledger(pool, job.job_id) == [("job_charge", -3), ("refund_failed", 1)]
    await assert_ledger_balanced(pool, store.id)


async def _error(pool: asyncpg.Pool, job_id: int, product_id: str) -> str:
    async with pool.acquire() as conn:
        return str(
            await conn.fetchval("SELECT error FROM job_items WHERE job_id = $1 AND product_id = $2", job_id, product_id)
        )


async def test_without_a_batch_api_economy_items_join_the_live_queue(pool: asyncpg.Pool) -> None:
    store = await new_store(pool)
    job = await enqueue(pool, store.id, products(3), (Attribute.TITLE,), economy=True)
    provider = ScriptedProvider()
    assert await batches.run_step(pool, provider, max_attempts=4, retry_base_seconds=0) == {"to_live_queue": 3}
    stop = asyncio.Event()
    task = asyncio.create_task(Worker(pool, provider, quick_worker_config()).run(stop))
    try:
        row = await wait_for_job(pool, job.job_id)
    finally:
        stop.set()
        await task
    assert (row["status"], row["credits_charged"], row["credits_refunded"]) == ("DONE", 2, 0)


async def test_economy_is_asked_on_post_api_jobs_and_costs_half(api: httpx.AsyncClient, pool: asyncpg.Pool) -> None:
    site = new_site()
    products_ = await first_products(api, site, 30)
    body = {
        "source_scope": "products",
        "source_ids": [p["id"] for p in products_],
        "attributes": ["title", "description", "seo_title", "seo_description"],
    }
    # 120 fields are more than the free plan's 100 credits, but 60 credits in economy.
    assert (await api.post("/api/jobs", headers=site.headers, json=body)).status_code == 402
    bad = await api.post("/api/jobs", headers=site.headers, json={**body, "economy": "yes"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_request"
    created = await api.post("/api/jobs", headers=site.headers, json={**body, "economy": True})
    assert created.status_code == 201, created.text
    assert (created.json()["credits_charged"], created.json()["credits_remaining"]) == (60, 40)
    job = (await api.get(f"/api/jobs/{created.json()['job_id']}", headers=site.headers)).json()
    assert (job["economy"], job["credits_charged"], job["counts"]["total"]) == (True, 60, 120)
    me = (await api.get("/api/me", headers=site.headers)).json()
    assert {p["economy_fields_per_credit"] for p in me["plans"]} == {2}
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM job_items WHERE via_batch") == 120
        # The live claim does not take them: they wait for a batch.
        assert await queue.claim(conn, worker_id="w", limit=10, lease_seconds=60) == []


async def test_the_sql_items_cost_mirrors_the_domain(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        for economy in (False, True):
            for n in (0, 1, 2, 3, 7, 120, 4001):
                assert await conn.fetchval("SELECT items_cost($1, $2)", economy, n) == items_cost(n, economy=economy)
