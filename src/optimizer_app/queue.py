"""The queue: moving jobs and job_items (statements in sql/queue.sql), and the credits they carry.

job_items is the queue. An item is claimed with FOR UPDATE SKIP LOCKED and a lease, processed
with no transaction open, and settled by a statement fenced on the lease. Job counters and
credit refunds move in the same transactions as the items they count. A finished item the owner
asks to be written again goes back into the queue with a credit of its own (`regenerate`).

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

from . import activity, credits, db, sql
from .domain.attributes import Attribute
from .domain.brand_voices import BrandVoice
from .domain.empty_fields import FieldsToWrite, fields_to_write
from .domain.glossary import DEFAULT_GLOSSARY, Glossary
from .domain.history import Actor, ActorKind
from .domain.jobs import MAX_REGENERATIONS, ItemReason, ReviewState
from .domain.plans import items_cost, job_cost
from .domain.products import TEXT_FIELDS, Product
from .errors import Conflict, InsufficientCredits, InvalidRequest, NotFound
from .llm.facts import FactFlag

CHANNEL = "job_items"
_ATTRIBUTES = {a.value: a for a in Attribute}  # a claim names thousands of attributes: no Enum call each
Q = sql.load("queue")

# Jobs of at least this many items refresh job_items' statistics as they are enqueued.
_ANALYZE_AFTER_ITEMS = 2000


@dataclass(frozen=True)
class EnqueuedJob:
    job_id: int
    credits_charged: int
    remaining: int
    number: int
    skipped_fields: int = 0


@dataclass(frozen=True)
class CachedProducts:
    """A job's products by id, in job order, as the products cache holds them (catalog.cache_products
    put them there): enqueue_job copies their snapshots inside PostgreSQL, none decoded in Python.
    For jobs whose fields need nothing but the snapshot: every asked field written (no `only_empty`)
    and text fields only (image alt text needs images read apart from the cache)."""

    ids: Sequence[str]

    def __len__(self) -> int:
        return len(self.ids)

    @staticmethod
    def serve(attributes: Sequence[Attribute], *, only_empty: bool) -> bool:
        """Whether a job of these fields can be made from the cache's snapshots alone."""
        return not only_empty and Attribute.IMAGE_ALT not in attributes


_ItemRow = tuple[int, int, str, int, str, str | None, bool]


# ClaimedItem and ItemResult are built once per item in the worker's hot path, where a frozen
# dataclass's __init__ (object.__setattr__ per field) cost four times a plain one: read-only by
# convention, not frozen.
@dataclass(slots=True)
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
    # A field the owner asked to be written again: their note, and the suggestion it replaces.
    regenerated: bool = False
    note: str | None = None
    previous: str | None = None
    seq: int = 0  # the product's place in its job: claims go by (seq, job_id)


@dataclass(frozen=True)
class ItemUsage:
    """An item's share of what one LLM call spent."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: Decimal = Decimal(0)


NO_USAGE = ItemUsage()


@dataclass(slots=True)
class ItemResult:
    """An answer to save. `no_change`: the model found nothing to improve; the item keeps the value
    it had before (`value` is that value) and its credit is refunded."""

    item_id: int
    value: str
    flags: list[FactFlag] = field(default_factory=list)
    model: str | None = None
    usage: ItemUsage = NO_USAGE
    no_change: bool = False
    # {score, reasons} (domain/quality.py); None when the value needs no change.
    quality: dict[str, Any] | None = None


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
    products: Sequence[Product] | CachedProducts,
    economy: bool = False,
    query: dict[str, Any] | None = None,
    collection_names: Sequence[str] = (),
    only_empty: bool = False,
    brand_voice: BrandVoice | None = None,
    actor: Actor,
) -> EnqueuedJob:
    """Charge credits and create the job with all its items, in one transaction, then NOTIFY;
    `actor` (the owner, or automation) is who asked for it, as the store's audit trail records.

    An economy job costs less and its items wait for the LLM's Batch API (batches.py) instead of
    the live claim. `query` is the filter a "query" job was made from, `collection_names` the names
    of the collections it covers (its title says them). With `only_empty` the fields that already
    have a value in `products` are skipped: never enqueued, never charged. `products` given as
    CachedProducts are copied from the products cache (InvalidRequest when one has left it meanwhile).
    Raises InsufficientCredits (and writes nothing) when the store cannot pay, InvalidRequest when
    every field is skipped. The job's `origin` is "automation" when automation asked for it, else "owner"."""
    if isinstance(products, CachedProducts):
        if not CachedProducts.serve(attributes, only_empty=only_empty):
            raise ValueError("only every text field of cached products can be enqueued without decoding them")
        plan = FieldsToWrite([], skipped=0)
        items_total, products_total = len(products) * len(attributes), len(products)
    else:
        plan = fields_to_write(products, attributes, only_empty=only_empty)
        items_total, products_total = plan.fields, len(plan.products)
    if items_total == 0:
        raise InvalidRequest(
            "Every selected field already has a value; there is nothing to write.",
            reason="nothing_to_write",
            skipped_fields=plan.skipped,
        )
    cost = items_cost(items_total, economy=economy)
    async with conn.transaction():
        job = await conn.fetchrow(
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
            query,
            list(collection_names),
            only_empty,
            plan.skipped,
            brand_voice.to_snapshot() if brand_voice else None,
            "automation" if actor.kind == ActorKind.AUTOMATION else "owner",
        )
        if job is None:
            raise NotFound("No such store.")
        job_id = job["id"]
        remaining = await credits.charge(conn, store_id=store_id, credits=cost, job_id=job_id)
        if remaining is None:
            raise InsufficientCredits(required=cost, remaining=await credits.remaining(conn, store_id))
        if isinstance(products, CachedProducts):
            item_rows = await _copy_cached_products(
                conn, job_id=job_id, store_id=store_id, ids=products.ids, attributes=attributes, economy=economy
            )
        else:
            await conn.copy_records_to_table(
                "job_products",
                columns=["job_id", "product_id", "snapshot"],
                records=[(job_id, p.id, p.to_snapshot()) for p, _ in plan.products],
            )
            item_rows = [
                (job_id, store_id, p.id, seq, a.value, p.value(a), economy)
                for seq, (p, written) in enumerate(plan.products)
                for a in written
            ]
        await conn.copy_records_to_table(
            "job_items",
            columns=["job_id", "store_id", "product_id", "seq", "attribute", "before_value", "via_batch"],
            records=item_rows,
        )
        await activity.record(
            conn,
            store_id,
            actor,
            activity.Action.JOB_CREATED,
            job_id=job_id,
            detail={"products": products_total, "fields": items_total},
        )
        if items_total >= _ANALYZE_AFTER_ITEMS:
            # Inside the transaction: the statistics commit with the rows, so no worker woken by
            # the NOTIFY plans its first claim on a table it believes empty.
            await conn.execute(Q["analyze_sample"])
            await conn.execute(Q["analyze_queue"])
        await conn.execute(Q["wake_workers"], CHANNEL)
    return EnqueuedJob(
        job_id=job_id, credits_charged=cost, remaining=int(remaining), number=job["number"], skipped_fields=plan.skipped
    )


