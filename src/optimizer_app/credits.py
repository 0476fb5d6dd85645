"""Credits: every change of a store's balance, each written to credit_ledger with it.

The statements (sql/credits.sql) are the only ones that touch stores.credits_total,
stores.credits_used or credit_ledger, so that for every store
sum(credit_ledger.delta) = credits_total - credits_used. Charges, refunds and grants move the
balance and write their ledger rows in one statement; the functions run inside the caller's
transaction where they take part in a larger one (a job's creation, its items' settlement).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import asyncpg

from . import sql
from .domain.plans import next_reset_on

Q = sql.load("credits")


async def charge(
    conn: asyncpg.Connection, *, store_id: int, credits: int, job_id: int, reason: str = "job_charge"
) -> int | None:
    """Take `credits` for a job (or a field of it written again: reason "regenerate") if the store
    has them; what remains, or None (nothing written)."""
    remaining = await conn.fetchval(Q["charge"], store_id, credits, job_id, reason)
    return None if remaining is None else int(remaining)


async def remaining(conn: asyncpg.Connection, store_id: int) -> int:
    return int(await conn.fetchval(Q["remaining"], store_id) or 0)


async def refund(conn: asyncpg.Connection, refunds: Sequence[tuple[int, int, int]], *, reason: str) -> None:
    """Give back credits, one ledger row per (store id, job id, credits)."""
    if refunds:
        store_ids, job_ids, credits = (list(column) for column in zip(*refunds, strict=True))
        await conn.execute(Q["refund"], store_ids, job_ids, credits, reason)


async def grant_first_month(conn: asyncpg.Connection, store_id: int) -> None:
    """A new store's plan credits for its first month (ledger: plan_grant)."""
    await conn.execute(Q["grant_first_month"], store_id)


async def grant_credits(conn: asyncpg.Connection, store_id: int, credits: int, *, reason: str) -> None:
    """Extra credits on top of the plan's (support gestures, load tests), written to the ledger."""
    await conn.execute(Q["grant"], store_id, credits, reason)


async def change_plan(conn: asyncpg.Connection, store_id: int, plan_id: str, *, cycle: str | None = None) -> int:
    """Move the store to `plan_id` now; returns the ledger delta written (may be negative)."""
    async with conn.transaction():
        before = await conn.fetchrow(Q["lock_balance"], store_id)
        total = await conn.fetchval(Q["change_plan"], store_id, plan_id, cycle)
        if total is None:
            raise ValueError(f"unknown plan {plan_id!r}")
        delta = int(total) - int(before["credits_total"])
        if delta:
            await conn.execute(Q["ledger_entry"], store_id, delta, f"plan_change:{plan_id}")
    return delta


async def plan_change_since(conn: asyncpg.Connection, store_id: int, plan_id: str, since: datetime) -> int | None:
    """The credits the store's moves to `plan_id` since `since` added (negative: took away); None
    when it has not moved to that plan since."""
    delta = await conn.fetchval(Q["plan_change_since"], store_id, plan_id, since)
    return None if delta is None else int(delta)


async def reset_due_credits(conn: asyncpg.Connection, *, today: date, limit: int = 500) -> int:
    """Monthly reset for every store whose reset date has come; each store once."""
    count = 0
    for row in await conn.fetch(Q["stores_due_for_reset"], today, limit):
        async with conn.transaction():
            before = await conn.fetchrow(Q["lock_balance"], row["id"])
            if before is None or before["credits_reset_on"] > today:
                continue
            new_reset = next_reset_on(before["credits_reset_on"], today)
            total = await conn.fetchval(Q["reset_credits"], row["id"], today, new_reset)
            if total is None:
                continue
            delta = int(total) - (before["credits_total"] - before["credits_used"])
            await conn.execute(Q["ledger_entry"], row["id"], delta, "monthly_reset")
            count += 1
    return count


async def ledger_balance(conn: asyncpg.Connection, store_id: int) -> tuple[int, int]:
    """(credits_total - credits_used, sum of the ledger): equal for a healthy store."""
    row = await conn.fetchrow(Q["ledger_balance"], store_id)
    return int(row["balance"]), int(row["ledger"])
