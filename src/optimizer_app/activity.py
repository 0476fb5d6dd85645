"""The store's audit trail: who did what, when, and the job or publish entry it was about. Every
action is recorded in the transaction that takes it, so the trail never claims what did not happen."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import asyncpg

from . import sql
from .domain.history import Actor

Q = sql.load("activity")


class Action(StrEnum):
    JOB_CREATED = "job_created"
    PUBLISHED = "published"
    REVERTED = "reverted"
    RESTORED = "restored"
    AUTOMATION_CHANGED = "automation_changed"  # the owner changed the rules, paused or resumed
    PRODUCT_CHANGED = "product_changed"  # a platform webhook reported a created or changed product
    PRODUCTS_QUEUED = "products_queued"  # automation made a job of products
    SWEEP = "sweep"  # the scheduled sweep ran
    CAP_REACHED = "cap_reached"  # automation stopped: the month's automation credits are spent


async def record(
    conn: asyncpg.Connection,
    store_id: int,
    actor: Actor,
    action: Action,
    *,
    job_id: int | None = None,
    publish_log_id: int | None = None,
    product_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> int:
    """Append one entry; call it inside the transaction of the action it records."""
    return int(
        await conn.fetchval(
            Q["record"],
            store_id,
            str(actor.kind),
            actor.user_id,
            str(action),
            job_id,
            publish_log_id,
            product_id,
            detail or {},
        )
    )
