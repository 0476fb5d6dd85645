"""Faults that must lose nothing: PostgreSQL restarting under the web and a worker, the LLM
answering 429 and 500 in bursts, the store platform failing during publish."""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from optimizer_app import db, embedded_pg
from optimizer_app.llm.openai_provider import OpenAIProvider
from optimizer_app.settings import Settings
from optimizer_app.web.app import create_app
from optimizer_app.worker import Worker
from optimizer_sandbox.llm import LLMSandboxConfig, create_llm_sandbox
from optimizer_sandbox.runner import LoopbackServer
from tests.factories import assert_ledger_balanced, enqueue, new_store, products, quick_worker_config, wait_for_job
from tests.integration.conftest import Drain, new_site
from tests.integration.test_api_wix import first_products, improved_items, sandbox_product

QUICK = quick_worker_config(retry_base_seconds=0.05)


@pytest.fixture
def own_server() -> Iterator[Any]:
    """A PostgreSQL of this test's own, so it can be stopped without touching anyone else's."""
    with tempfile.TemporaryDirectory() as folder, embedded_pg.embedded_server(Path(folder) / "pg") as server:
        yield server


async def test_postgres_restart_gives_503_then_everyone_reconnects(
    own_server: Any, settings: Settings, llm_sandbox: LoopbackServer
) -> None:
    url = own_server.url
    await db.migrate(url)
    site = new_site()
    pool = await db.create_pool(url, min_size=1, max_size=4)
    provider = OpenAIProvider(api_key="sandbox", base_url=f"{llm_sandbox.url}/v1", model="gpt-4o-mini")
    stop = asyncio.Event()
    worker = asyncio.create_task(Worker(pool, provider, QUICK, listen_dsn=url).run(stop))
    try:
        with LoopbackServer(create_app(replace(settings, database_url=url))) as web:
            async with httpx.AsyncClient(base_url=web.url, timeout=30) as api:
                assert (await api.get("/api/me", headers=site.headers)).status_code == 200
                own_server.stop()
                down = [await api.get("/health"), await api.get("/api/me", headers=site.headers)]
                assert [r.status_code for r in down] == [503, 503]
                assert down[1].json()["error"]["code"] == "unavailable"
                assert "Traceback" not in down[1].text
                own_server.start()
                for _ in range(100):
                    if (await api.get("/health")).status_code == 200:
                        break
                    await asyncio.sleep(0.1)
                ids = [p["id"] for p in await first_products(api, site, 3)]
                created = await api.post(
                    "/api/jobs",
                    headers=site.headers,
                    json={"source_scope": "products", "source_ids": ids, "attributes": ["title"]},
                )
                assert created.status_code == 201, created.text
        row = await wait_for_job(pool, created.json()["job_id"], timeout=60)
        assert row["status"] == "DONE"
    finally:
        stop.set()
        await worker
        await provider.aclose()
        await pool.close()


async def test_llm_bursts_of_429_and_500_complete_the_job_with_bounded_calls(pool: asyncpg.Pool) -> None:
    faults = ["429", "500", "429", "500", "500", "429"]
    config = LLMSandboxConfig(faults=list(faults), fault_retry_after_seconds=0.4)
    with LoopbackServer(create_llm_sandbox(config)) as llm:
        store = await new_store(pool)
        job = await enqueue(pool, store.id, products(4))
        provider = OpenAIProvider(api_key="sandbox", base_url=f"{llm.url}/v1", model="gpt-4o-mini")
        stop = asyncio.Event()
        started = time.monotonic()
        task = asyncio.create_task(Worker(pool, provider, QUICK).run(stop))
        try:
            row = await wait_for_job(pool, job.job_id, timeout=30)
        finally:
            stop.set()
            await task
            await provider.aclose()
        elapsed = time.monotonic() - started
        stats = httpx.get(f"{llm.url}/_sandbox/stats").json()
    assert (row["status"], row["items_done"]) == ("DONE", 16)
    assert stats["calls"] == 4 + len(faults)  # every fault cost exactly one extra call, no more
    assert stats["answered_429"] == 3
    # A product answered 429 waited for retry-after (0.4 s) before its next call, not the 0.05 s backoff.
    assert elapsed >= 0.4
    await assert_ledger_balanced(pool, store.id)


async def test_a_platform_failing_during_publish_gives_per_item_errors_then_publishes_once(
    drain: Drain, api: httpx.AsyncClient, pool: asyncpg.Pool, wix_sandbox: LoopbackServer
) -> None:
    site = new_site()
    ids = [p["id"] for p in await first_products(api, site, 3)]
    items = await improved_items(api, drain, site, ids, ["title"])
    item_ids = [i["id"] for i in items]
    for prefix in ("/stores/v3/bulk/products/update", "/stores/v3/products/query"):
        httpx.post(
            f"{wix_sandbox.url}/_sandbox/faults",
            json={"path_prefix": prefix, "status": 503, "count": 20, "retry_after": 0.01},
        ).raise_for_status()
    failed = await api.post("/api/publish", headers=site.headers, json={"item_ids": item_ids})
    assert failed.status_code == 200, failed.text
    assert [r["status"] for r in failed.json()["results"]] == ["error"] * 3
    httpx.post(f"{wix_sandbox.url}/_sandbox/reset").raise_for_status()
    retried = await api.post("/api/publish", headers=site.headers, json={"item_ids": item_ids})
    assert [r["status"] for r in retried.json()["results"]] == ["published"] * 3
    again = await api.post("/api/publish", headers=site.headers, json={"item_ids": item_ids})
    assert [r["status"] for r in again.json()["results"]] == ["already_published"] * 3
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM publish_logs") == 3
    for item in items:
        assert sandbox_product(wix_sandbox, site.instance_id, item["product_id"])["name"] == item["after"]
