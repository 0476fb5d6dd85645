"""The queue against real PostgreSQL: charging, claiming, settling, retries, refunds, leases."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import replace
from decimal import Decimal
from typing import Any

import asyncpg
import pytest

from optimizer_app import queue
from optimizer_app.domain.attributes import Attribute
from optimizer_app.errors import Conflict, InsufficientCredits, NotFound
from optimizer_app.llm.base import Generation, GenerationRequest
from optimizer_app.worker import Worker, WorkerConfig, run_maintenance
from tests.factories import (
    ScriptedProvider,
    assert_ledger_balanced,
    enqueue,
    item_statuses,
    job_row,
    new_store,
    products,
    wait_for_job,
)

FAST = WorkerConfig(
    concurrency=16,
    lease_seconds=30,
    max_attempts=3,
    poll_seconds=0.05,
    retry_base_seconds=0.0,
    shutdown_grace_seconds=5,
    maintenance_interval_seconds=0,
    flush_interval_seconds=0.02,
)


async def run_workers(pool: asyncpg.Pool, workers: list[Worker], job_id: int, timeout: float = 30) -> asyncpg.Record:
    stop = asyncio.Event()
    tasks = [asyncio.create_task(w.run(stop)) for w in workers]
    try:
        return await wait_for_job(pool, job_id, timeout)
    finally:
        stop.set()
        await asyncio.gather(*tasks)


async def test_enqueue_charges_credits_and_writes_every_item(pool: asyncpg.Pool) -> None:
    store = await new_store(pool)
    job = await enqueue(pool, store.id, products(5), (Attribute.TITLE, Attribute.SEO_TITLE))
    assert job.credits_charged == 10
    assert job.remaining == 90
    async with pool.acquire() as conn:
        items = await conn.fetch(
            "SELECT product_id, attribute, before_value, seq FROM job_items WHERE job_id = $1", job.job_id
        )
        ledger = await conn.fetch("SELECT delta, reason FROM credit_ledger WHERE store_id = $1 ORDER BY id", store.id)
    assert len(items) == 10
    assert {(r["product_id"], r["attribute"]) for r in items} == {
        (f"p{i}", a) for i in range(5) for a in ("title", "seo_title")
    }
    assert {r["before_value"] for r in items if r["attribute"] == "title"} == {f"plain product {i}" for i in range(5)}
    assert [(r["delta"], r["reason"]) for r in ledger] == [(100, "plan_grant"), (-10, "job_charge")]
    await assert_ledger_balanced(pool, store.id)


async def test_not_enough_credits_writes_nothing(pool: asyncpg.Pool) -> None:
    store = await new_store(pool)
    with pytest.raises(InsufficientCredits) as info:
        await enqueue(pool, store.id, products(26))  # 104 credits > 100
    assert info.value.details == {"required": 104, "remaining": 100}
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM jobs") == 0
        assert await conn.fetchval("SELECT count(*) FROM job_items") == 0
        assert await conn.fetchval("SELECT credits_used FROM stores WHERE id = $1", store.id) == 0
    await assert_ledger_balanced(pool, store.id)


async def test_two_jobs_racing_for_the_last_credits_exactly_one_wins(pool: asyncpg.Pool) -> None:
    store = await new_store(pool)  # 100 credits
    await enqueue(pool, store.id, products(10, "warm"), (Attribute.TITLE, Attribute.SEO_TITLE, Attribute.DESCRIPTION))
    # 70 left; each contender needs 60.
    contenders = [enqueue(pool, store.id, products(15, f"c{i}")) for i in range(2)]
    outcomes = await asyncio.gather(*contenders, return_exceptions=True)
    wins = [o for o in outcomes if isinstance(o, queue.EnqueuedJob)]
    losses = [o for o in outcomes if isinstance(o, InsufficientCredits)]
    assert len(wins) == 1 and len(losses) == 1
    assert losses[0].details == {"required": 60, "remaining": 10}
    async with pool.acquire() as conn:
        used, total = await conn.fetchrow("SELECT credits_used, credits_total FROM stores WHERE id = $1", store.id)
        assert await conn.fetchval("SELECT count(*) FROM jobs") == 2
    assert (used, total) == (90, 100)
    await assert_ledger_balanced(pool, store.id)


async def test_many_concurrent_jobs_never_overdraw(pool: asyncpg.Pool) -> None:
    store = await new_store(pool)
    outcomes = await asyncio.gather(
        *(enqueue(pool, store.id, products(3, f"r{i}")) for i in range(20)), return_exceptions=True
    )
    wins = [o for o in outcomes if isinstance(o, queue.EnqueuedJob)]
    assert all(isinstance(o, queue.EnqueuedJob | InsufficientCredits) for o in outcomes)
    assert len(wins) == 8  # 8 × 12 = 96 ≤ 100 < 108
    await assert_ledger_balanced(pool, store.id)


async def test_four_workers_drain_one_job_without_processing_any_item_twice(pool: asyncpg.Pool) -> None:
    store = await new_store(pool, plan="pro")
    job = await enqueue(pool, store.id, products(300))
    provider = ScriptedProvider(delay=0.001)
    workers = [Worker(pool, provider, FAST, worker_id=f"w{i}") for i in range(4)]
    row = await run_workers(pool, workers, job.job_id)
    assert row["status"] == "DONE"
    assert (row["items_done"], row["items_failed"]) == (1200, 0)
    # One LLM call per product, covering all four fields, and no product called twice.
    per_product = Counter(pid for pid, _ in provider.calls)
    assert len(per_product) == 300 and set(per_product.values()) == {1}
    assert all(len(attrs) == 4 for _, attrs in provider.calls)
    assert sum(w.processed for w in workers) == 1200
    assert sum(1 for w in workers if w.processed) >= 2
    async with pool.acquire() as conn:
        wrong = await conn.fetchval(
            "SELECT count(*) FROM job_items WHERE job_id = $1 AND (after_value IS NULL OR attempts <> 1)", job.job_id
        )
    assert wrong == 0
    await assert_ledger_balanced(pool, store.id)


class CountsInFlight(ScriptedProvider):
    """Records the most calls it had at once."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.now = self.most = 0

    async def generate(self, request: GenerationRequest) -> Generation:
        self.now += 1
        self.most = max(self.most, self.now)
        try:
            return await super().generate(request)
        finally:
            self.now -= 1


