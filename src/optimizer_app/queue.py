"""The queue: every SQL statement that moves jobs and job_items, and the credits they carry.

job_items is the queue. An item is claimed with FOR UPDATE SKIP LOCKED and a lease, processed
with no transaction open, and settled by a statement fenced on the lease. Job counters and
credit refunds move in the same transactions as the items they count.

Lock order, in every transaction that takes more than one: job_items → jobs (by id) → stores (by id).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from .domain.attributes import Attribute
from .domain.jobs import ItemReason
from .domain.plans import job_cost
from .domain.products import Product
from .errors import Conflict, InsufficientCredits, NotFound

CHANNEL = "job_items"

# -- charge_credits --
# Take n credits only if the store has them; no row means not enough credits.
_CHARGE = """
UPDATE stores SET credits_used = credits_used + $2
WHERE id = $1 AND uninstalled_at IS NULL AND credits_total - credits_used >= $2
RETURNING credits_total - credits_used AS remaining
"""

# -- remaining_credits --
_REMAINING = "SELECT greatest(credits_total - credits_used, 0) FROM stores WHERE id = $1"

# -- ledger_entry --
_LEDGER = "INSERT INTO credit_ledger (store_id, delta, reason, job_id) VALUES ($1, $2, $3, $4)"

# -- insert_job --
_INSERT_JOB = """
INSERT INTO jobs (store_id, source_scope, source_ids, attributes, target_lang, user_prompt,
                  credits_charged, items_total)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING id
"""

# -- claim --
# Lease up to $2 products to worker $1: every pending field of each, so one LLM call covers the
# product. A product is taken through its head (its lowest pending item); a product whose head
# another worker is claiming right now is skipped whole, so concurrent claims never split one.
# Heads are found first without locks, in one ordered pass over the pending index (linear
# whatever the statistics say), then locked by id: keeping joins out from under the
# FOR UPDATE means a row another worker just took is rechecked alone, not by re-running the join.
# Returns each item with the job's instructions; the product snapshot comes once, on the product's
# first item (as text: decoding the same JSON once per field was most of a claim's cost in Python).
_CLAIM = """
WITH candidates AS (
    SELECT id FROM (
        SELECT DISTINCT ON (seq, job_id) id, run_after FROM job_items
        WHERE status = 'PENDING'
        ORDER BY seq, job_id, id) heads
    WHERE run_after <= now()
    LIMIT $2 * 2
), picked AS (
    SELECT id, job_id, seq FROM job_items
    WHERE id = ANY(ARRAY(SELECT id FROM candidates)) AND status = 'PENDING'
    ORDER BY seq, job_id, id
    LIMIT $2
    FOR UPDATE SKIP LOCKED
), siblings AS (
    SELECT s.id FROM picked p
    CROSS JOIN LATERAL (
        SELECT id FROM job_items s
        WHERE s.job_id = p.job_id AND s.seq = p.seq AND s.status = 'PENDING' AND s.id <> p.id
        FOR UPDATE SKIP LOCKED) s
), claimed AS (
    UPDATE job_items ji
    SET status = 'RUNNING', lease_owner = $1, lease_until = now() + make_interval(secs => $3),
        attempts = ji.attempts + 1, updated_at = now()
    WHERE ji.id = ANY(ARRAY(SELECT id FROM picked UNION ALL SELECT id FROM siblings))
    RETURNING ji.id, ji.job_id, ji.store_id, ji.product_id, ji.attribute, ji.attempts
)
SELECT c.id, c.job_id, c.store_id, c.product_id, c.attribute, c.attempts,
       CASE WHEN c.id = min(c.id) OVER (PARTITION BY c.job_id, c.product_id) THEN
           (SELECT jp.snapshot::text FROM job_products jp WHERE jp.job_id = c.job_id AND jp.product_id = c.product_id)
       END AS snapshot,
       j.target_lang, j.user_prompt, st.settings::text AS settings
FROM claimed c
JOIN jobs j ON j.id = c.job_id
JOIN stores st ON st.id = c.store_id
"""

# -- analyze_queue --
# A large job changes job_items at once; fresh statistics keep the claim on its index from the
# first claim instead of after the next autoanalyze.
# Row counts and the share of PENDING rows are what the claim's plan needs: a sample of 3,000 rows
# (statistics target 10) gives them in a tenth of the default's time, inside the enqueue.
_ANALYZE_SAMPLE = "SET LOCAL default_statistics_target = 10"
_ANALYZE = "ANALYZE job_items"
_ANALYZE_AFTER_ITEMS = 2000

# -- mark_jobs_running --
_MARK_RUNNING = """
UPDATE jobs SET status = 'RUNNING', started_at = now()
WHERE id = ANY($1::bigint[]) AND status = 'PENDING'
"""

# -- save_results --
# Results ($2 ids, $3 values, $4 flags) for the items worker $1 still holds; items whose lease it
# lost are left alone.
_SAVE_RESULTS = """
UPDATE job_items ji
SET status = 'DONE', after_value = r.value, flags = r.flags::jsonb, error = NULL, reason = NULL,
    lease_owner = NULL, lease_until = NULL, updated_at = now()
