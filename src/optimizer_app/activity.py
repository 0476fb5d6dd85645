"""The store's audit trail: who did what, when, and the job or publish entry it was about. Every
action is recorded in the transaction that takes it, so the trail never claims what did not happen.
Reads are never recorded."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

import asyncpg

from . import sql
from .domain.history import Actor, ActorKind, actor_json

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


# Entries whose publish log row the owner can revert while it is live.
REVERTIBLE_ACTIONS = frozenset({Action.PUBLISHED, Action.RESTORED})


@dataclass(frozen=True)
class Entry:
    """What one entry of a batch (`record_many`) is about."""

    job_id: int | None = None
    publish_log_id: int | None = None
    product_id: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


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
    """Append one entry; call it inside the transaction of the action it records (on a connection
    of db's, whose jsonb codec writes `detail` as the object it is)."""
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


async def record_many(
    conn: asyncpg.Connection, store_id: int, actor: Actor, action: Action, entries: Sequence[Entry]
) -> None:
    """Append one entry per element of `entries`, in their order, in one statement (a job of
    thousands of fields is one round trip); call it inside the transaction of the action. The
    details go as JSON text, cast in the statement: an array parameter takes no codec of ours."""
    if not entries:
        return
    await conn.execute(
        Q["record_many"],
        store_id,
        str(actor.kind),
        actor.user_id,
        str(action),
        [e.job_id for e in entries],
        [e.publish_log_id for e in entries],
        [e.product_id for e in entries],
        [json.dumps(e.detail) for e in entries],
    )


async def list_entries(
    conn: asyncpg.Connection,
    *,
    store_id: int,
    actor: ActorKind | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """Store `store_id`'s trail, newest first: every entry, or only `actor`'s, older than
    `before_id` when given."""
    rows = await conn.fetch(Q["list"], store_id, actor.value if actor else None, before_id, limit)
    return [_entry_json(r) for r in rows]


def _entry_json(r: asyncpg.Record) -> dict[str, Any]:
    def iso(ts: datetime | None) -> str | None:
        return ts.isoformat() if ts else None

    has_log = r["log_id"] is not None
    return {
        "id": r["id"],
        "at": iso(r["at"]),
        "actor": actor_json(r["actor_kind"], r["actor_user"]),
        "action": r["action"],
        "job_id": r["job_id"],
        "job_number": r["job_number"],
        "publish_log_id": r["publish_log_id"],
        "product_id": r["product_id"],
        "detail": r["detail"],
        "revertible": r["action"] in REVERTIBLE_ACTIONS and has_log and r["log_reverted_at"] is None,
        # What the publish log entry wrote, for the owner to read before reverting it.
        "change": {
            "product_title": r["product_title"],
            "attribute": r["attribute"],
            "old_value": r["old_value"],
            "new_value": r["new_value"],
            "reverted_at": iso(r["log_reverted_at"]),
        }
        if has_log
        else None,
        # A job of automation's with something of it still in the store: revertible as a whole.
        "job_revertible": bool(r["job_live"]),
    }
