"""The queue: moving jobs and job_items (statements in sql/queue.sql), and the credits they carry.

job_items is the queue. An item is claimed with FOR UPDATE SKIP LOCKED and a lease, processed
with no transaction open, and settled by a statement fenced on the lease. Job counters and
credit refunds move in the same transactions as the items they count.

Lock order, in every transaction that takes more than one: job_items → jobs (by id) → stores (by id).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

import asyncpg

from . import credits, sql
from .domain.attributes import Attribute
from .domain.brand_voices import BrandVoice
from .domain.glossary import DEFAULT_GLOSSARY, Glossary
from .domain.jobs import ItemReason
from .domain.plans import job_cost
from .domain.products import Product
from .errors import Conflict, InsufficientCredits, NotFound

CHANNEL = "job_items"
Q = sql.load("queue")

# Jobs of at least this many items refresh job_items' statistics as they are enqueued.
_ANALYZE_AFTER_ITEMS = 2000


@dataclass(frozen=True)
class EnqueuedJob:
    job_id: int
    credits_charged: int
    remaining: int


@dataclass(frozen=True)
class ClaimedItem:
    id: int
    job_id: int
    store_id: int
    product_id: str
    attribute: Attribute
    attempts: int
    product: Product
    target_lang: str
    user_prompt: str
    store_settings: dict[str, Any]
    brand_voice: BrandVoice | None = None  # the copy the job kept
    glossary: Glossary = DEFAULT_GLOSSARY  # the store's, as saved when the item was claimed


@dataclass(frozen=True)
class ItemUsage:
    """An item's share of what one LLM call spent."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: Decimal = Decimal(0)


NO_USAGE = ItemUsage()


@dataclass(frozen=True)
class ItemResult:
    item_id: int
    value: str
    flags: list[str] = field(default_factory=list)
    model: str | None = None
    usage: ItemUsage = NO_USAGE


@dataclass(frozen=True)
class ItemFailure:
    item_id: int
    reason: ItemReason
    error: str
    delay_seconds: float
    permanent: bool = False
    usage: ItemUsage = NO_USAGE


@dataclass(frozen=True)
class SettleOutcome:
    completed: int
    retried: int
    failed: int
    fenced_out: int


async def enqueue_job(
    conn: asyncpg.Connection,
    *,
    store_id: int,
    source_scope: str,
    source_ids: Sequence[str],
    attributes: Sequence[Attribute],
    target_lang: str,
    user_prompt: str,
    products: Sequence[Product],
    economy: bool = False,
    brand_voice: BrandVoice | None = None,
) -> EnqueuedJob:
    """Charge credits and create the job with all its items, in one transaction, then NOTIFY.

    An economy job costs less and its items wait for the LLM's Batch API (batches.py) instead of
    the live claim. Raises InsufficientCredits (and writes nothing) when the store cannot pay."""
    cost = job_cost(len(products), len(attributes), economy=economy)
    items_total = len(products) * len(attributes)
    async with conn.transaction():
        job_id = await conn.fetchval(
            Q["insert_job"],
            store_id,
            source_scope,
            list(source_ids),
            [a.value for a in attributes],
            target_lang,
            user_prompt,
            cost,
            items_total,
            economy,
            brand_voice.to_snapshot() if brand_voice else None,
        )
        remaining = await credits.charge(conn, store_id=store_id, credits=cost, job_id=job_id)
        if remaining is None:
            raise InsufficientCredits(required=cost, remaining=await credits.remaining(conn, store_id))
        await conn.copy_records_to_table(
            "job_products",
            columns=["job_id", "product_id", "snapshot"],
            records=[(job_id, p.id, p.to_snapshot()) for p in products],
        )
        await conn.copy_records_to_table(
            "job_items",
            columns=["job_id", "store_id", "product_id", "seq", "attribute", "before_value", "via_batch"],
            records=[
                (job_id, store_id, p.id, seq, a.value, p.value(a), economy)
                for seq, p in enumerate(products)
                for a in attributes
            ],
        )
        if items_total >= _ANALYZE_AFTER_ITEMS:
            # Inside the transaction: the statistics commit with the rows, so no worker woken by
            # the NOTIFY plans its first claim on a table it believes empty.
            await conn.execute(Q["analyze_sample"])
            await conn.execute(Q["analyze_queue"])
        await conn.execute(Q["wake_workers"], CHANNEL)
    return EnqueuedJob(job_id=job_id, credits_charged=cost, remaining=int(remaining))


