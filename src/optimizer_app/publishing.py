"""Publish accepted values to the store and revert them, with a log of what was replaced.

Products are published in chunks of up to 100, each in a transaction that holds its items' row
locks while the platform is called, so a concurrent publish of the same items is told they are in
progress and an item is written to the store once. Platforms with a bulk update get one write
call per chunk (Wix, WooCommerce) or per ten products (Shopify, aliased productUpdate mutations);
Salla, which has none, one per product, a few at a time.

Only suggestions the owner has not set aside are published: a rejected one, or one that changes
nothing, never is; one flagged for facts the product data does not state only once accepted or
edited (domain.jobs.publish_refusal).

Image alt text is written apart from the text fields (a pass of its own over the same chunks): on
Shopify and Salla it is another API than the product's, and a product whose text was written while
its alt text failed must log the one and report the other.

Reverting works the same way, whatever it covers (one log entry, a selection, a whole job): each
product is read once per chunk, every entry whose value is still the one published is written
back, and an entry whose value was changed in the store since is left as it is and listed, unless
forced.

Any earlier version of a field (domain.history) can be put back the same way: read, refused when
the store's value is no longer the one the app last wrote unless forced, written, and logged as an
entry of its own. Every entry records who made the app write it (an Actor), and a revert who
reverted it; each publish, revert and restore is also an entry of the store's audit trail
(activity.py), written in the same transaction.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg

from . import activity, db, duplicates, sql
from .activity import Action
from .domain import history
from .domain.attributes import Attribute
from .domain.history import OWNER, Actor, Side, actor_json, same_text
from .domain.jobs import publish_refusal
from .domain.products import Product
from .errors import Conflict, NotFound
from .platforms.base import BulkUpdater, ProductNotFound, StaleRevision, StoreClient, StorePlatformError

_CHUNK = 100
# Products written (or read) one call each at the same time, on platforms without a bulk update.
_CONCURRENCY = 4
_GONE = "This product no longer exists in the store."
Q = sql.load("publishing")

_REFUSALS = {
    "rejected": "You rejected this suggestion.",
    "no_change": "The current text needed no change; there is nothing to publish.",
    "needs_review": "This suggestion states facts the product data does not; accept or edit it before publishing.",
    "below_score": "This suggestion's quality score is below the minimum asked for.",
}


@dataclass(frozen=True)
class PublishOutcome:
    item_id: int
    # published | already_published | in_progress | not_ready | rejected | no_change | needs_review
    # | below_score | not_found | error
    status: str
    message: str = ""
    log_id: int | None = None

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"item_id": self.item_id, "status": self.status}
        if self.message:
            data["message"] = self.message
        return data


async def publish_items(
    pool: asyncpg.Pool,
    client: StoreClient,
    *,
    store_id: int,
    item_ids: Sequence[int],
    min_score: int | None = None,
    actor: Actor = OWNER,
) -> list[PublishOutcome]:
    """Write the items' values to the store for `actor`; one outcome per requested id, in request order.
    `min_score`: items whose quality score is lower (or unknown) are refused as `below_score`.

    Raises NotFound when none of the ids belongs to the store."""
    async with db.acquire(pool) as conn:
        rows = {r["id"]: r for r in await conn.fetch(Q["items_to_publish"], list(item_ids), store_id)}
    if not rows:
        raise NotFound("None of these items exist in this store.")
    outcomes: dict[int, PublishOutcome] = {}
    # Text fields, then image alt text: a pass each (see the module's docstring).
    passes: tuple[dict[str, list[int]], dict[str, list[int]]] = (defaultdict(list), defaultdict(list))
    for item_id in item_ids:
        row = rows.get(item_id)
        if row is None:
            outcomes[item_id] = PublishOutcome(item_id, "not_found", "No such item in this store.")
        elif row["published_at"] is not None:
            outcomes[item_id] = PublishOutcome(item_id, "already_published")
        elif row["status"] != "DONE":
            reason = (
                "This item failed; it has no improved value."
                if row["status"] == "FAILED"
                else ("This item has no improved value yet.")
            )
            outcomes[item_id] = PublishOutcome(item_id, "not_ready", reason)
        elif refusal := publish_refusal(row["review_state"], row["flags"], score=row["score"], min_score=min_score):
            outcomes[item_id] = PublishOutcome(item_id, refusal, _REFUSALS[refusal])
        else:
            passes[row["attribute"] == Attribute.IMAGE_ALT][row["product_id"]].append(item_id)
    for by_product in passes:
        products = list(by_product)
        for begin in range(0, len(products), _CHUNK):
            chunk = {pid: by_product[pid] for pid in products[begin : begin + _CHUNK]}
            for outcome in await _publish_chunk(
                pool, client, store_id=store_id, items_by_product=chunk, min_score=min_score, actor=actor
            ):
                outcomes[outcome.item_id] = outcome
    return [outcomes[i] for i in dict.fromkeys(item_ids)]


async def _publish_chunk(
    pool: asyncpg.Pool,
    client: StoreClient,
    *,
    store_id: int,
    items_by_product: dict[str, list[int]],
    min_score: int | None,
    actor: Actor,
) -> list[PublishOutcome]:
    wanted = [i for ids in items_by_product.values() for i in ids]
    async with db.acquire(pool) as conn, conn.transaction():
        locked = await conn.fetch(Q["lock_unpublished_items"], wanted, store_id)
        locked_ids = {r["id"] for r in locked}
        outcomes = [
            PublishOutcome(i, "in_progress", "Another request is publishing this item.")
            for i in wanted
            if i not in locked_ids
        ]
        rows_by_product: dict[str, list[asyncpg.Record]] = defaultdict(list)
        product_of = {i: pid for pid, ids in items_by_product.items() for i in ids}
        for r in locked:
            # Decided on again under the lock: the owner may have rejected it meanwhile.
            if refusal := publish_refusal(r["review_state"], r["flags"], score=r["score"], min_score=min_score):
                outcomes.append(PublishOutcome(r["id"], refusal, _REFUSALS[refusal]))
            else:
                rows_by_product[product_of[r["id"]]].append(r)
        values = {
            pid: {Attribute(r["attribute"]): r["after_value"] for r in rows} for pid, rows in rows_by_product.items()
        }
        written, errors = await _read_and_write(client, values)
        for pid, error in errors.items():
            outcomes += [PublishOutcome(r["id"], "error", error.message) for r in rows_by_product[pid]]
        done = [(pid, r) for pid in written for r in rows_by_product[pid]]
        if done:
            logged = await conn.fetch(
                Q["insert_publish_logs"],
                store_id,
                [r["id"] for _, r in done],
                [pid for pid, _ in done],
                [r["attribute"] for _, r in done],
                [written[pid].value(Attribute(r["attribute"])) for pid, r in done],
                [r["after_value"] for _, r in done],
                actor.kind.value,
                actor.user_id,
            )
            await conn.execute(Q["mark_published"], [r["id"] for _, r in done])
            item_of = {r["job_item_id"]: r["id"] for r in logged}
            await activity.record_many(
                conn,
                store_id,
                actor,
                Action.PUBLISHED,
                [activity.Entry(r["job_id"], item_of[r["id"]], pid, {"attribute": r["attribute"]}) for pid, r in done],
            )
            await duplicates.index_descriptions(conn, store_id, duplicates.written_descriptions(values, list(written)))
    return outcomes + [PublishOutcome(r["id"], "published") for _, r in done]


async def _read(
    client: StoreClient, product_ids: Sequence[str], *, images: bool = False
) -> tuple[dict[str, Product], dict[str, StorePlatformError]]:
    """The products as the store holds them now (with their images when `images`), in as few
    calls as the platform allows; an error for each one that could not be read."""
    try:
        found = await client.get_products(list(product_ids))
        if images:
            found = await client.with_images(found)
        current = {p.id: p for p in found}
    except StorePlatformError as exc:
        # The whole call failed (after the client's own retries): every product of it failed.
        return {}, dict.fromkeys(product_ids, exc)
    return current, {pid: ProductNotFound(_GONE) for pid in product_ids if pid not in current}


async def _read_and_write(
    client: StoreClient, values: dict[str, dict[Attribute, str]]
) -> tuple[dict[str, Product], dict[str, StorePlatformError]]:
    """Read each product and write its values over it; a product that changed between the read and
    the write (a stale revision) is read again and written once more. Returns (the products as
    they were before each successful write, the error of each product that failed)."""
    images = any(Attribute.IMAGE_ALT in v for v in values.values())
    current, errors = await _read(client, list(values), images=images)
    written, failed, stale = await _write(client, current, {pid: v for pid, v in values.items() if pid in current})
    if stale:
        again, unread = await _read(client, stale, images=images)
        rewritten, refailed, still = await _write(client, again, {pid: values[pid] for pid in stale if pid in again})
        written.update(rewritten)
        failed.update({**unread, **refailed, **{pid: _kept_changing() for pid in still}})
    return written, {**errors, **failed}


async def _write(
    client: StoreClient, current: Mapping[str, Product], values: dict[str, dict[Attribute, str]]
) -> tuple[dict[str, Product], dict[str, StorePlatformError], list[str]]:
    """Write each product's values over the product as last read (`current`): in bulk where the
    platform allows, else one call per product, a few at a time. Returns (the products as they were
    before each successful write, the error of each product that failed, the products whose
    revision went stale meanwhile: the caller reads them again)."""
    written: dict[str, Product] = {}
    errors: dict[str, StorePlatformError] = {}
    stale: list[str] = []
    single = list(values)
    if isinstance(client, BulkUpdater) and len(values) > 1:
        try:
            results = await client.update_products([(current[pid], values[pid]) for pid in values])
        except StorePlatformError as exc:
            return written, dict.fromkeys(values, exc), stale
        single = []
        for pid, result in zip(values, results, strict=True):
            if isinstance(result, StaleRevision):
                stale.append(pid)
            elif isinstance(result, StorePlatformError):
                errors[pid] = result
            else:
                written[pid] = current[pid]
    gate = asyncio.Semaphore(_CONCURRENCY)

    async def one(pid: str) -> None:
        async with gate:
            try:
                await client.update_product(current[pid], values[pid])
            except StaleRevision:
                stale.append(pid)
            except StorePlatformError as exc:
                errors[pid] = exc
            else:
                written[pid] = current[pid]

    await asyncio.gather(*(one(pid) for pid in single))
    return written, errors, stale


def _kept_changing() -> StorePlatformError:
    return StaleRevision("The product kept changing in the store while it was written; try again.")


async def list_logs(
    conn: asyncpg.Connection, *, store_id: int, before_id: int | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    return [_log_json(r) for r in await conn.fetch(Q["list_publish_logs"], store_id, before_id, limit)]


@dataclass
class RevertReport:
    """What a revert did with each log entry it was given."""

    reverted: list[dict[str, Any]] = field(default_factory=list)  # now, or by an earlier revert
    changed_in_store: list[dict[str, Any]] = field(default_factory=list)  # with current_value
    failed: list[dict[str, Any]] = field(default_factory=list)  # with error
    # For the single-entry revert: what it answers instead of a report.
    already_reverted: set[int] = field(default_factory=set)
    errors: dict[int, StorePlatformError] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"reverted": self.reverted, "changed_in_store": self.changed_in_store, "failed": self.failed}


async def revert(
    pool: asyncpg.Pool,
    client: StoreClient,
    *,
    store_id: int,
    log_id: int,
    force: bool = False,
    actor: Actor = OWNER,
) -> dict[str, Any]:
    """Write one entry's replaced value back. Refuses (409) when already reverted, or when the
    store's value has changed since it was published, unless `force`."""
    async with db.acquire(pool) as conn:
        rows = await conn.fetch(Q["publish_logs_by_id"], [log_id], store_id)
    if not rows:
        raise NotFound("No such publish log entry.")
    if rows[0]["reverted_at"] is not None:
        raise Conflict("This change has already been reverted.")
    report = await _revert(pool, client, store_id=store_id, rows=rows, force=force, actor=actor)
    if log_id in report.errors:
        raise report.errors[log_id]
    if log_id in report.already_reverted:
        raise Conflict("This change has already been reverted.")
    if report.changed_in_store:
        raise Conflict(
            "The store's value changed after it was published; revert with force to overwrite it.",
            current_value=report.changed_in_store[0]["current_value"],
        )
    return report.reverted[0]