FROM unnest($2::bigint[], $3::text[], $4::text[]) AS r(id, value, flags)
WHERE ji.id = r.id AND ji.status = 'RUNNING' AND ji.lease_owner = $1
RETURNING ji.job_id
"""


# -- fail_or_retry_items --
# Items worker $1 still holds that failed ($3 ids, $4 reason codes, $5 errors, $6 delays, $7
# permanent): back to PENDING after a delay, or FAILED when the failure is permanent or the item has
# used its attempts.
_FAIL_OR_RETRY = """
UPDATE job_items ji
SET status = CASE WHEN f.permanent OR ji.attempts >= $2 THEN 'FAILED' ELSE 'PENDING' END,
    run_after = now() + make_interval(secs => f.delay),
    reason = f.reason, error = f.error, lease_owner = NULL, lease_until = NULL, updated_at = now()
FROM unnest($3::bigint[], $4::text[], $5::text[], $6::float8[], $7::bool[]) AS f(id, reason, error, delay, permanent)
WHERE ji.id = f.id AND ji.status = 'RUNNING' AND ji.lease_owner = $1
RETURNING ji.job_id, ji.store_id, ji.status
"""

# -- release_items --
# Give items back unprocessed (worker shutting down): the attempt does not count.
_RELEASE = """
UPDATE job_items
SET status = 'PENDING', attempts = greatest(attempts - 1, 0), lease_owner = NULL,
    lease_until = NULL, run_after = now(), updated_at = now()
WHERE id = ANY($2::bigint[]) AND status = 'RUNNING' AND lease_owner = $1
"""

# -- recover_expired_leases --
# Items whose worker died or stalled: back to PENDING, or FAILED when out of attempts.
_RECOVER = """
UPDATE job_items
SET status = CASE WHEN attempts >= $1 THEN 'FAILED' ELSE 'PENDING' END,
    error = CASE WHEN attempts >= $1 THEN 'The worker processing this item stopped responding.'
                 ELSE error END,
    reason = CASE WHEN attempts >= $1 THEN $3::text ELSE reason END,
    lease_owner = NULL, lease_until = NULL, run_after = now(), updated_at = now()
WHERE id IN (
    SELECT id FROM job_items
    WHERE status = 'RUNNING' AND lease_until < now()
    ORDER BY lease_until
    LIMIT $2
    FOR UPDATE SKIP LOCKED)
RETURNING job_id, store_id, status
"""

# -- lock_jobs --
_LOCK_JOBS = "SELECT id FROM jobs WHERE id = ANY($1::bigint[]) ORDER BY id FOR NO KEY UPDATE"

# How a batch of c.done / c.failed items moves its job's counters and, once every item has
# finished, its status. The CASE mirrors domain.jobs.finished_status; a canceled job stays canceled.
_COUNT_SET = """
SET items_done = j.items_done + c.done,
    items_failed = j.items_failed + c.failed,
    credits_refunded = j.credits_refunded + c.failed,
    status = CASE
        WHEN j.status IN ('CANCELED') THEN j.status
        WHEN j.items_done + c.done + j.items_failed + c.failed + j.items_canceled < j.items_total
            THEN 'RUNNING'
        WHEN j.items_done + c.done = j.items_total THEN 'DONE'
        WHEN j.items_done + c.done > 0 THEN 'DONE_WITH_FAILURES'
        WHEN j.items_failed + c.failed > 0 THEN 'FAILED'
        ELSE 'CANCELED' END,
    finished_at = CASE
        WHEN j.items_done + c.done + j.items_failed + c.failed + j.items_canceled >= j.items_total
            THEN coalesce(j.finished_at, now())
        ELSE j.finished_at END