async def claim(conn: asyncpg.Connection, *, worker_id: str, limit: int, lease_seconds: float) -> list[ClaimedItem]:
    """Lease up to `limit` products, with all their pending items."""
    if limit <= 0:
        return []
    rows = await conn.fetch(Q["claim"], worker_id, limit, float(lease_seconds))
    if not rows:
        return []
    await mark_jobs_running(conn, (r["job_id"] for r in rows))
    return claimed_items(rows)


async def mark_jobs_running(conn: asyncpg.Connection, job_ids: Iterable[int]) -> None:
    """Jobs whose first items were just taken (by a claim, or into a batch)."""
    await conn.execute(Q["mark_jobs_running"], sorted(set(job_ids)))


async def wake_workers(conn: asyncpg.Connection) -> None:
    """Tell listening workers there is work (delivered when the transaction commits)."""
    await conn.execute(Q["wake_workers"], CHANNEL)


def claimed_items(rows: Sequence[asyncpg.Record]) -> list[ClaimedItem]:
    """Items from rows shaped as the claim returns them (the snapshot on each product's first item)."""
    products = {
        (r["job_id"], r["product_id"]): Product.from_snapshot(json.loads(r["snapshot"]))
        for r in rows
        if r["snapshot"] is not None
    }
    settings: dict[int, dict[str, Any]] = {}
    voices = {r["job_id"]: BrandVoice.from_snapshot(json.loads(r["brand_voice"])) for r in rows if r["brand_voice"]}
    glossaries = {r["store_id"]: _glossary(r["glossary"]) for r in rows if r["glossary"]}
    items = []
    for r in rows:
        key = (r["job_id"], r["product_id"])
        if r["store_id"] not in settings:
            settings[r["store_id"]] = json.loads(r["settings"]) if r["settings"] else {}
        items.append(
            ClaimedItem(
                id=r["id"],
                job_id=r["job_id"],
                store_id=r["store_id"],
                product_id=r["product_id"],
                attribute=Attribute(r["attribute"]),
                attempts=r["attempts"],
                product=products[key],
                target_lang=r["target_lang"],
                user_prompt=r["user_prompt"],
                store_settings=settings[r["store_id"]],
                brand_voice=voices.get(r["job_id"]),
                glossary=glossaries.get(r["store_id"], DEFAULT_GLOSSARY),
            )
        )
    return items


@lru_cache(maxsize=128)
def _glossary(text: str) -> Glossary:
    # The same store's glossary comes with every claim: read it once (its patterns are cached on it).
    return Glossary.from_json(json.loads(text))


async def settle(
    conn: asyncpg.Connection,
    *,
    worker_id: str,
    results: Sequence[ItemResult] = (),
    failures: Sequence[ItemFailure] = (),
    max_attempts: int,
) -> SettleOutcome:
    """Write a batch of results and failures for items `worker_id` holds, in one transaction.

    Items whose lease the worker lost are skipped (counted in fenced_out)."""
    flags = [json.dumps(r.flags) if r.flags else "[]" for r in results]
    saved = (
        worker_id,
        [r.item_id for r in results],
        [r.value for r in results],
        flags,
        [r.model for r in results],
        *_usage_columns(r.usage for r in results),
    )
    if not failures:
        rows = await conn.fetch(Q["complete_and_count"], *saved)
        completed = sum(r["done"] for r in rows)
        return SettleOutcome(completed=completed, retried=0, failed=0, fenced_out=len(results) - completed)
    async with conn.transaction():
        saved_rows: list[asyncpg.Record] = await conn.fetch(Q["save_results"], *saved) if results else []
        done_jobs = [r["job_id"] for r in saved_rows]
        failed_rows: list[asyncpg.Record] = await conn.fetch(
            Q["fail_or_retry_items"],
            worker_id,
            max_attempts,
            [f.item_id for f in failures],
            [f.reason.value for f in failures],
            [f.error for f in failures],
            [float(f.delay_seconds) for f in failures],
            [f.permanent for f in failures],
            *_usage_columns(f.usage for f in failures),
        )
        final_failures = [r for r in failed_rows if r["status"] == "FAILED"]
        await _add_job_usage(conn, [*saved_rows, *failed_rows])
        await _count_into_jobs(conn, done_jobs, final_failures)
    retried = len(failed_rows) - len(final_failures)
    return SettleOutcome(
        completed=len(done_jobs),
        retried=retried,
        failed=len(final_failures),
        fenced_out=len(results) + len(failures) - len(done_jobs) - len(failed_rows),
    )


async def release(conn: asyncpg.Connection, *, worker_id: str, item_ids: Sequence[int]) -> int:
    """Hand leased items back untouched; returns how many were still held."""
    if not item_ids:
        return 0
    status = await conn.execute(Q["release_items"], worker_id, list(item_ids))
    return int(status.split()[-1])