async def revert_logs(
    pool: asyncpg.Pool,
    client: StoreClient,
    *,
    store_id: int,
    log_ids: Sequence[int],
    force: bool = False,
    actor: Actor = OWNER,
) -> RevertReport:
    """Revert a selection of log entries. Entries reverted before are listed as reverted (asking
    twice is harmless); ids that are not this store's are listed as failed. NotFound when none is."""
    async with db.acquire(pool) as conn:
        rows = await conn.fetch(Q["publish_logs_by_id"], list(log_ids), store_id)
    if not rows:
        raise NotFound("None of these publish log entries exist in this store.")
    report = await _revert(pool, client, store_id=store_id, rows=rows, force=force, actor=actor)
    found = {r["id"] for r in rows}
    report.failed += [
        {"id": i, "error": "No such publish log entry in this store."} for i in dict.fromkeys(log_ids) if i not in found
    ]
    return report


async def revert_job(
    pool: asyncpg.Pool,
    client: StoreClient,
    *,
    store_id: int,
    job_id: int,
    force: bool = False,
    actor: Actor = OWNER,
) -> RevertReport:
    """Revert everything of a job that is still published. NotFound for another store's job."""
    async with db.acquire(pool) as conn:
        if await conn.fetchval(Q["job_of_store"], job_id, store_id) is None:
            raise NotFound("No such job.")
        rows = await conn.fetch(Q["live_publish_logs_of_job"], job_id, store_id)
    return await _revert(pool, client, store_id=store_id, rows=rows, force=force, actor=actor)


