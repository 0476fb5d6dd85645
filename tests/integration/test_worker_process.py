"""`optimizer-app worker` as a real process: killed mid-batch, three of them with one killed every
second, and stopped with SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from optimizer_sandbox.llm import LLMSandboxConfig, create_llm_sandbox
from optimizer_sandbox.runner import LoopbackServer
from tests.factories import assert_ledger_balanced, enqueue, new_store, products, wait_for_job


@pytest.fixture
def slow_llm() -> Iterator[LoopbackServer]:
    with LoopbackServer(create_llm_sandbox(LLMSandboxConfig(latency_seconds=0.5))) as server:
        yield server


def start_worker(database_url: str, llm_url: str, log: Path, **extra: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "APP_ENV": "development",
        "DATABASE_URL": database_url,
        "LLM_PROVIDER": "openai",
        "OPENAI_BASE_URL": f"{llm_url}/v1",
        "OPENAI_API_KEY": "sandbox-key",
        "WORKER_CONCURRENCY": "4",
        "WORKER_LEASE_SECONDS": "2",
        "WORKER_POLL_SECONDS": "0.2",
        "WORKER_RETRY_BASE_SECONDS": "0",
        "MAINTENANCE_INTERVAL_SECONDS": "0.5",
        **extra,
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "optimizer_app.cli", "worker"], env=env, stdout=out, stderr=subprocess.STDOUT
        )


async def wait_until_running(pool: asyncpg.Pool, at_least: int, timeout: float = 20) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        async with pool.acquire() as conn:
            if await conn.fetchval("SELECT count(*) FROM job_items WHERE status = 'RUNNING'") >= at_least:
                return
        await asyncio.sleep(0.05)
    raise AssertionError("the worker never claimed anything")


async def test_a_killed_worker_loses_nothing_and_nothing_runs_twice(
    pool: asyncpg.Pool, database_url: str, slow_llm: LoopbackServer, tmp_path: Path
) -> None:
    store = await new_store(pool, plan="starter")
    job = await enqueue(pool, store.id, products(12))
    victim = start_worker(database_url, slow_llm.url, tmp_path / "victim.log")
    try:
        await wait_until_running(pool, 4)
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        async with pool.acquire() as conn:
            orphaned = await conn.fetchval("SELECT count(*) FROM job_items WHERE status = 'RUNNING'")
        assert orphaned > 0
        survivor = start_worker(database_url, slow_llm.url, tmp_path / "survivor.log")
        try:
            row = await wait_for_job(pool, job.job_id, timeout=60)
        finally:
            survivor.terminate()
            survivor.wait(timeout=30)
    finally:
        if victim.poll() is None:
            victim.kill()
    assert row["status"] == "DONE"
    assert row["items_done"] == 48
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT status, attempts, after_value FROM job_items WHERE job_id = $1", job.job_id)
    assert all(r["status"] == "DONE" and r["after_value"] for r in rows)
    assert {r["attempts"] for r in rows} <= {1, 2}
    assert any(r["attempts"] == 2 for r in rows)  # the killed worker's items ran again, once
    stats = httpx.get(f"{slow_llm.url}/_sandbox/stats").json()
    assert stats["calls"] <= 12 + 4
    await assert_ledger_balanced(pool, store.id)


async def test_three_workers_one_killed_every_second_lose_and_double_nothing(
    pool: asyncpg.Pool, database_url: str, slow_llm: LoopbackServer, tmp_path: Path
) -> None:
    store = await new_store(pool, plan="starter")
    job = await enqueue(pool, store.id, products(100))
    workers = [start_worker(database_url, slow_llm.url, tmp_path / f"w{i}.log") for i in range(3)]
    kills = 0
    try:
        await wait_until_running(pool, 4)
        while kills < 6:
            async with pool.acquire() as conn:
                if await conn.fetchval(
                    "SELECT status IN ('DONE', 'DONE_WITH_FAILURES') FROM jobs WHERE id = $1", job.job_id
                ):
                    break
            victim = kills % 3
            workers[victim].send_signal(signal.SIGKILL)
            workers[victim].wait(timeout=10)
            kills += 1
            workers[victim] = start_worker(database_url, slow_llm.url, tmp_path / f"w{victim}.log")
            await asyncio.sleep(1.0)
        row = await wait_for_job(pool, job.job_id, timeout=90)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
    assert kills >= 3, "the job finished before the kills could test anything"
    assert (row["status"], row["items_done"], row["items_failed"]) == ("DONE", 400, 0)
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT status, attempts, after_value FROM job_items WHERE job_id = $1", job.job_id)
    assert len(rows) == 400 and all(r["status"] == "DONE" and r["after_value"] for r in rows)
    # A killed worker loses at most its 4 products in flight and the 4 whose results waited for
    # the next flush (every 0.1 s; a call takes 0.5 s): those run again, nothing else does.
    lost_per_kill = 8
    reruns = sum(r["attempts"] - 1 for r in rows)
    assert 0 < reruns <= kills * lost_per_kill * 4
    calls = httpx.get(f"{slow_llm.url}/_sandbox/stats").json()["calls"]
    assert calls <= 100 + kills * lost_per_kill
    await assert_ledger_balanced(pool, store.id)


async def test_sigterm_finishes_or_releases_every_claimed_item(
    pool: asyncpg.Pool, database_url: str, slow_llm: LoopbackServer, tmp_path: Path
) -> None:
    store = await new_store(pool, plan="starter")
    job = await enqueue(pool, store.id, products(40))
    worker = start_worker(database_url, slow_llm.url, tmp_path / "worker.log", WORKER_SHUTDOWN_GRACE_SECONDS="10")
    await wait_until_running(pool, 4)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=30) == 0, (tmp_path / "worker.log").read_text()[-2000:]
    async with pool.acquire() as conn:
        counts = dict(
            await conn.fetch("SELECT status, count(*) FROM job_items WHERE job_id = $1 GROUP BY status", job.job_id)
        )
        stranded = await conn.fetchval("SELECT count(*) FROM job_items WHERE lease_owner IS NOT NULL")
    assert "RUNNING" not in counts and stranded == 0
    assert counts.get("DONE", 0) >= 4
    assert counts.get("DONE", 0) + counts.get("PENDING", 0) == 160


def _nice(pid: int) -> int:
    # /proc/<pid>/stat: the 19th field is the nice value (proc(5)); fields counted after the name.
    return int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[16])


@pytest.mark.parametrize("increment", [10, 0])
async def test_the_worker_yields_the_cpu_by_worker_nice(
    pool: asyncpg.Pool, database_url: str, slow_llm: LoopbackServer, tmp_path: Path, increment: int
) -> None:
    store = await new_store(pool, plan="starter")
    await enqueue(pool, store.id, products(4))
    worker = start_worker(database_url, slow_llm.url, tmp_path / "worker.log", WORKER_NICE=str(increment))
    try:
        await wait_until_running(pool, 1)  # started and working: its priority is set by then
        assert _nice(worker.pid) == min(19, _nice(os.getpid()) + increment)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