"""

# -- count_items_into_jobs --
# Add finished items to their jobs' counters (jobs already locked in id order by the caller).
_COUNT_INTO_JOBS = f"""
UPDATE jobs j
{_COUNT_SET}
FROM unnest($1::bigint[], $2::int[], $3::int[]) AS c(job_id, done, failed)
WHERE j.id = c.job_id
"""

# -- complete_and_count --
# The common case in one statement (so one round trip and no explicit transaction): save results
# for items worker $1 still holds, then count them into their jobs, locking the jobs in id order.
# Items whose lease the worker lost are left alone. Returns one row per job with its count.
_COMPLETE_AND_COUNT = f"""
WITH done AS (
{_SAVE_RESULTS}
), c AS (
    SELECT job_id, count(*)::int AS done, 0 AS failed FROM done GROUP BY job_id
), locked AS (
    SELECT id FROM jobs WHERE id IN (SELECT job_id FROM c) ORDER BY id FOR NO KEY UPDATE
)
UPDATE jobs j
{_COUNT_SET}
FROM c
WHERE j.id = c.job_id AND j.id IN (SELECT id FROM locked)
RETURNING c.done
"""  # nosec B608 # composed of this module's constant statements; values are $n parameters

# -- refund_credits --
# Gives back exactly $2 credits: from credits_used while there is any (a monthly reset may have
# zeroed it since the charge), the rest added to credits_total, so the ledger stays exact.
_REFUND = """
UPDATE stores SET credits_used = credits_used - least(credits_used, $2),
                  credits_total = credits_total + ($2 - least(credits_used, $2))
WHERE id = $1
"""

# -- cancel_pending_items --
_CANCEL_ITEMS = """
UPDATE job_items SET status = 'CANCELED', lease_owner = NULL, updated_at = now()
WHERE job_id = $1 AND status = 'PENDING'
"""

# -- cancel_job --
_CANCEL_JOB = """
UPDATE jobs
SET items_canceled = items_canceled + $2, credits_refunded = credits_refunded + $2,
    status = 'CANCELED', finished_at = CASE WHEN items_done + items_failed + items_canceled + $2 >= items_total
                                            THEN now() ELSE finished_at END
WHERE id = $1
"""

# -- job_for_store --
_JOB_FOR_STORE = "SELECT id, status FROM jobs WHERE id = $1 AND store_id = $2 FOR NO KEY UPDATE"

# -- open_jobs_of_store --
_OPEN_JOBS_OF_STORE = """
SELECT id FROM jobs WHERE store_id = $1 AND status IN ('PENDING', 'RUNNING') ORDER BY id
"""

# -- queue_depth --
_QUEUE_DEPTH = "SELECT status, count(*) FROM job_items WHERE status IN ('PENDING', 'RUNNING') GROUP BY status"


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


@dataclass(frozen=True)
class ItemResult:
    item_id: int
    value: str
    flags: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ItemFailure:
    item_id: int
    reason: ItemReason
    error: str
    delay_seconds: float
    permanent: bool = False


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
) -> EnqueuedJob:
    """Charge credits and create the job with all its items, in one transaction, then NOTIFY.

    Raises InsufficientCredits (and writes nothing) when the store cannot pay."""
    cost = job_cost(len(products), len(attributes))
    async with conn.transaction():
        remaining = await conn.fetchval(_CHARGE, store_id, cost)
        if remaining is None:
            have = await conn.fetchval(_REMAINING, store_id)
            raise InsufficientCredits(required=cost, remaining=int(have or 0))
        job_id = await conn.fetchval(
            _INSERT_JOB,
            store_id,
            source_scope,
            list(source_ids),
            [a.value for a in attributes],
            target_lang,
            user_prompt,
            cost,
            cost,
        )
        await conn.execute(_LEDGER, store_id, -cost, "job_charge", job_id)
        await conn.copy_records_to_table(
            "job_products",
            columns=["job_id", "product_id", "snapshot"],
            records=[(job_id, p.id, p.to_snapshot()) for p in products],
        )
        await conn.copy_records_to_table(
            "job_items",
            columns=["job_id", "store_id", "product_id", "seq", "attribute", "before_value"],
            records=[
                (job_id, store_id, p.id, seq, a.value, p.value(a)) for seq, p in enumerate(products) for a in attributes
            ],
        )
        if cost >= _ANALYZE_AFTER_ITEMS:
            # Inside the transaction: the statistics commit with the rows, so no worker woken by
            # the NOTIFY plans its first claim on a table it believes empty.
            await conn.execute(_ANALYZE_SAMPLE)
            await conn.execute(_ANALYZE)
        await conn.execute(f"NOTIFY {CHANNEL}")
    return EnqueuedJob(job_id=job_id, credits_charged=cost, remaining=int(remaining))


async def claim(conn: asyncpg.Connection, *, worker_id: str, limit: int, lease_seconds: float) -> list[ClaimedItem]:
    """Lease up to `limit` products, with all their pending items."""
    if limit <= 0:
        return []
    rows = await conn.fetch(_CLAIM, worker_id, limit, float(lease_seconds))
    if not rows:
        return []
    job_ids = sorted({r["job_id"] for r in rows})
    await conn.execute(_MARK_RUNNING, job_ids)
    products = {
        (r["job_id"], r["product_id"]): Product.from_snapshot(json.loads(r["snapshot"]))
        for r in rows
        if r["snapshot"] is not None
    }
    settings: dict[int, dict[str, Any]] = {}
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
            )
        )
    return items


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
    if not failures:
        rows = await conn.fetch(
            _COMPLETE_AND_COUNT, worker_id, [r.item_id for r in results], [r.value for r in results], flags
        )
        completed = sum(r["done"] for r in rows)
        return SettleOutcome(completed=completed, retried=0, failed=0, fenced_out=len(results) - completed)
    async with conn.transaction():
        done_jobs: list[int] = []
        if results:
            done_jobs = [
                r["job_id"]
                for r in await conn.fetch(
                    _SAVE_RESULTS, worker_id, [r.item_id for r in results], [r.value for r in results], flags
                )
            ]
        failed_rows: list[asyncpg.Record] = await conn.fetch(
            _FAIL_OR_RETRY,
            worker_id,
            max_attempts,
            [f.item_id for f in failures],
            [f.reason.value for f in failures],
            [f.error for f in failures],
            [float(f.delay_seconds) for f in failures],
            [f.permanent for f in failures],
        )
        final_failures = [r for r in failed_rows if r["status"] == "FAILED"]
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
    status = await conn.execute(_RELEASE, worker_id, list(item_ids))
    return int(status.split()[-1])


async def recover_expired_leases(conn: asyncpg.Connection, *, max_attempts: int, limit: int = 1000) -> int:
    """Return items of dead workers to the queue (or fail them when out of attempts)."""
    async with conn.transaction():
        rows = await conn.fetch(_RECOVER, max_attempts, limit, ItemReason.WORKER_LOST.value)
        await _count_into_jobs(conn, [], [r for r in rows if r["status"] == "FAILED"])
    return len(rows)


async def cancel_job(conn: asyncpg.Connection, *, job_id: int, store_id: int) -> int:
    """Cancel a job's pending items and refund them; returns the credits refunded.

    Items already running finish normally. Raises NotFound for another store's job."""
    async with conn.transaction():
        job = await conn.fetchrow(_JOB_FOR_STORE, job_id, store_id)
        if job is None:
            raise NotFound("No such job.")
        if job["status"] not in ("PENDING", "RUNNING"):
            raise Conflict(f"This job has already finished ({job['status'].lower()}).")
        return await _cancel_locked_job(conn, job_id=job_id, store_id=store_id)