async def _revert(
    pool: asyncpg.Pool,
    client: StoreClient,
    *,
    store_id: int,
    rows: Sequence[asyncpg.Record],
    force: bool,
    actor: Actor,
) -> RevertReport:
    report = RevertReport()
    for r in rows:
        if r["reverted_at"] is not None:
            report.reverted.append(_log_json(r))
            report.already_reverted.add(r["id"])
    # Text fields, then image alt text, as publishing writes them.
    passes: tuple[dict[str, list[int]], dict[str, list[int]]] = (defaultdict(list), defaultdict(list))
    for r in rows:
        if r["reverted_at"] is None:
            passes[r["attribute"] == Attribute.IMAGE_ALT][r["product_id"]].append(r["id"])
    for images, by_product in enumerate(passes):
        products = list(by_product)
        for begin in range(0, len(products), _CHUNK):
            ids = [i for pid in products[begin : begin + _CHUNK] for i in by_product[pid]]
            await _revert_chunk(
                pool,
                client,
                store_id=store_id,
                log_ids=ids,
                force=force,
                report=report,
                actor=actor,
                images=bool(images),
            )
    return report


async def _revert_chunk(
    pool: asyncpg.Pool,
    client: StoreClient,
    *,
    store_id: int,
    log_ids: list[int],
    force: bool,
    report: RevertReport,
    actor: Actor,
    images: bool = False,
) -> None:
    """Revert the entries of up to _CHUNK products in one transaction holding their log rows
    (`images`: they are image alt text, read with the products' images)."""
    async with db.acquire(pool) as conn, conn.transaction():
        locked = await conn.fetch(Q["lock_publish_logs"], log_ids, store_id)
        live: dict[str, list[asyncpg.Record]] = defaultdict(list)
        for r in locked:
            if r["reverted_at"] is not None:  # by a concurrent revert, while this one waited
                report.reverted.append(_log_json(r))
                report.already_reverted.add(r["id"])
            else:
                live[r["product_id"]].append(r)
        to_revert: dict[str, list[asyncpg.Record]] = {}
        pending = list(live)
        # A product that changed between the read and the write is read and checked again, once.
        for last_try in (False, True):
            current, unread = await _read(client, pending, images=images)
            values: dict[str, dict[Attribute, str]] = {}
            changed: dict[str, list[dict[str, Any]]] = {}
            for pid in pending:
                if pid in unread:
                    _fail(report, live[pid], unread[pid])
                    continue
                values[pid], to_revert[pid], changed[pid] = _plan_revert(current[pid], live[pid], force)
            written, errors, stale = await _write(client, current, {pid: v for pid, v in values.items() if v})
            for pid, entries in changed.items():
                if pid not in stale or last_try:
                    report.changed_in_store += entries
            for pid, error in errors.items():
                _fail(report, to_revert[pid], error)
            done = [r for pid in written for r in to_revert[pid]]
            if done:
                reverted = sorted(
                    await conn.fetch(Q["mark_reverted"], [r["id"] for r in done], actor.kind.value, actor.user_id),
                    key=lambda r: r["id"],
                )
                await activity.record_many(
                    conn,
                    store_id,
                    actor,
                    Action.REVERTED,
                    [
                        activity.Entry(r["job_id"], r["id"], r["product_id"], {"attribute": r["attribute"]})
                        for r in reverted
                    ],
                )
                items = [r["job_item_id"] for r in done if r["job_item_id"] is not None]
                await conn.execute(Q["unpublish_items"], items)
                await duplicates.index_descriptions(
                    conn, store_id, duplicates.written_descriptions(values, list(written))
                )
                report.reverted += [_log_json(r) for r in reverted]
            if not stale:
                return
            pending = stale
        for pid in stale:
            _fail(report, to_revert[pid], _kept_changing())


