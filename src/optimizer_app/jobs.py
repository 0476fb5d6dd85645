"""What the API shows of jobs and their items, always scoped to one store, and the owner's review:
edits and decisions (accept, reject, take back)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from . import glossaries, sql
from .domain.attributes import Attribute
from .domain.jobs import ITEM_FILTERS, ItemStatus, JobStatus, ReviewState, eta_seconds
from .errors import Conflict, InvalidRequest, NotFound
from .llm.checks import check_value
from .llm.scoring import score_value

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


def job_json(r: asyncpg.Record, review: Mapping[str, int], fallback_rate: float | None) -> dict[str, Any]:
    """A job as the API shows it. `review`: its items counted by review state (review_counts);
    `fallback_rate`: the workers' recent items a second, for an ETA before its own items finish."""
    finished = r["items_done"] + r["items_failed"]
    pending = r["items_total"] - finished - r["items_canceled"]
    started: datetime | None = r["started_at"]
    return {
        "id": r["id"],
        "number": r["number"],
        "status": r["status"],
        "source_scope": r["source_scope"],
        "source_ids": list(r["source_ids"]),
        "query": r["query"],
        "attributes": list(r["attributes"]),
        "target_lang": r["target_lang"],
        "user_prompt": r["user_prompt"],
        "economy": r["economy"],
        "only_empty": r["only_empty"],
        "fields_skipped": r["fields_skipped"],
        "credits_charged": r["credits_charged"],
        "credits_refunded": r["credits_refunded"],
        "summary": {
            # Every product field is an item or, in an only-empty job, skipped.
            "products": (r["items_total"] + r["fields_skipped"]) // max(1, len(r["attributes"])),
            "collections": list(r["collection_names"]),
            "query": r["query"],
            "attributes": list(r["attributes"]),
        },
        "counts": {
            "total": r["items_total"],
            "done": r["items_done"],
            "failed": r["items_failed"],
            "canceled": r["items_canceled"],
            "pending": pending,
            "no_change": review.get("NO_CHANGE", 0),
            "rejected": review.get("REJECTED", 0),
            "published": review.get("PUBLISHED", 0),
        },
        "eta_seconds": eta_seconds(
            r["status"],
            remaining=pending,
            finished=finished,
            running_seconds=(r["now"] - started).total_seconds() if started else None,
            fallback_rate=None if r["economy"] else fallback_rate,
        ),
        "created_at": _iso(r["created_at"]),
        "started_at": _iso(started),
        "finished_at": _iso(r["finished_at"]),
        "usage": usage_json(r),
        "brand_voice": r["brand_voice"],  # {id, name} of the voice it was written in, or None
        "origin": r["origin"],  # who made it: "owner" or "automation"
    }


async def _jobs_json(conn: asyncpg.Connection, rows: Sequence[asyncpg.Record]) -> list[dict[str, Any]]:
    """Jobs as the API shows them, with their review counts and, when one of them has no rate of
    its own yet, the workers' recent rate."""
    review: dict[int, dict[str, int]] = defaultdict(dict)
    if rows:
        for c in await conn.fetch(Q["review_counts"], [r["id"] for r in rows]):
            review[c["job_id"]][c["review_state"]] = c["n"]
    needs_rate = any(
        r["status"] in (JobStatus.PENDING, JobStatus.RUNNING) and r["items_done"] + r["items_failed"] == 0 for r in rows
    )
    rate = await conn.fetchval(Q["recent_finishing_rate"]) if needs_rate else None
    return [job_json(r, review[r["id"]], rate) for r in rows]


def flag_messages(flags: Sequence[Any]) -> list[str]:
    """The sentences of an item's flags: the fact gate's objects (llm/facts.py) say theirs in
    `message`; rows saved before it hold the sentence itself."""
    said = (f.get("message", "") if isinstance(f, dict) else str(f) for f in flags)
    return list(dict.fromkeys(m for m in said if m))


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
        "flags": flag_messages(r["flags"]),
        "fact_flags": [f for f in r["flags"] if isinstance(f, dict)],
        "quality": r["quality"],
        "reason": r["reason"],
        "error": r["error"],
        "review_state": r["review_state"],
        "published_at": _iso(r["published_at"]),
        "model": r["model"],
        "usage": usage_json(r),
        "product_url": r["product_url"],
        "product_image_url": r["product_image_url"],
        # Image alt text: the product's images as the job read them, in order, for the before and
        # after of each (`before` and `after` are JSON lists of {image_id, alt}); null otherwise.
        "images": [{"image_id": i["id"], "url": i.get("url")} for i in r["product_images"]]
        if isinstance(r["product_images"], list)
        else None,
        "note": r["note"],
        "regenerations": r["regenerations"],
    }


async def list_jobs(
    conn: asyncpg.Connection, *, store_id: int, status: str | None, before_id: int | None, limit: int
) -> list[dict[str, Any]]:
    if status is not None and status not in JobStatus.__members__:
        raise InvalidRequest(f"unknown status {status!r}", allowed=list(JobStatus.__members__))
    return await _jobs_json(conn, await conn.fetch(Q["list_jobs"], store_id, status, before_id, limit))


async def get_job(conn: asyncpg.Connection, *, store_id: int, job_id: int) -> dict[str, Any]:
    row = await conn.fetchrow(Q["get_job"], job_id, store_id)
    if row is None:
        raise NotFound("No such job.")
    return (await _jobs_json(conn, [row]))[0]


