"""The primary LLM server dies mid-job: the breaker opens and the job finishes on the fallback.
Two sandbox LLM servers on loopback, the worker and the real openai SDK, real PostgreSQL."""

from __future__ import annotations

import asyncio
from collections import Counter

import asyncpg

from optimizer_app import jobs
from optimizer_app.domain.attributes import Attribute
from optimizer_app.llm.fallback import BreakerState, CircuitBreaker, FallbackProvider
from optimizer_app.llm.openai_provider import OpenAIProvider
from optimizer_app.worker import Worker
from optimizer_sandbox.llm import LLMSandboxConfig, create_llm_sandbox
from optimizer_sandbox.runner import LoopbackServer
from tests.factories import (
    assert_ledger_balanced,
    enqueue,
    item_statuses,
    new_store,
    products,
    quick_worker_config,
    wait_for_job,
)

FIELDS = (Attribute.TITLE, Attribute.SEO_TITLE)


async def _wait_for_done(pool: asyncpg.Pool, job_id: int, at_least: int) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while (await item_statuses(pool, job_id))["DONE"] < at_least:
        assert loop.time() < deadline, "the primary never answered"
        await asyncio.sleep(0.02)


async def test_the_primary_stopped_mid_job_and_the_job_finishes_on_the_fallback(pool: asyncpg.Pool) -> None:
    store = await new_store(pool, plan="pro")
    job = await enqueue(pool, store.id, products(40), FIELDS)
    slow = LLMSandboxConfig(latency_seconds=0.05)
    with (
        LoopbackServer(create_llm_sandbox(slow)) as primary_server,
        LoopbackServer(create_llm_sandbox()) as fallback_server,
    ):
        primary = OpenAIProvider(api_key="sandbox", base_url=f"{primary_server.url}/v1", model="primary-model")
        fallback = OpenAIProvider(api_key="sandbox", base_url=f"{fallback_server.url}/v1", model="fallback-model")
        breaker = CircuitBreaker(failures=3, cooldown_seconds=3600)
        provider = FallbackProvider(primary, fallback, breaker)
        stop = asyncio.Event()
        task = asyncio.create_task(Worker(pool, provider, quick_worker_config(concurrency=4)).run(stop))
        try:
            await _wait_for_done(pool, job.job_id, at_least=10)
            await asyncio.to_thread(primary_server.stop)
            row = await wait_for_job(pool, job.job_id)
        finally:
            stop.set()
            await task
            await provider.aclose()

    assert (row["status"], row["items_done"], row["items_failed"], row["credits_refunded"]) == ("DONE", 80, 0, 0)
    assert breaker.state is BreakerState.OPEN
    async with pool.acquire() as conn:
        items = await jobs.list_items(conn, store_id=store.id, job_id=job.job_id, status=None, after_id=0, limit=100)
    models = Counter(i["model"] for i in items)
    assert set(models) == {"primary-model", "fallback-model"}
    assert models["primary-model"] >= 10
    await assert_ledger_balanced(pool, store.id)