def _plan_revert(
    product: Product, entries: list[asyncpg.Record], force: bool
) -> tuple[dict[Attribute, str], list[asyncpg.Record], list[dict[str, Any]]]:
    """For one product as the store holds it now: the values to write back, the entries they
    revert, and the entries whose value was changed in the store since (with that value). A field
    published twice is unwound newest first, so the older entry finds the value it wrote."""
    values: dict[Attribute, str] = {}
    reverting: list[asyncpg.Record] = []
    changed: list[dict[str, Any]] = []
    by_field: dict[Attribute, list[asyncpg.Record]] = defaultdict(list)
    for r in entries:
        by_field[Attribute(r["attribute"])].append(r)
    for attribute, field_entries in by_field.items():
        value = product.value(attribute)
        for r in sorted(field_entries, key=lambda r: r["id"], reverse=True):
            if not force and not same_text(value, r["new_value"]):
                changed.append({**_log_json(r), "current_value": value})
                continue
            value = values[attribute] = r["old_value"]
            reverting.append(r)
    return values, reverting, changed


async def field_history(
    conn: asyncpg.Connection, *, store_id: int, product_id: str, attribute: Attribute | None = None
) -> list[dict[str, Any]]:
    """The versions of each field of a product the app wrote (or only of `attribute`), oldest
    first, as {attribute, product_title, versions}. NotFound when the store knows no such product."""
    rows = await conn.fetch(Q["field_history"], store_id, product_id, attribute.value if attribute else None)
    if not rows and not await conn.fetchval(Q["product_known"], store_id, product_id):
        raise NotFound("No such product in this store.")
    by_field: dict[str, list[asyncpg.Record]] = defaultdict(list)
    for r in rows:
        by_field[r["attribute"]].append(r)
    return [
        {
            "attribute": name,
            "product_title": entries[-1]["product_title"],
            "versions": [v.as_json() for v in history.versions([_entry(r) for r in entries])],
        }
        for name, entries in by_field.items()
    ]


