"""Retention against real PostgreSQL: the items of jobs finished longer ago than the period leave
job_items, bounded per pass and once across workers; unfinished and recent jobs keep theirs; job
rows, publish logs and activity stay. Through the web API on the Wix sandbox: an expired job's items
endpoint says why it lists none, and the job can still be reverted from its publish log."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import asyncpg
import httpx
import pytest

from optimizer_app import activity, retention, sql
from optimizer_app.domain.attributes import Attribute
from optimizer_app.domain.history import Actor, ActorKind
from optimizer_app.settings import Settings
from optimizer_app.worker import Worker, run_maintenance
from tests.factories import ScriptedProvider, enqueue, new_store, products, quick_worker_config, wait_for_job
from tests.integration.conftest import Drain, new_site
from tests.integration.test_api_review import job_of
from tests.integration.test_api_wix import first_products

PERIOD = timedelta(days=90)
FIELDS = (Attribute.TITLE, Attribute.SEO_TITLE)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, api_rate_limit_per_minute=0)


async def finished_job(pool: asyncpg.Pool, store_id: int, n: int, *, days_ago: float) -> int:
    """A job of n products × 2 fields, drained by a worker, finished `days_ago` days ago."""
    job = await enqueue(pool, store_id, products(n, prefix=f"d{days_ago}-"), FIELDS)
    stop = asyncio.Event()
    task = asyncio.create_task(Worker(pool, ScriptedProvider(), quick_worker_config()).run(stop))
    try:
        await wait_for_job(pool, job.job_id)
    finally:
        stop.set()
        await task
    async with pool.acquire() as conn:
        await conn.execute(
            "UPDATE jobs SET finished_at = now() - make_interval(days => $2) WHERE id = $1", job.job_id, days_ago
        )
    return job.job_id


async def counts(pool: asyncpg.Pool, job_id: int) -> tuple[int, int]:
    async with pool.acquire() as conn:
        items = await conn.fetchval("SELECT count(*) FROM job_items WHERE job_id = $1", job_id)
        snapshots = await conn.fetchval("SELECT count(*) FROM job_products WHERE job_id = $1", job_id)
    return items, snapshots


async def test_items_of_jobs_finished_before_the_period_go_and_the_history_stays(pool: asyncpg.Pool) -> None:
    store = await new_store(pool, granted=100)
    old = await finished_job(pool, store.id, 3, days_ago=91)
    recent = await finished_job(pool, store.id, 2, days_ago=89)
    unfinished = (await enqueue(pool, store.id, products(2, prefix="u-"), FIELDS)).job_id
    async with pool.acquire() as conn:
        # An unfinished job created long ago is still in the queue: only finishing counts.
        await conn.execute("UPDATE jobs SET created_at = now() - interval '200 days' WHERE id = $1", unfinished)
        [item] = await conn.fetch("SELECT id, product_id, attribute FROM job_items WHERE job_id = $1 LIMIT 1", old)
        [log] = await conn.fetch(
            sql.load("publishing")["insert_publish_logs"],
            store.id, [item["id"]], [item["product_id"]], [item["attribute"]], ["before"], ["after"], "owner", None,
        )  # fmt: skip
        entry = await activity.record(
            conn,
            store.id,
            Actor(ActorKind.OWNER, None),
            activity.Action.PUBLISHED,
            job_id=old,
            publish_log_id=log["id"],
        )
        before = await conn.fetchrow("SELECT * FROM jobs WHERE id = $1", old)

    done = await run_maintenance(pool, max_attempts=3, retention_period=PERIOD)

    assert (done["items_removed"], done["jobs_expired"]) == (6, 1)
    assert await counts(pool, old) == (0, 0)
    assert await counts(pool, recent) == (4, 2)
    assert await counts(pool, unfinished) == (4, 2)
    async with pool.acquire() as conn:
        after = await conn.fetchrow("SELECT * FROM jobs WHERE id = $1", old)
        kept_log = await conn.fetchrow("SELECT * FROM publish_logs WHERE id = $1", log["id"])
        kept_entry = await conn.fetchrow("SELECT job_id, publish_log_id FROM activity WHERE id = $1", entry)
        others = await conn.fetch("SELECT id FROM jobs WHERE items_expired_at IS NOT NULL")
    assert after["items_expired_at"] is not None and [r["id"] for r in others] == [old]
    unchanged = ("status", "items_total", "items_done", "credits_charged", "credits_refunded", "finished_at")
    assert {k: after[k] for k in unchanged} == {k: before[k] for k in unchanged}
    assert (kept_log["job_item_id"], kept_log["job_id"], kept_log["new_value"]) == (None, old, "after")
    assert (kept_entry["job_id"], kept_entry["publish_log_id"]) == (old, log["id"])
    # Nothing left to do: the next pass removes nothing.
    again = await run_maintenance(pool, max_attempts=3, retention_period=PERIOD)
    assert (again["items_removed"], again["jobs_expired"]) == (0, 0)


async def test_a_pass_is_bounded_and_the_next_one_finishes(pool: asyncpg.Pool) -> None:
    store = await new_store(pool, granted=100)
    old = await finished_job(pool, store.id, 5, days_ago=100)
    first = await retention.expire_finished_items(pool, period=PERIOD, batch=2, max_items=7)
    assert (first.items_removed, first.jobs_expired) == (7, 0)
    assert await counts(pool, old) == (3, 5)
    second = await retention.expire_finished_items(pool, period=PERIOD, batch=2, max_items=7)
    assert (second.items_removed, second.jobs_expired) == (3, 1)
    assert await counts(pool, old) == (0, 0)


async def test_two_workers_running_retention_at_once_do_it_once(pool: asyncpg.Pool) -> None:
    store = await new_store(pool, granted=100)
    old = await finished_job(pool, store.id, 10, days_ago=100)
    # While another worker's pass holds the lock, a pass does nothing.
    async with pool.acquire() as other:
        assert await other.fetchval("SELECT pg_try_advisory_lock($1)", retention.LOCK_KEY)
        skipped = await retention.expire_finished_items(pool, period=PERIOD)
        await other.execute("SELECT pg_advisory_unlock($1)", retention.LOCK_KEY)
    assert skipped == retention.RetentionPass(ran=False)
    assert await counts(pool, old) == (20, 10)
    passes = await asyncio.gather(*(retention.expire_finished_items(pool, period=PERIOD, batch=3) for _ in range(3)))
    assert sum(p.items_removed for p in passes) == 20
    assert sum(p.jobs_expired for p in passes) == 1
    assert await counts(pool, old) == (0, 0)


async def test_an_expired_job_says_so_keeps_its_counts_and_can_still_be_reverted(
    drain: Drain, api: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    site = new_site()
    chosen = await first_products(api, site, 2)
    job_id, items = await job_of(api, drain, site, [p["id"] for p in chosen], ["title", "seo_title"])
    published = await api.post("/api/publish", headers=site.headers, json={"item_ids": [i["id"] for i in items]})
    assert {r["status"] for r in published.json()["results"]} == {"published"}
    before = (await api.get(f"/api/jobs/{job_id}", headers=site.headers)).json()
    assert before["items_expired_at"] is None
    async with pool.acquire() as conn:
        await conn.execute("UPDATE jobs SET finished_at = now() - interval '91 days' WHERE id = $1", job_id)
    await run_maintenance(pool, max_attempts=3, retention_period=PERIOD)

    res = await api.get(f"/api/jobs/{job_id}/items", headers=site.headers)
    assert res.status_code == 410, res.text
    body = res.json()
    assert body["error"]["code"] == "items_expired" and body["error"]["items_expired_at"]
    job = (await api.get(f"/api/jobs/{job_id}", headers=site.headers)).json()
    assert job["items_expired_at"] == body["error"]["items_expired_at"]
    assert (job["counts"]["total"], job["counts"]["done"], job["credits_charged"]) == (
        before["counts"]["total"], before["counts"]["done"], before["credits_charged"],
    )  # fmt: skip
    history = await api.get(f"/api/products/{chosen[0]['id']}/history", headers=site.headers)
    assert history.status_code == 200, history.text
    written = [v for f in history.json()["fields"] for v in f["versions"] if v["job_id"] is not None]
    assert {(v["job_id"], v["job_number"]) for v in written} == {(job_id, job["number"])} and len(written) == 2
    reverted = await api.post(f"/api/jobs/{job_id}/revert", headers=site.headers)
    assert reverted.status_code == 200, reverted.text
    assert len(reverted.json()["reverted"]) == 4 and reverted.json()["failed"] == []
