"""Retention: finished work leaves the queue's tables, the owner's history stays.

The items of a job that finished more than RETENTION_DAYS ago are deleted, a batch of
`batch` rows per transaction and at most `max_items` per pass, then the job is marked
(`items_expired_at`) and its product snapshots go. Its row with every counter and cost, its publish
log (which names the job itself) and its activity are kept. Each worker's maintenance step runs a
pass; a session advisory lock lets one run at a time and the others skip. A pass that removed rows
ends with a VACUUM, so freed space is reused at once even where autovacuum is slow or off — how
this was chosen over dropping time partitions is measured in docs/performance.md (Retention).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

import asyncpg

from . import sql

Q = sql.load("retention")
log = logging.getLogger(__name__)

# pg_advisory_lock key of the retention pass (any fixed bigint no other lock uses).
LOCK_KEY = 0x5245_5445_4E54  # "RETENT"
BATCH = 5_000
MAX_ITEMS_PER_PASS = 50_000
JOBS_PER_PASS = 200


@dataclass(frozen=True)
class RetentionPass:
    ran: bool  # false: another worker was running one
    items_removed: int = 0
    jobs_expired: int = 0


async def expire_finished_items(
    pool: asyncpg.Pool,
    *,
    period: timedelta,
    batch: int = BATCH,
    max_items: int = MAX_ITEMS_PER_PASS,
) -> RetentionPass:
    """One bounded pass; safe to call from every worker at once."""
    async with pool.acquire() as conn:
        if not await conn.fetchval(Q["try_lock"], LOCK_KEY):
            return RetentionPass(ran=False)
        try:
            removed, expired = await _pass(conn, period=period, batch=batch, max_items=max_items)
            if removed:
                await conn.execute(Q["vacuum_queue"])
        finally:
            await conn.fetchval(Q["unlock"], LOCK_KEY)
    if removed or expired:
        log.info("retention: removed %d items, %d jobs' items now expired", removed, expired)
    return RetentionPass(ran=True, items_removed=removed, jobs_expired=expired)


async def _pass(conn: asyncpg.Connection, *, period: timedelta, batch: int, max_items: int) -> tuple[int, int]:
    job_ids = [r["id"] for r in await conn.fetch(Q["expired_jobs"], period, JOBS_PER_PASS)]
    removed = 0
    while job_ids and removed < max_items:
        n = await conn.fetchval(Q["delete_expired_items"], job_ids, period, min(batch, max_items - removed))
        removed += n
        if n == 0:
            break
    expired = await conn.fetch(Q["mark_items_expired"], job_ids, period) if job_ids else []
    return removed, len(expired)
