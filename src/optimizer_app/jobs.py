"""What the API shows of jobs and their items, always scoped to one store, and review edits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

from . import sql
from .domain.attributes import Attribute
from .domain.jobs import ItemStatus, JobStatus
from .errors import Conflict, InvalidRequest, NotFound

Q = sql.load("jobs")


def _iso(ts: datetime | None) -> str | None:
    return ts.isoformat() if ts else None


def usage_json(r: asyncpg.Record) -> dict[str, Any]:
    """Tokens the LLM calls spent (on every attempt, refused ones included) and their cost in US dollars."""
    return {
        "prompt_tokens": r["prompt_tokens"],
        "completion_tokens": r["completion_tokens"],
        "cost_usd": float(r["cost_usd"]),
    }


def job_json(r: asyncpg.Record) -> dict[str, Any]:
    return {
        "id": r["id"],
        "status": r["status"],
        "source_scope": r["source_scope"],
        "source_ids": list(r["source_ids"]),
        "attributes": list(r["attributes"]),
        "target_lang": r["target_lang"],
        "user_prompt": r["user_prompt"],
        "economy": r["economy"],
        "credits_charged": r["credits_charged"],
        "credits_refunded": r["credits_refunded"],
        "counts": {
            "total": r["items_total"],
            "done": r["items_done"],
            "failed": r["items_failed"],
            "canceled": r["items_canceled"],
            "pending": r["items_total"] - r["items_done"] - r["items_failed"] - r["items_canceled"],
        },
        "created_at": _iso(r["created_at"]),
        "started_at": _iso(r["started_at"]),
        "finished_at": _iso(r["finished_at"]),
        "usage": usage_json(r),
        "brand_voice": r["brand_voice"],  # {id, name} of the voice it was written in, or None
    }


def item_json(r: asyncpg.Record) -> dict[str, Any]:
    return {
        "id": r["id"],
        "product_id": r["product_id"],
        "product_title": r["product_title"],
        "attribute": r["attribute"],
        "status": r["status"],
        "attempts": r["attempts"],
        "before": r["before_value"],
        "after": r["after_value"],
        "flags": r["flags"],
        "reason": r["reason"],
        "error": r["error"],
        "review_state": r["review_state"],
        "published_at": _iso(r["published_at"]),
        "model": r["model"],
        "usage": usage_json(r),
    }


async def list_jobs(
    conn: asyncpg.Connection, *, store_id: int, status: str | None, before_id: int | None, limit: int
) -> list[dict[str, Any]]:
    if status is not None and status not in JobStatus.__members__:
        raise InvalidRequest(f"unknown status {status!r}", allowed=list(JobStatus.__members__))
    return [job_json(r) for r in await conn.fetch(Q["list_jobs"], store_id, status, before_id, limit)]


async def get_job(conn: asyncpg.Connection, *, store_id: int, job_id: int) -> dict[str, Any]:
    row = await conn.fetchrow(Q["get_job"], job_id, store_id)
    if row is None:
        raise NotFound("No such job.")
    return job_json(row)


async def list_items(
    conn: asyncpg.Connection, *, store_id: int, job_id: int, status: str | None, after_id: int, limit: int
) -> list[dict[str, Any]]:
    if status is not None and status not in ItemStatus.__members__:
        raise InvalidRequest(f"unknown status {status!r}", allowed=list(ItemStatus.__members__))
    if await conn.fetchrow(Q["get_job"], job_id, store_id) is None:
        raise NotFound("No such job.")
    return [item_json(r) for r in await conn.fetch(Q["list_items"], job_id, store_id, status, after_id, limit)]


async def item_for_edit(conn: asyncpg.Connection, *, store_id: int, item_id: int) -> tuple[Attribute, str]:
    """(attribute, value before) of an item that may still be edited; NotFound / Conflict otherwise."""
    state = await conn.fetchrow(Q["item_state"], item_id, store_id)
    if state is None:
        raise NotFound("No such item.")
    if state["status"] != "DONE" or state["published_at"] is not None:
        raise Conflict("Only improved items that are not published yet can be edited.")
    return Attribute(state["attribute"]), state["before_value"] or ""


async def edit_item(conn: asyncpg.Connection, *, store_id: int, item_id: int, value: str) -> None:
    """Replace an item's improved value (already checked) before it is published."""
    if await conn.fetchval(Q["edit_item"], item_id, store_id, value) is None:
        raise Conflict("Only improved items that are not published yet can be edited.")
