"""Stores and credits against real PostgreSQL: install, plan changes, monthly reset, uninstall."""

from __future__ import annotations

import asyncio
import itertools
import os
import subprocess
import sys
from datetime import date

import asyncpg
import pytest

from optimizer_app import credits, queue, stores
from optimizer_app.domain.attributes import Attribute
from optimizer_app.domain.jobs import finished_status
from optimizer_app.worker import run_maintenance
from tests.factories import assert_ledger_balanced, enqueue, new_store, products


async def test_concurrent_installs_create_one_store_and_one_grant(pool: asyncpg.Pool) -> None:
    async def install() -> stores.Store:
        async with pool.acquire() as conn:
            return await stores.install(conn, platform="wix", external_id="site-1", display_name="", today=date.today())

    results = await asyncio.gather(*(install() for _ in range(5)))
    assert len({s.id for s in results}) == 1
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM credit_ledger") == 1
    await assert_ledger_balanced(pool, results[0].id)


async def test_reinstall_keeps_history_and_does_not_grant_again(pool: asyncpg.Pool) -> None:
    store = await new_store(pool)
    await enqueue(pool, store.id, products(5), (Attribute.TITLE,))
    async with pool.acquire() as conn:
        refunded = await stores.uninstall(conn, store.id)
        again = await stores.install(
            conn, platform="wix", external_id=store.external_id, display_name="", today=date.today()
        )
        jobs = await conn.fetchval("SELECT count(*) FROM jobs WHERE store_id = $1", store.id)
    assert refunded == 5
    assert again.id == store.id and again.installed
    assert again.credits_remaining == 100
    assert jobs == 1
    await assert_ledger_balanced(pool, store.id)


async def test_plan_upgrade_and_downgrade_keep_the_ledger_exact(pool: asyncpg.Pool) -> None:
    store = await new_store(pool)
    await enqueue(pool, store.id, products(20), (Attribute.TITLE, Attribute.SEO_TITLE))  # 40 used
    async with pool.acquire() as conn:
        assert await credits.change_plan(conn, store.id, "starter") == 900
        assert await credits.change_plan(conn, store.id, "free") == -900
        with pytest.raises(ValueError):
            await credits.change_plan(conn, store.id, "platinum")
        row = await stores.get(conn, store.id)
    assert row is not None and (row.credits_total, row.credits_used) == (100, 40)
    await assert_ledger_balanced(pool, store.id)


async def test_monthly_reset_runs_once_and_ends_cancelled_plans(pool: asyncpg.Pool) -> None:
    paid, free = await new_store(pool, plan="pro"), await new_store(pool)
    await enqueue(pool, paid.id, products(10))
    await enqueue(pool, free.id, products(10), (Attribute.TITLE,))
    async with pool.acquire() as conn:
        await stores.schedule_plan_end(conn, paid.id, paid.credits_reset_on)
        due = paid.credits_reset_on
    results = await asyncio.gather(*(run_maintenance(pool, max_attempts=3, today=due) for _ in range(3)))
    assert sum(r["credits_reset"] for r in results) == 2
    async with pool.acquire() as conn:
        p, f = await stores.get(conn, paid.id), await stores.get(conn, free.id)
        resets = await conn.fetchval("SELECT count(*) FROM credit_ledger WHERE reason = 'monthly_reset'")
    assert p is not None and f is not None
    assert (p.plan_id, p.credits_total, p.credits_used, p.plan_ends_on) == ("free", 100, 0, None)
    assert (f.credits_total, f.credits_used) == (100, 0)
    assert p.credits_reset_on > due and resets == 2
    await assert_ledger_balanced(pool, paid.id)
    await assert_ledger_balanced(pool, free.id)


async def test_refund_after_a_reset_still_balances(pool: asyncpg.Pool) -> None:
    store = await new_store(pool)
    job = await enqueue(pool, store.id, products(10), (Attribute.TITLE,))
    await run_maintenance(pool, max_attempts=3, today=store.credits_reset_on)
    async with pool.acquire() as conn:
        refunded = await queue.cancel_job(conn, job_id=job.job_id, store_id=store.id)
        row = await stores.get(conn, store.id)
    assert refunded == 10
    assert row is not None and row.credits_remaining == 110
    await assert_ledger_balanced(pool, store.id)


async def test_webhook_event_ids_are_recorded_once(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        first = await stores.record_webhook(
            conn, platform="wix", event_id="e1", event_type="AppInstalled", store_id=None
        )
        replay = await stores.record_webhook(
            conn, platform="wix", event_id="e1", event_type="AppInstalled", store_id=None
        )
        other_platform = await stores.record_webhook(
            conn, platform="shopify", event_id="e1", event_type="app/uninstalled", store_id=None
        )
    assert (first, replay, other_platform) == (True, False, True)


async def test_job_status_sql_matches_the_domain_rule(pool: asyncpg.Pool) -> None:
    store = await new_store(pool, plan="scale")
    job = await enqueue(pool, store.id, products(1), (Attribute.TITLE,))
    async with pool.acquire() as conn:
        combos = [c for c in itertools.product(range(3), repeat=3) if sum(c) <= 2]
        for done, failed, canceled in combos:
            await conn.execute(
                "UPDATE jobs SET status = 'RUNNING', items_total = 2, items_done = $2, items_failed = $3,"
                " items_canceled = $4, finished_at = NULL WHERE id = $1",
                job.job_id,
                done,
                failed,
                canceled,
            )
            # The last item needed no change (it counts as done), or nothing is counted.
            last = int(done + failed + canceled == 1)
            await conn.execute(queue.Q["count_items_into_jobs"], [job.job_id], [last], [0], [last], *[[0]] * 4)
            status, finished_at = await conn.fetchrow("SELECT status, finished_at FROM jobs WHERE id = $1", job.job_id)
            expected = finished_status(2, done + last, failed, canceled)
            assert (status if finished_at else None) == (expected.value if expected else None), (done, failed, canceled)


async def test_set_plan_moves_a_store_from_the_command_line(pool: asyncpg.Pool, database_url: str) -> None:
    store = await new_store(pool, platform="woocommerce")
    env = {**os.environ, "DATABASE_URL": database_url}
    command = [sys.executable, "-m", "optimizer_app.cli", "set-plan", "--platform", "woocommerce"]
    moved = subprocess.run([*command, "--store", store.external_id, "--plan", "pro"], env=env, capture_output=True)
    assert moved.returncode == 0, moved.stderr
    assert b"is on pro; credits +4900" in moved.stdout
    async with pool.acquire() as conn:
        after = await stores.get(conn, store.id)
    assert after is not None and (after.plan_id, after.credits_total) == ("pro", 5000)
    await assert_ledger_balanced(pool, store.id)
    unknown = subprocess.run([*command, "--store", "nope.example", "--plan", "pro"], env=env, capture_output=True)
    assert unknown.returncode == 1 and b"no woocommerce store" in unknown.stderr
    bad_plan = subprocess.run([*command, "--store", store.external_id, "--plan", "gold"], env=env, capture_output=True)
    assert bad_plan.returncode == 2 and b"unknown plan" in bad_plan.stderr