async def recover_expired_leases(conn: asyncpg.Connection, *, max_attempts: int, limit: int = 1000) -> int:
    """Return items of dead workers to the queue (or fail them when out of attempts)."""
    async with conn.transaction():
        rows = await conn.fetch(Q["recover_expired_leases"], max_attempts, limit, ItemReason.WORKER_LOST.value)
        await _count_into_jobs(conn, [], [r for r in rows if r["status"] == "FAILED"])
    return len(rows)


async def cancel_job(conn: asyncpg.Connection, *, job_id: int, store_id: int) -> int:
    """Cancel a job's pending items and refund them; returns the credits refunded.

    Items already running finish normally. Raises NotFound for another store's job."""
    async with conn.transaction():
        job = await conn.fetchrow(Q["job_for_store"], job_id, store_id)
        if job is None:
            raise NotFound("No such job.")
        if job["status"] not in ("PENDING", "RUNNING"):
            raise Conflict(f"This job has already finished ({job['status'].lower()}).")
        return await _cancel_locked_job(conn, job_id=job_id, store_id=store_id)


async def cancel_store_jobs(conn: asyncpg.Connection, *, store_id: int) -> int:
    """Cancel and refund every open job of a store (uninstall); returns the credits refunded."""
    refunded = 0
    async with conn.transaction():
        job_ids = [r["id"] for r in await conn.fetch(Q["open_jobs_of_store"], store_id)]
        if job_ids:
            await conn.execute(Q["lock_jobs"], job_ids)
        for job_id in job_ids:
            refunded += await _cancel_locked_job(conn, job_id=job_id, store_id=store_id)
    return refunded


async def queue_depth(conn: asyncpg.Connection) -> dict[str, int]:
    counts = {"PENDING": 0, "RUNNING": 0}
    for r in await conn.fetch(Q["queue_depth"]):
        counts[r["status"]] = r["count"]
    return counts


async def llm_usage_totals(conn: asyncpg.Connection) -> tuple[int, int, float]:
    """(prompt tokens, completion tokens, US dollars) every job's LLM calls spent so far."""
    row = await conn.fetchrow(Q["llm_usage_totals"])
    assert row is not None
    return row["prompt_tokens"], row["completion_tokens"], row["cost_usd"]


async def _cancel_locked_job(conn: asyncpg.Connection, *, job_id: int, store_id: int) -> int:
    status = await conn.execute(Q["cancel_pending_items"], job_id)
    canceled = int(status.split()[-1])
    refund = int(await conn.fetchval(Q["cancel_job"], job_id, canceled))
    if refund:
        await credits.refund(conn, [(store_id, job_id, refund)], reason="refund_canceled")
    return refund


def _usage_columns(usages: Iterable[ItemUsage]) -> tuple[list[int], list[int], list[Decimal]]:
    listed = list(usages)
    return (
        [u.prompt_tokens for u in listed],
        [u.completion_tokens for u in listed],
        [u.cost_usd for u in listed],
    )


async def _add_job_usage(conn: asyncpg.Connection, rows: Sequence[asyncpg.Record]) -> None:
    """Count the tokens and dollars of settled items (rows of job_id, pt, ct, cost) into their jobs."""
    totals: dict[int, tuple[int, int, Decimal]] = {}
    for r in rows:
        if r["pt"] or r["ct"] or r["cost"]:
            pt, ct, cost = totals.get(r["job_id"], (0, 0, Decimal(0)))
            totals[r["job_id"]] = (pt + r["pt"], ct + r["ct"], cost + r["cost"])
    if not totals:
        return
    job_ids = sorted(totals)
    await conn.execute(Q["lock_jobs"], job_ids)
    await conn.execute(
        Q["add_job_usage"],
        job_ids,
        [totals[j][0] for j in job_ids],
        [totals[j][1] for j in job_ids],
        [totals[j][2] for j in job_ids],
    )


async def _count_into_jobs(
    conn: asyncpg.Connection, done_jobs: Iterable[int], failed_rows: Sequence[asyncpg.Record]
) -> None:
    done = Counter(done_jobs)
    failed = Counter(r["job_id"] for r in failed_rows)
    job_ids = sorted(set(done) | set(failed))
    if not job_ids:
        return
    await conn.execute(Q["lock_jobs"], job_ids)
    counted = await conn.fetch(
        Q["count_items_into_jobs"], job_ids, [done[j] for j in job_ids], [failed[j] for j in job_ids]
    )
    refunds = sorted((r["store_id"], r["job_id"], r["refund"]) for r in counted if r["refund"])
    await credits.refund(conn, refunds, reason="refund_failed")