async def test_the_claim_loops_together_never_call_for_more_products_than_the_concurrency(
    pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_claim = queue.claim

    async def slow_claim(conn: asyncpg.Connection, **kwargs: Any) -> list[queue.ClaimedItem]:
        claimed = await real_claim(conn, **kwargs)
        await asyncio.sleep(0.03)  # a busy database: each loop's claim overlaps the other's
        return claimed

    monkeypatch.setattr(queue, "claim", slow_claim)
    store = await new_store(pool, plan="pro")
    job = await enqueue(pool, store.id, products(120))
    provider = CountsInFlight(delay=0.02)
    worker = Worker(pool, provider, replace(FAST, concurrency=8))
    row = await run_workers(pool, [worker], job.job_id)
    assert (row["status"], row["items_done"]) == ("DONE", 480)
    # The claims keep all 8 slots busy, and never more.
    assert provider.most == 8


async def test_a_job_enqueued_mid_drain_is_reached_at_once_though_claims_look_past_done_work(
    pool: asyncpg.Pool, database_url: str
) -> None:
    """Claims look from where the last one found work; a new job's first products lie before that
    point (seq 0), and its NOTIFY sends the next claim back to the queue's start."""
    store = await new_store(pool, plan="pro")
    await enqueue(pool, store.id, products(400, "big"))
    provider = ScriptedProvider(delay=0.01)
    worker = Worker(pool, provider, replace(FAST, concurrency=4, poll_seconds=60), listen_dsn=database_url)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        while len(provider.calls) < 80:  # well into the big job: its claims now look from seq ~80
            await asyncio.sleep(0.01)
        small = await enqueue(pool, store.id, products(2, "small"), (Attribute.TITLE,))
        await wait_for_job(pool, small.job_id, timeout=10)
        big_calls_meanwhile = sum(1 for pid, _ in provider.calls[80:] if pid.startswith("big"))
    finally:
        stop.set()
        await task
    # Two products of a new job wait behind at most a claim or two of the big one's, not its rest.
    assert big_calls_meanwhile < 40, big_calls_meanwhile


async def test_transient_failures_retry_then_succeed(pool: asyncpg.Pool) -> None:
    store = await new_store(pool)
    job = await enqueue(pool, store.id, products(3), (Attribute.TITLE,))
    provider = ScriptedProvider(fail_first=2)
    row = await run_workers(pool, [Worker(pool, provider, FAST)], job.job_id)
    assert row["status"] == "DONE"
    async with pool.acquire() as conn:
        attempts = await conn.fetch("SELECT attempts FROM job_items WHERE job_id = $1", job.job_id)
    assert {r["attempts"] for r in attempts} == {3}
    assert len(provider.calls) == 9
    await assert_ledger_balanced(pool, store.id)


async def test_retry_then_failed_then_refund(pool: asyncpg.Pool) -> None:
    store = await new_store(pool)
    job = await enqueue(pool, store.id, products(4), (Attribute.TITLE, Attribute.SEO_TITLE))
    provider = ScriptedProvider(always_fail=True)
    row = await run_workers(pool, [Worker(pool, provider, FAST)], job.job_id)
    assert row["status"] == "FAILED"
    assert (row["items_failed"], row["credits_refunded"]) == (8, 8)
    assert len(provider.calls) == 4 * FAST.max_attempts
    async with pool.acquire() as conn:
        errors = await conn.fetch("SELECT status, attempts, reason, error FROM job_items WHERE job_id = $1", job.job_id)
        store_row = await conn.fetchrow("SELECT credits_used FROM stores WHERE id = $1", store.id)
        refunds = await conn.fetchval(
            "SELECT sum(delta) FROM credit_ledger WHERE store_id = $1 AND reason = 'refund_failed'", store.id
        )
    assert all(r["status"] == "FAILED" and r["attempts"] == FAST.max_attempts for r in errors)
    assert all(r["reason"] == "llm_unavailable" and "rate limited" in r["error"] for r in errors)
    assert store_row["credits_used"] == 0
    assert refunds == 8
    await assert_ledger_balanced(pool, store.id)


async def test_cancel_refunds_pending_items(pool: asyncpg.Pool) -> None:
    store = await new_store(pool)
    job = await enqueue(pool, store.id, products(10), (Attribute.TITLE, Attribute.DESCRIPTION))
    async with pool.acquire() as conn:
        claimed = await queue.claim(conn, worker_id="w", limit=2, lease_seconds=30)
        refunded = await queue.cancel_job(conn, job_id=job.job_id, store_id=store.id)
    assert len(claimed) == 4
    assert refunded == 16
    statuses = await item_statuses(pool, job.job_id)
    assert statuses == Counter({"CANCELED": 16, "RUNNING": 4})
    row = await job_row(pool, job.job_id)
    assert row["status"] == "CANCELED" and row["finished_at"] is None
    # The running items finish normally; the job stays canceled and becomes finished.
    async with pool.acquire() as conn:
        await queue.settle(
            conn, worker_id="w", results=[queue.ItemResult(i.id, "new value") for i in claimed], max_attempts=3
        )
    row = await job_row(pool, job.job_id)
    assert (row["status"], row["items_done"], row["items_canceled"]) == ("CANCELED", 4, 16)
    assert row["finished_at"] is not None
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT credits_used FROM stores WHERE id = $1", store.id) == 4
        with pytest.raises(Conflict):
            await queue.cancel_job(conn, job_id=job.job_id, store_id=store.id)
    await assert_ledger_balanced(pool, store.id)


async def test_cancel_of_another_stores_job_is_not_found(pool: asyncpg.Pool) -> None:
    a, b = await new_store(pool), await new_store(pool)
    job = await enqueue(pool, a.id, products(2))
    async with pool.acquire() as conn:
        with pytest.raises(NotFound):
            await queue.cancel_job(conn, job_id=job.job_id, store_id=b.id)
    assert await item_statuses(pool, job.job_id) == Counter({"PENDING": 8})


async def test_claim_takes_every_field_of_a_product_together(pool: asyncpg.Pool) -> None:
    store = await new_store(pool)
    job = await enqueue(pool, store.id, products(5))
    async with pool.acquire() as conn:
        claimed = await queue.claim(conn, worker_id="w", limit=2, lease_seconds=30)
    by_product = Counter(i.product_id for i in claimed)
    assert by_product == Counter({"p0": 4, "p1": 4})
    assert all(i.job_id == job.job_id and i.product.title.startswith("plain product") for i in claimed)


async def test_claim_interleaves_a_small_job_with_a_large_one(pool: asyncpg.Pool) -> None:
    big_store, small_store = await new_store(pool, plan="pro"), await new_store(pool)
    big = await enqueue(pool, big_store.id, products(500, "big"), (Attribute.TITLE,))
    async with pool.acquire() as conn:
        first = await queue.claim(conn, worker_id="w", limit=50, lease_seconds=30)
    small = await enqueue(pool, small_store.id, products(3, "small"), (Attribute.TITLE,))
    async with pool.acquire() as conn:
        second = await queue.claim(conn, worker_id="w", limit=10, lease_seconds=30)
    assert {i.job_id for i in first} == {big.job_id}
    assert {i.product_id for i in second if i.job_id == small.job_id} == {"small0", "small1", "small2"}


async def test_a_worker_that_lost_its_lease_cannot_write(pool: asyncpg.Pool) -> None:
    store = await new_store(pool)
    job = await enqueue(pool, store.id, products(1), (Attribute.TITLE,))
    async with pool.acquire() as conn:
        [item] = await queue.claim(conn, worker_id="slow", limit=1, lease_seconds=30)
        await conn.execute("UPDATE job_items SET lease_until = now() - interval '1 second' WHERE id = $1", item.id)
        assert await queue.recover_expired_leases(conn, max_attempts=3) == 1
        [again] = await queue.claim(conn, worker_id="fast", limit=1, lease_seconds=30)
        late = await queue.settle(conn, worker_id="slow", results=[queue.ItemResult(item.id, "stale")], max_attempts=3)
        ok = await queue.settle(conn, worker_id="fast", results=[queue.ItemResult(again.id, "fresh")], max_attempts=3)
        value = await conn.fetchval("SELECT after_value FROM job_items WHERE id = $1", item.id)
    assert (late.completed, late.fenced_out) == (0, 1)
    assert ok.completed == 1
    assert value == "fresh"
    assert (await job_row(pool, job.job_id))["status"] == "DONE"


async def test_expired_lease_out_of_attempts_fails_and_refunds(pool: asyncpg.Pool) -> None:
    store = await new_store(pool)
    job = await enqueue(pool, store.id, products(1), (Attribute.TITLE,))
    async with pool.acquire() as conn:
        await conn.execute("UPDATE job_items SET attempts = 2 WHERE job_id = $1", job.job_id)
        await queue.claim(conn, worker_id="dead", limit=1, lease_seconds=30)
        await conn.execute("UPDATE job_items SET lease_until = now() - interval '1 second'")
    result = await run_maintenance(pool, max_attempts=3)
    assert result["recovered"] == 1
    row = await job_row(pool, job.job_id)
    assert (row["status"], row["items_failed"], row["credits_refunded"]) == ("FAILED", 1, 1)
    async with pool.acquire() as conn:
        item = await conn.fetchrow("SELECT reason, error FROM job_items WHERE job_id = $1", job.job_id)
    assert (item["reason"], item["error"]) == ("worker_lost", "The worker processing this item stopped responding.")
    await assert_ledger_balanced(pool, store.id)


async def test_stopping_a_worker_releases_its_items_without_counting_an_attempt(pool: asyncpg.Pool) -> None:
    store = await new_store(pool)
    job = await enqueue(pool, store.id, products(4), (Attribute.TITLE,))
    provider = ScriptedProvider(delay=30)
    worker = Worker(pool, provider, replace(FAST, shutdown_grace_seconds=0.2))
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    while len(provider.calls) < 4:
        await asyncio.sleep(0.02)
    stop.set()
    await asyncio.wait_for(task, 5)
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT status, attempts, lease_owner FROM job_items WHERE job_id = $1", job.job_id)
    assert [(r["status"], r["attempts"], r["lease_owner"]) for r in rows] == [("PENDING", 0, None)] * 4


async def test_notify_wakes_an_idle_worker_long_before_its_poll(pool: asyncpg.Pool, database_url: str) -> None:
    store = await new_store(pool)
    provider = ScriptedProvider()
    sleepy = replace(FAST, poll_seconds=60)
    worker = Worker(pool, provider, sleepy, listen_dsn=database_url)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        await asyncio.sleep(0.5)  # idle: the first claim found nothing, the next poll is a minute away
        job = await enqueue(pool, store.id, products(2), (Attribute.TITLE,))
        row = await wait_for_job(pool, job.job_id, timeout=10)
    finally:
        stop.set()
        await task
    assert row["status"] == "DONE"


async def test_a_notify_that_lands_while_a_claim_runs_still_wakes_the_worker(
    pool: asyncpg.Pool, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The job is committed, and its NOTIFY delivered, after the claim took its snapshot and before
    it answered (empty): the worker must claim again at once, not a poll interval later."""
    store = await new_store(pool)
    provider = ScriptedProvider()
    worker = Worker(pool, provider, replace(FAST, poll_seconds=60), listen_dsn=database_url)
    real_claim = queue.claim
    idle = asyncio.Event()
    jobs: list[int] = []

    async def claim_meeting_a_new_job(conn: asyncpg.Connection, **kwargs: Any) -> list[queue.ClaimedItem]:
        claimed = await real_claim(conn, **kwargs)
        if not claimed and idle.is_set() and not jobs:
            jobs.append((await enqueue(pool, store.id, products(1), (Attribute.TITLE,))).job_id)
            await asyncio.sleep(0.5)  # the NOTIFY reaches the worker's listener meanwhile
        return claimed

    monkeypatch.setattr(queue, "claim", claim_meeting_a_new_job)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        await asyncio.sleep(0.5)  # the listener is connected; the worker waits on its next poll
        idle.set()
        async with pool.acquire() as conn:
            await queue.wake_workers(conn)  # one more claim, during which the job arrives
        while not jobs:
            await asyncio.sleep(0.01)
        row = await wait_for_job(pool, jobs[0], timeout=10)
    finally:
        stop.set()
        await task
    assert row["status"] == "DONE"


@pytest.mark.parametrize(("retry_rejected", "calls"), [(True, 2 * FAST.max_attempts), (False, 2)])
async def test_a_rejected_field_fails_alone_and_is_refunded(
    pool: asyncpg.Pool, retry_rejected: bool, calls: int
) -> None:
    store = await new_store(pool)
    job = await enqueue(pool, store.id, products(2), (Attribute.TITLE, Attribute.SEO_TITLE))
    provider = ScriptedProvider(reject=frozenset({Attribute.TITLE}), retry_rejected=retry_rejected)
    row = await run_workers(pool, [Worker(pool, provider, FAST)], job.job_id)
    assert (row["status"], row["items_done"], row["items_failed"]) == ("DONE_WITH_FAILURES", 2, 2)
    assert len(provider.calls) == calls
    async with pool.acquire() as conn:
        failed = await conn.fetch("SELECT attribute, reason, error FROM job_items WHERE status = 'FAILED'")
    assert {r["attribute"] for r in failed} == {"title"}
    assert [(r["reason"], r["error"]) for r in failed] == [("empty", "the suggestion was empty")] * 2
    await assert_ledger_balanced(pool, store.id)


async def test_a_large_job_refreshes_the_queue_statistics(pool: asyncpg.Pool) -> None:
    store = await new_store(pool, plan="scale")
    async with pool.acquire() as conn:
        before = await conn.fetchval("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'job_items'")
    await enqueue(pool, store.id, products(10), (Attribute.TITLE,))
    async with pool.acquire() as conn:
        after_small = await conn.fetchval("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'job_items'")
    # 6,000 items: at a couple of thousand rows a sort is as cheap as the index for the planner,
    # and which one it picks turns on the row width, not on the statistics this test is about.
    await enqueue(pool, store.id, products(1500))
    async with pool.acquire() as conn:
        after_large = await conn.fetchval("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'job_items'")
        explained = await conn.fetch("EXPLAIN " + queue.Q["claim"], "w", 256, 30.0, *queue.QUEUE_START)
        plan = "\n".join(r[0] for r in explained)
    assert before is None and after_small is None and after_large is not None
    assert "job_items_pending" in plan and "Seq Scan on job_products" not in plan
    # Every product's siblings are found through the pending index too, not a scan per product.
    assert "Seq Scan on job_items" not in plan, plan


async def test_the_job_status_function_is_inlined_into_the_counting_statements(pool: asyncpg.Pool) -> None:
    """job_status_after replaced a CASE written into both statements: it must plan as that CASE did,
    not as a function call per row."""
    async with pool.acquire() as conn:
        plans = [
            "\n".join(r[0] for r in await conn.fetch("EXPLAIN VERBOSE " + queue.Q[name], *args))
            for name, args in [
                ("count_items_into_jobs", ([1], [1], [0], [0], [0], [0], [0], [0])),
                ("complete_and_count", ("w", [1], ["v"], ["[]"], ["m"], [1], [1], [Decimal(0)], [None])),
            ]
        ]
    for plan in plans:
        assert "job_status_after" not in plan and "CASE WHEN (j.status = 'CANCELED'::text)" in plan, plan


async def test_workers_woken_by_a_large_job_already_see_its_statistics(pool: asyncpg.Pool, database_url: str) -> None:
    """A claim planned on statistics that still say the queue is empty takes seconds per claim
    (nested loops over every pending row); the statistics must commit with the rows."""
    store = await new_store(pool, plan="scale")
    listener = await asyncpg.connect(database_url)
    holder = await asyncpg.connect(database_url)
    seen: list[float] = []
    notified = asyncio.Event()

    async def on_notify(*_: object) -> None:
        seen.append(await holder.fetchval("SELECT reltuples FROM pg_class WHERE relname = 'job_items'"))
        notified.set()

    try:
        await listener.add_listener(queue.CHANNEL, lambda *a: asyncio.ensure_future(on_notify(*a)))
        # Hold off any ANALYZE for a moment, as a running (auto)vacuum would.
        blocker = holder.transaction()
        await blocker.start()
        await holder.execute("LOCK TABLE job_items IN SHARE UPDATE EXCLUSIVE MODE")
        enqueuing = asyncio.create_task(enqueue(pool, store.id, products(600)))
        await asyncio.sleep(0.5)
        await blocker.commit()
        await enqueuing
        await asyncio.wait_for(notified.wait(), 5)
    finally:
        await listener.close()
        await holder.close()
    assert seen and seen[0] >= 600 * 4
