"""Automation: products a platform reports as created or changed become jobs on their own, in the
mode the owner chose. Webhook handlers only record the change (`note_product_changes`, inside the
webhook's own transaction); the worker's automation step decides and enqueues."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from . import sql

Q = sql.load("automation")

# A burst of saves in a platform's admin arrives as several webhooks within a second or two.
SETTLE_SECONDS = 2.0


async def note_product_changes(
    conn: asyncpg.Connection,
    store_id: int,
    product_ids: Sequence[str],
    *,
    created: bool,
    source: str,
    settle_seconds: float = SETTLE_SECONDS,
) -> None:
    """Record that the products were created (or changed) in the store, for the worker to take."""
    ids = [p for p in dict.fromkeys(product_ids) if p]
    if not ids:
        return
    await conn.execute(Q["note_change"], store_id, ids, created, source, settle_seconds)
    await conn.execute(Q["wake_automation"])
