"""Publish accepted values to the store and revert them, with a log of what was replaced.

Products are published in chunks of up to 100, each in a transaction that holds its items' row
locks while the platform is called, so a concurrent publish of the same items is told they are in
progress and an item is written to the store once. Platforms with a bulk update get one write
call per chunk (Wix, WooCommerce) or per ten products (Shopify, aliased productUpdate mutations);
Salla, which has none, one per product.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from . import db, sql
from .domain.attributes import Attribute
from .domain.products import Product
from .errors import Conflict, NotFound
from .platforms.base import BulkUpdater, StaleRevision, StoreClient, StorePlatformError

_CHUNK = 100
Q = sql.load("publishing")


@dataclass(frozen=True)
class PublishOutcome:
    item_id: int
    status: str  # published | already_published | in_progress | not_ready | not_found | error
    message: str = ""
    log_id: int | None = None

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"item_id": self.item_id, "status": self.status}
        if self.message:
            data["message"] = self.message
        return data


async def publish_items(
    pool: asyncpg.Pool, client: StoreClient, *, store_id: int, item_ids: Sequence[int]
) -> list[PublishOutcome]:
    """Write the items' values to the store; one outcome per requested id, in request order.

    Raises NotFound when none of the ids belongs to the store."""
    async with db.acquire(pool) as conn:
        rows = {r["id"]: r for r in await conn.fetch(Q["items_to_publish"], list(item_ids), store_id)}
    if not rows:
        raise NotFound("None of these items exist in this store.")
    outcomes: dict[int, PublishOutcome] = {}
    by_product: dict[str, list[int]] = defaultdict(list)
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
        else:
            by_product[row["product_id"]].append(item_id)
    products = list(by_product)
    for begin in range(0, len(products), _CHUNK):
        chunk = {pid: by_product[pid] for pid in products[begin : begin + _CHUNK]}
        for outcome in await _publish_chunk(pool, client, store_id=store_id, items_by_product=chunk):
            outcomes[outcome.item_id] = outcome
    return [outcomes[i] for i in dict.fromkeys(item_ids)]


async def _publish_chunk(
    pool: asyncpg.Pool, client: StoreClient, *, store_id: int, items_by_product: dict[str, list[int]]
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
            rows_by_product[product_of[r["id"]]].append(r)
        values = {
            pid: {Attribute(r["attribute"]): r["after_value"] for r in rows} for pid, rows in rows_by_product.items()
        }
        written, errors = await _write(client, values)
        for pid, message in errors.items():
            outcomes += [PublishOutcome(r["id"], "error", message) for r in rows_by_product[pid]]
        done = [(pid, r) for pid in written for r in rows_by_product[pid]]
        if done:
            await conn.execute(
                Q["insert_publish_logs"],
                store_id,
                [r["id"] for _, r in done],
                [pid for pid, _ in done],
                [r["attribute"] for _, r in done],
                [written[pid].value(Attribute(r["attribute"])) for pid, r in done],
                [r["after_value"] for _, r in done],
            )
            await conn.execute(Q["mark_published"], [r["id"] for _, r in done])
    return outcomes + [PublishOutcome(r["id"], "published") for _, r in done]


async def _write(
    client: StoreClient, values: dict[str, dict[Attribute, str]]
) -> tuple[dict[str, Product], dict[str, str]]:
    """Write each product's values; returns (the products as they were before each successful
    write, an error message per product that failed)."""
    written: dict[str, Product] = {}
    errors: dict[str, str] = {}
    single = list(values)
    if isinstance(client, BulkUpdater) and len(values) > 1:
        try:
            current = {p.id: p for p in await client.get_products(list(values))}
            present = [pid for pid in values if pid in current]
            results = await client.update_products([(current[pid], values[pid]) for pid in present])
        except StorePlatformError as exc:
            # The whole call failed (after the client's own retries): every product of it failed.
            return written, dict.fromkeys(values, exc.message)
        errors.update({pid: "This product no longer exists in the store." for pid in values if pid not in current})
        single = []
        for pid, result in zip(present, results, strict=True):
            if isinstance(result, StaleRevision):
                single.append(pid)
            elif isinstance(result, StorePlatformError):
                errors[pid] = result.message
            else:
                written[pid] = current[pid]
    for pid in single:
        try:
            written[pid] = await _write_with_retry(client, pid, values[pid])
        except StorePlatformError as exc:
            errors[pid] = exc.message
    return written, errors


async def _write_with_retry(client: StoreClient, product_id: str, values: dict[Attribute, str]) -> Product:
    """Read the product, write `values` over it; on a stale revision read again and retry once.

    Returns the product as it was just before the successful write."""
    product = await client.get_product(product_id)
    try:
        await client.update_product(product, values)
    except StaleRevision:
        product = await client.get_product(product_id)
        await client.update_product(product, values)
    return product


async def list_logs(
    conn: asyncpg.Connection, *, store_id: int, before_id: int | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    return [_log_json(r) for r in await conn.fetch(Q["list_publish_logs"], store_id, before_id, limit)]


async def revert(
    pool: asyncpg.Pool, client: StoreClient, *, store_id: int, log_id: int, force: bool = False
) -> dict[str, Any]:
    """Write the replaced value back. Refuses (409) when already reverted, or when the store's
    value has changed since it was published, unless `force`."""
    async with db.acquire(pool) as conn, conn.transaction():
        log = await conn.fetchrow(Q["lock_publish_log"], log_id, store_id)
        if log is None:
            raise NotFound("No such publish log entry.")
        if log["reverted_at"] is not None:
            raise Conflict("This change has already been reverted.")
        attribute = Attribute(log["attribute"])
        product = await client.get_product(log["product_id"])
        if not force and _normalise(product.value(attribute)) != _normalise(log["new_value"]):
            raise Conflict(
                "The store's value changed after it was published; revert with force to overwrite it.",
                current_value=product.value(attribute),
            )
        try:
            await client.update_product(product, {attribute: log["old_value"]})
        except StaleRevision:
            product = await client.get_product(log["product_id"])
            await client.update_product(product, {attribute: log["old_value"]})
        await conn.execute(Q["mark_reverted"], log_id)
        if log["job_item_id"] is not None:
            await conn.execute(Q["unpublish_item"], log["job_item_id"])
        reverted = await conn.fetchrow(Q["lock_publish_log"], log_id, store_id)
    return _log_json(reverted)


def _normalise(value: str) -> str:
    return re.sub(r"\s+", " ", value or "").strip()


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
    }