async def list_items(
    conn: asyncpg.Connection,
    *,
    store_id: int,
    job_id: int,
    status: str | None,
    after_id: int,
    limit: int,
    states: Sequence[str] = (),
    attributes: Sequence[str] = (),
    min_score: int | None = None,
    max_score: int | None = None,
) -> list[dict[str, Any]]:
    """A page of a job's items; `states` (review filters, ITEM_FILTERS) and `attributes` each keep
    the items matching any of theirs, empty meaning all; `min_score` / `max_score` keep the items
    whose quality score is within them (items without a score are left out then)."""
    if status is not None and status not in ItemStatus.__members__:
        raise InvalidRequest(f"unknown status {status!r}", allowed=list(ItemStatus.__members__))
    unknown = [s for s in states if s not in ITEM_FILTERS]
    if unknown:
        raise InvalidRequest(f"unknown state {unknown[0]!r}", allowed=list(ITEM_FILTERS))
    unknown = [a for a in attributes if a not in Attribute.__members__.values()]
    if unknown:
        raise InvalidRequest(f"unknown attribute {unknown[0]!r}", allowed=[a.value for a in Attribute])
    if await conn.fetchrow(Q["get_job"], job_id, store_id) is None:
        raise NotFound("No such job.")
    rows = await conn.fetch(
        Q["list_items"],
        job_id,
        store_id,
        status,
        after_id,
        limit,
        list(states) or None,
        list(attributes) or None,
        min_score,
        max_score,
    )
    return [item_json(r) for r in rows]


async def get_item(conn: asyncpg.Connection, *, store_id: int, item_id: int) -> dict[str, Any]:
    row = await conn.fetchrow(Q["get_item"], item_id, store_id)
    if row is None:
        raise NotFound("No such item.")
    return item_json(row)


# A review decision as the API names it, and the review state it leaves (None: taken back).
DECISIONS: dict[str, ReviewState | None] = {
    "accept": ReviewState.ACCEPTED,
    "reject": ReviewState.REJECTED,
    "reset": None,
}


async def review_item(conn: asyncpg.Connection, *, store_id: int, item_id: int, decision: str) -> dict[str, Any]:
    """Accept or reject an improved item before it is published, or take the decision back;
    returns the item. NotFound / Conflict when the item is not there or not in a state to review."""
    if decision not in DECISIONS:
        raise InvalidRequest("decision must be one of: accept, reject, reset.", allowed=list(DECISIONS))
    async with conn.transaction():
        state = await conn.fetchrow(Q["item_state"], item_id, store_id)
        if state is None:
            raise NotFound("No such item.")
        if state["published_at"] is not None:
            raise Conflict("This field is already published; revert it instead.", reason="published")
        if state["status"] != "DONE":
            raise Conflict("This field has no suggestion to review yet.", reason="not_ready")
        if state["review_state"] == ReviewState.NO_CHANGE:
            raise Conflict("The current text needed no change: there is nothing to review.", reason="no_change")
        target = DECISIONS[decision]
        if await conn.fetchval(Q["review_item"], item_id, store_id, target.value if target else None) is None:
            raise Conflict("This field changed meanwhile (published or written again); reload it.", reason="changed")
        return await get_item(conn, store_id=store_id, item_id=item_id)


@dataclass(frozen=True)
class EditableItem:
    attribute: Attribute
    before: str
    product_title: str
    target_lang: str


async def item_for_edit(conn: asyncpg.Connection, *, store_id: int, item_id: int) -> EditableItem:
    """An item that may still be edited; NotFound / Conflict otherwise."""
    state = await conn.fetchrow(Q["item_state"], item_id, store_id)
    if state is None:
        raise NotFound("No such item.")
    if state["status"] != "DONE" or state["published_at"] is not None:
        raise Conflict("Only improved items that are not published yet can be edited.")
    return EditableItem(
        Attribute(state["attribute"]), state["before_value"] or "", state["product_title"] or "", state["target_lang"]
    )


async def edit_draft(
    conn: asyncpg.Connection, *, store_id: int, item_id: int, after: object
) -> tuple[str, dict[str, Any]]:
    """The owner's value for an item's draft (PATCH /api/items/{id}, a row of an imported file),
    checked as every value is (llm.checks.check_value) and saved with its quality score; returns
    it as saved (a description's HTML sanitised) and the score. NotFound / Conflict when the item
    may not be edited, InvalidRequest when the value cannot be used."""
    item = await item_for_edit(conn, store_id=store_id, item_id=item_id)
    checked = check_value(item.attribute, before=item.before, after=after, source_text=item.before)
    if checked.value is None:
        raise InvalidRequest(f"This value cannot be used: {checked.error}.", reason=checked.error)
    await glossaries.check_edit(conn, store_id=store_id, item_id=item_id, attribute=item.attribute, value=checked.value)
    # The owner's words are theirs: facts in them are not flagged, and do not lower the score.
    quality = score_value(item.attribute, checked.value, product_name=item.product_title, language=item.target_lang)
    await edit_item(conn, store_id=store_id, item_id=item_id, value=checked.value, quality=quality)
    return checked.value, quality


async def edit_item(
    conn: asyncpg.Connection, *, store_id: int, item_id: int, value: str, quality: Mapping[str, Any]
) -> None:
    """Replace an item's improved value (already checked) before it is published, with its score."""
    if await conn.fetchval(Q["edit_item"], item_id, store_id, value, dict(quality)) is None:
        raise Conflict("Only improved items that are not published yet can be edited.")