async def restore(
    pool: asyncpg.Pool,
    client: StoreClient,
    *,
    store_id: int,
    product_id: str,
    attribute: Attribute,
    log_id: int,
    side: Side = Side.PUBLISHED,
    force: bool = False,
    actor: Actor = OWNER,
) -> dict[str, Any]:
    """Put a version of a product's field back in the store: the value log entry `log_id` wrote
    (`side` published) or replaced (`side` replaced), whichever version of the field it is, not
    only the last. Refuses (409) when the store's value is no longer the one the app last wrote,
    with the value it holds, unless `force`, and when the store holds that version already.
    Returns the new log entry."""
    async with db.acquire(pool) as conn, conn.transaction():
        rows = await conn.fetch(Q["lock_field_history"], store_id, product_id, attribute.value)
        source = next((r for r in rows if r["id"] == log_id), None)
        if source is None:
            raise NotFound("No such version of this field.")
        value: str = source["new_value"] if side is Side.PUBLISHED else source["old_value"]
        last_written = history.versions([_entry(r) for r in rows])[-1].value
        # A product that changed between the read and the write is read and checked again, once.
        for _ in range(2):
            current, unread = await _read(client, [product_id])
            if product_id in unread:
                raise unread[product_id]
            product = current[product_id]
            now = product.value(attribute)
            if not force and not same_text(now, last_written):
                raise Conflict(
                    "The store's value changed after the app last wrote it; put this version back with force "
                    "to overwrite it.",
                    reason="changed_in_store",
                    current_value=now,
                )
            if same_text(now, value):
                raise Conflict("The store already holds this version.", reason="same_value", current_value=now)
            _, errors, stale = await _write(client, current, {product_id: {attribute: value}})
            if product_id in errors:
                raise errors[product_id]
            if not stale:
                break
        else:
            raise _kept_changing()
        row = await conn.fetchrow(
            Q["insert_restored_log"],
            store_id,
            product_id,
            product.title or source["product_title"],
            attribute.value,
            now,
            value,
            actor.kind.value,
            actor.user_id,
            log_id,
        )
        await activity.record(
            conn,
            store_id,
            actor,
            Action.RESTORED,
            publish_log_id=row["id"],
            product_id=product_id,
            detail={"attribute": attribute.value, "restored_from": log_id},
        )
    return _log_json(row)