async def _copy_cached_products(
    conn: asyncpg.Connection,
    *,
    job_id: int,
    store_id: int,
    ids: Sequence[str],
    attributes: Sequence[Attribute],
    economy: bool,
) -> list[_ItemRow]:
    """Copy the job's products from the cache into job_products; its item rows, in job order, with
    the values the fields hold there."""
    rows = await conn.fetch(
        Q["copy_cached_products"], job_id, store_id, list(ids), [TEXT_FIELDS[a] for a in attributes]
    )
    if len(rows) != len(ids):
        raise InvalidRequest("Some of these products were just removed from the store; look at the selection again.")
    values = {r["product_id"]: r["values"] for r in rows}
    names = [a.value for a in attributes]
    return [
        (job_id, store_id, product_id, seq, name, before, economy)
        for seq, product_id in enumerate(ids)
        for name, before in zip(names, values[product_id], strict=True)
    ]


# Before every (seq, job_id): a field written again waits at seq -1, ahead of every job's next product.
QUEUE_START = (-(2**31), 0)


async def claim(
    conn: asyncpg.Connection,
    *,
    worker_id: str,
    limit: int,
    lease_seconds: float,
    after: tuple[int, int] = QUEUE_START,
) -> list[ClaimedItem]:
    """Lease up to `limit` products, with all their pending items; `after`: the (seq, job_id) to
    look from (the worker's `_next_claim_from`), the start of the queue by default."""
    if limit <= 0:
        return []
    rows = await conn.fetch(Q["claim"], worker_id, limit, float(lease_seconds), *after)
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
        (r["job_id"], r["product_id"]): Product.from_snapshot(db.loads(r["snapshot"]))
        for r in rows
        if r["snapshot"] is not None
    }
    settings: dict[int, dict[str, Any]] = {}
    voices = {r["job_id"]: BrandVoice.from_snapshot(db.loads(r["brand_voice"])) for r in rows if r["brand_voice"]}
    glossaries = {r["store_id"]: _glossary(r["glossary"]) for r in rows if r["glossary"]}
    items = []
    for r in rows:
        key = (r["job_id"], r["product_id"])
        if r["store_id"] not in settings:
            settings[r["store_id"]] = db.loads(r["settings"]) if r["settings"] else {}
        items.append(
            ClaimedItem(
                id=r["id"],
                job_id=r["job_id"],
                store_id=r["store_id"],
                product_id=r["product_id"],
                attribute=_ATTRIBUTES[r["attribute"]],
                attempts=r["attempts"],
                product=products[key],
                target_lang=r["target_lang"],
                user_prompt=r["user_prompt"],
                store_settings=settings[r["store_id"]],
                brand_voice=voices.get(r["job_id"]),
                glossary=glossaries.get(r["store_id"], DEFAULT_GLOSSARY),
                regenerated=r["regenerations"] > 0,
                note=r["note"],
                previous=r["previous"],
                seq=r["seq"],
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

    Items whose lease the worker lost are skipped (counted in fenced_out). Results that improve
    their fields, the common case, take one statement; failures and answers that needed no change
    move credits too."""
    flags = [db.dumps(r.flags).decode() if r.flags else "[]" for r in results]
    qualities = [db.dumps(r.quality).decode() if r.quality is not None else None for r in results]
    saved = (
        worker_id,
        [r.item_id for r in results],
        [r.value for r in results],
        flags,
        [r.model for r in results],
        *_usage_columns(r.usage for r in results),
    )
    if not failures and not any(r.no_change for r in results):
        rows = await conn.fetch(Q["complete_and_count"], *saved, qualities)
        completed = sum(r["done"] for r in rows)
        return SettleOutcome(completed=completed, retried=0, failed=0, fenced_out=len(results) - completed)
    async with conn.transaction():
        saved_rows: list[asyncpg.Record] = (
            await conn.fetch(Q["save_results"], *saved, [r.no_change for r in results], qualities) if results else []
        )
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
        await _count_into_jobs(conn, saved_rows, final_failures)
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


async def regenerate(conn: asyncpg.Connection, *, store_id: int, item_id: int, note: str | None) -> int:
    """Put a finished item back in the queue to be written again, with the owner's note, charged
    like one field of a new job, in one transaction; returns the credits remaining.

    NotFound for another store's item; Conflict (with a `reason` code) for an item still being
    written, a published one, one that was never written or one at its regeneration limit;
    InsufficientCredits (nothing written) when the store cannot pay."""
    cost = job_cost(1, 1)
    async with conn.transaction():
        item = await conn.fetchrow(Q["lock_item_for_regeneration"], item_id, store_id)
        if item is None:
            raise NotFound("No such item.")
        if item["published_at"] is not None:
            raise Conflict("This field is published; revert it before asking for a new suggestion.", reason="published")
        if item["status"] in ("PENDING", "RUNNING"):
            raise Conflict("A suggestion for this field is still being written.", reason="running")
        if item["status"] not in ("DONE", "FAILED"):
            raise Conflict("This field was canceled before it was written.", reason="canceled")
        if item["regenerations"] >= MAX_REGENERATIONS:
            raise Conflict(
                f"This field has been written again {MAX_REGENERATIONS} times; edit it yourself instead.",
                reason="regeneration_limit",
                limit=MAX_REGENERATIONS,
            )
        done = int(item["status"] == "DONE")
        no_change = int(item["review_state"] == ReviewState.NO_CHANGE)
        await conn.execute(Q["requeue_item"], item_id, note)
        await conn.execute(Q["reopen_job"], item["job_id"], done, no_change, 1 - done, cost)
        remaining = await credits.charge(
            conn, store_id=store_id, credits=cost, job_id=item["job_id"], reason="regenerate"
        )
        if remaining is None:
            raise InsufficientCredits(required=cost, remaining=await credits.remaining(conn, store_id))
        await conn.execute(Q["wake_workers"], CHANNEL)
    return remaining


async def _cancel_locked_job(conn: asyncpg.Connection, *, job_id: int, store_id: int) -> int:
    canceled = await conn.fetchrow(Q["cancel_pending_items"], job_id)
    refund = int(await conn.fetchval(Q["cancel_job"], job_id, canceled["first"], canceled["reruns"]))
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
    conn: asyncpg.Connection, saved_rows: Sequence[asyncpg.Record], failed_rows: Sequence[asyncpg.Record]
) -> None:
    """Count saved items (rows of job_id, no_change, rerun) and finally failed ones (rows of job_id,
    rerun) into their jobs, and refund what they give back: by the job's share for a first run,
    the credit a regeneration was charged for a rerun."""
    done = Counter(r["job_id"] for r in saved_rows)
    no_change = Counter(r["job_id"] for r in saved_rows if r["no_change"])
    failed = Counter(r["job_id"] for r in failed_rows)
    released_failed = Counter(r["job_id"] for r in failed_rows if not r["rerun"])
    released_no_change = Counter(r["job_id"] for r in saved_rows if r["no_change"] and not r["rerun"])
    job_ids = sorted(set(done) | set(failed))
    if not job_ids:
        return
    await conn.execute(Q["lock_jobs"], job_ids)
    counted = await conn.fetch(
        Q["count_items_into_jobs"],
        job_ids,
        [done[j] for j in job_ids],
        [failed[j] for j in job_ids],
        [no_change[j] for j in job_ids],
        [released_failed[j] for j in job_ids],
        [released_no_change[j] for j in job_ids],
        [failed[j] - released_failed[j] for j in job_ids],
        [no_change[j] - released_no_change[j] for j in job_ids],
    )
    for column, reason in (("refund_failed", "refund_failed"), ("refund_no_change", "no_change")):
        refunds = sorted((r["store_id"], r["job_id"], r[column]) for r in counted if r[column])
        await credits.refund(conn, refunds, reason=reason)