async def cancel_store_jobs(conn: asyncpg.Connection, *, store_id: int) -> int:
    """Cancel and refund every open job of a store (uninstall); returns the credits refunded."""
    refunded = 0
    async with conn.transaction():
        job_ids = [r["id"] for r in await conn.fetch(_OPEN_JOBS_OF_STORE, store_id)]
        if job_ids:
            await conn.execute(_LOCK_JOBS, job_ids)
        for job_id in job_ids:
            refunded += await _cancel_locked_job(conn, job_id=job_id, store_id=store_id)
    return refunded


async def queue_depth(conn: asyncpg.Connection) -> dict[str, int]:
    counts = {"PENDING": 0, "RUNNING": 0}
    for r in await conn.fetch(_QUEUE_DEPTH):
        counts[r["status"]] = r["count"]
    return counts


async def _cancel_locked_job(conn: asyncpg.Connection, *, job_id: int, store_id: int) -> int:
    status = await conn.execute(_CANCEL_ITEMS, job_id)
    canceled = int(status.split()[-1])
    await conn.execute(_CANCEL_JOB, job_id, canceled)
    if canceled:
        await conn.execute(_REFUND, store_id, canceled)
        await conn.execute(_LEDGER, store_id, canceled, "refund_canceled", job_id)
    return canceled


async def _count_into_jobs(
    conn: asyncpg.Connection, done_jobs: Iterable[int], failed_rows: Sequence[asyncpg.Record]
) -> None:
    done = Counter(done_jobs)
    failed = Counter(r["job_id"] for r in failed_rows)
    job_ids = sorted(set(done) | set(failed))
    if not job_ids:
        return
    await conn.execute(_LOCK_JOBS, job_ids)
    await conn.execute(_COUNT_INTO_JOBS, job_ids, [done[j] for j in job_ids], [failed[j] for j in job_ids])
    refunds: dict[tuple[int, int], int] = defaultdict(int)
    for r in failed_rows:
        refunds[(r["store_id"], r["job_id"])] += 1
    for (store_id, job_id), n in sorted(refunds.items()):
        await conn.execute(_REFUND, store_id, n)
        await conn.execute(_LEDGER, store_id, n, "refund_failed", job_id)