def _entry(r: asyncpg.Record) -> history.LogEntry:
    reverted_by = r["reverted_by_kind"]
    return history.LogEntry(
        id=r["id"],
        old_value=r["old_value"],
        new_value=r["new_value"],
        published_at=r["published_at"],
        reverted_at=r["reverted_at"],
        actor=Actor(history.ActorKind(r["actor_kind"]), r["actor_user"]),
        reverted_by=Actor(history.ActorKind(reverted_by), r["reverted_by_user"]) if reverted_by else None,
        restored_from=r["restored_from"],
        job_id=r["job_id"],
        job_number=r["job_number"],
        item_id=r["job_item_id"],
    )


def _fail(report: RevertReport, entries: Sequence[asyncpg.Record], error: StorePlatformError) -> None:
    for r in entries:
        report.failed.append({**_log_json(r), "error": error.message})
        report.errors[r["id"]] = error


def _log_json(r: asyncpg.Record) -> dict[str, Any]:
    def iso(ts: datetime | None) -> str | None:
        return ts.isoformat() if ts else None

    return {
        "id": r["id"],
        "item_id": r["job_item_id"],
        "product_id": r["product_id"],
        "product_title": r["product_title"],
        "attribute": r["attribute"],
        "old_value": r["old_value"],
        "new_value": r["new_value"],
        "published_at": iso(r["published_at"]),
        "reverted_at": iso(r["reverted_at"]),
        "actor": actor_json(r["actor_kind"], r["actor_user"]),
        "reverted_by": actor_json(r["reverted_by_kind"], r["reverted_by_user"]),
        "restored_from": r["restored_from"],
    }
