"""Economy items through the LLM's Batch API: submitted in batches and polled by the workers'
maintenance step, then settled exactly as live answers are (outcomes.py, queue.settle).

No transaction is held across an HTTP call. A submission first leases its items to a new batch
row (owner `batch:<id>`) for a short while, then uploads the file and creates the batch, then
extends the lease over the batch's 24 h window. A worker that dies in between leaves the short
lease to expire, and lease recovery returns the items. Polls are handed out with SKIP LOCKED, one
worker per batch at a time; settling is fenced on the batch's lease like any result, so a batch
read twice is settled once. A batch that ended with requests unanswered (expired, failed,
cancelled, lines missing) retries those items in a later batch, and refunds them once they are
out of attempts, as a live call's failures do.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import asyncpg

from . import duplicates, outcomes, queue, sql
from .llm.base import BATCH_ENDED, BatchLLM, LLMError, LLMProvider, LLMTransientError
from .llm.pricing import DEFAULT_PRICES, Price

log = logging.getLogger(__name__)
Q = sql.load("batches")

MAX_BATCH_ITEMS = 20_000  # the Batch API takes up to 50,000 requests (one per product) a file
SUBMIT_LEASE_SECONDS = 600.0
# The batch's 24 h completion window and a day to collect its answers; past that, lease recovery
# returns the items to the queue.
BATCH_LEASE_SECONDS = 48 * 3600.0
POLLS_PER_STEP = 10


async def run_step(
    pool: asyncpg.Pool,
    provider: LLMProvider,
    *,
    max_attempts: int,
    retry_base_seconds: float,
    poll_seconds: float = 30.0,
    prices: Mapping[str, Price] = DEFAULT_PRICES,
) -> dict[str, int]:
    """Submit the economy items waiting, then poll the batches that are due."""
    if not isinstance(provider, BatchLLM):
        async with pool.acquire() as conn, conn.transaction():
            moved = int((await conn.execute(Q["batch_items_to_live_queue"])).split()[-1])
            if moved:
                await queue.wake_workers(conn)
        return {"to_live_queue": moved}
    submitted = await submit_pending(pool, provider, retry_base_seconds=retry_base_seconds, max_attempts=max_attempts)
    settled = await poll_due(
        pool,
        provider,
        max_attempts=max_attempts,
        retry_base_seconds=retry_base_seconds,
        poll_seconds=poll_seconds,
        default_model=provider.name,
        prices=prices,
    )
    return {"submitted": submitted, "settled": settled}


async def submit_pending(
    pool: asyncpg.Pool, provider: BatchLLM, *, retry_base_seconds: float, max_attempts: int
) -> int:
    """One batch of the pending economy items; returns how many items went into it."""
    async with pool.acquire() as conn, conn.transaction():
        batch_id = await conn.fetchval(Q["new_batch"])
        owner = _owner(batch_id)
        await conn.execute(Q["claim_for_batch"], owner, MAX_BATCH_ITEMS, SUBMIT_LEASE_SECONDS, batch_id)
        items = queue.claimed_items(await conn.fetch(Q["held_items"], owner))
        if not items:
            await conn.execute(Q["drop_batch"], batch_id)
            return 0
        await queue.mark_jobs_running(conn, (i.job_id for i in items))
    groups = _by_product(items)
    lines = [provider.batch_request(custom_id, outcomes.generation_request(g)) for custom_id, g in groups.items()]
    try:
        state = await provider.submit_batch(lines)
    except LLMError as exc:
        log.warning("submitting a batch of %d products failed: %s", len(lines), exc)
        async with pool.acquire() as conn:
            await _settle(conn, owner, outcomes.of_error(items, exc, retry_base_seconds), max_attempts)
            await conn.execute(Q["drop_batch"], batch_id)
        return 0
    async with pool.acquire() as conn:
        await conn.execute(
            Q["batch_submitted"], batch_id, state.id, state.status, len(items), owner, BATCH_LEASE_SECONDS
        )
    log.info("submitted batch %s (%s): %d products, %d items", batch_id, state.id, len(lines), len(items))
    return len(items)


async def poll_due(
    pool: asyncpg.Pool,
    provider: BatchLLM,
    *,
    max_attempts: int,
    retry_base_seconds: float,
    poll_seconds: float,
    default_model: str = "",
    prices: Mapping[str, Price] = DEFAULT_PRICES,
) -> int:
    """Poll the batches due; settle those that ended. Returns how many were settled."""
    async with pool.acquire() as conn:
        await conn.execute(Q["abandon_submissions"], SUBMIT_LEASE_SECONDS)
        due = await conn.fetch(Q["due_batches"], poll_seconds, POLLS_PER_STEP)
    settled = 0
    for row in due:
        try:
            state = await provider.batch_state(row["remote_id"])
        except LLMError as exc:
            log.warning("polling batch %s (%s) failed: %s", row["id"], row["remote_id"], exc)
            continue
        async with pool.acquire() as conn:
            await conn.execute(Q["batch_status"], row["id"], state.status, state.output_file_id, state.error_file_id)
        if state.status not in BATCH_ENDED:
            continue
        try:
            lines: list[dict[str, Any]] = []
            for file_id in (state.output_file_id, state.error_file_id):
                if file_id:
                    lines.extend(await provider.batch_lines(file_id))
        except LLMError as exc:
            log.warning("reading batch %s (%s) failed, will retry: %s", row["id"], state.id, exc)
            continue
        await _settle_batch(
            pool, provider, row["id"], state.status, lines, max_attempts, retry_base_seconds, default_model, prices
        )
        settled += 1
    return settled


async def _settle_batch(
    pool: asyncpg.Pool,
    provider: BatchLLM,
    batch_id: int,
    status: str,
    lines: list[dict[str, Any]],
    max_attempts: int,
    retry_base_seconds: float,
    default_model: str,
    prices: Mapping[str, Price],
) -> None:
    owner = _owner(batch_id)
    async with pool.acquire() as conn:
        items = queue.claimed_items(await conn.fetch(Q["held_items"], owner))
    by_id = {line["custom_id"]: line for line in lines}
    settled: outcomes.Outcomes = ([], [])
    for custom_id, group in _by_product(items).items():
        line = by_id.get(custom_id)
        try:
            if line is None:
                raise LLMTransientError(f"the batch ended ({status}) without answering this product")
            generation = await provider.read_batch_line(outcomes.generation_request(group), line)
            generation = await duplicates.refuse_near_copies(pool, group[0].store_id, group[0].product_id, generation)
        except Exception as exc:  # each kind of error settles as a live call's would
            part = outcomes.of_error(group, exc, retry_base_seconds)
        else:
            part = outcomes.of_generation(
                group, generation, retry_base_seconds, default_model=default_model, prices=prices
            )
        settled[0].extend(part[0])
        settled[1].extend(part[1])
    async with pool.acquire() as conn:
        outcome = await _settle(conn, owner, settled, max_attempts)
        await conn.execute(Q["batch_settled"], batch_id)
    log.info(
        "batch %s %s: %d done, %d to retry, %d failed",
        batch_id, status, outcome.completed, outcome.retried, outcome.failed,
    )  # fmt: skip


async def _settle(
    conn: asyncpg.Connection, owner: str, settled: outcomes.Outcomes, max_attempts: int
) -> queue.SettleOutcome:
    results, failures = settled
    return await queue.settle(conn, worker_id=owner, results=results, failures=failures, max_attempts=max_attempts)


def _by_product(items: list[queue.ClaimedItem]) -> dict[str, list[queue.ClaimedItem]]:
    """Items by the custom_id of their product's request: `item-<its first item's id>`."""
    return {f"item-{min(i.id for i in g)}": g for g in outcomes.by_product(items)}


def _owner(batch_id: int) -> str:
    return f"batch:{batch_id}"
