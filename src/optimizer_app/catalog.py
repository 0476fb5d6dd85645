"""The products a job works on: read from the store, remembered briefly so job creation is fast;
and the index of each store's whole catalog that filters answer from."""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections.abc import Container, Coroutine, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from . import db, duplicates, sql
from .domain.attributes import Attribute
from .domain.near_duplicates import SHOWN
from .domain.product_query import ProductQuery
from .domain.products import Product
from .errors import InvalidRequest, MalformedRequest, Unavailable
from .platforms.base import StoreClient

FRESH_FOR = timedelta(minutes=15)
_FETCH_CHUNK = 100
Q = sql.load("catalog")


async def remember(conn: asyncpg.Connection, store_id: int, products: Sequence[Product]) -> None:
    if products:
        await conn.execute(
            Q["remember_products"], store_id, [p.id for p in products], [json.dumps(p.to_snapshot()) for p in products]
        )


async def products_by_id(
    pool: asyncpg.Pool,
    client: StoreClient,
    store_id: int,
    product_ids: Sequence[str],
    *,
    max_age: timedelta = FRESH_FOR,
) -> list[Product]:
    """The products in request order: ones read within `max_age` from the cache, the rest from
    the store (all of them with a `max_age` of 0).

    Raises InvalidRequest naming the ids the store does not have."""
    rows: list[asyncpg.Record] = []
    if max_age > timedelta(0):
        async with db.acquire(pool) as conn:
            rows = await conn.fetch(Q["fresh_products"], store_id, list(product_ids), max_age)
    found = {r["product_id"]: Product.from_snapshot(r["snapshot"]) for r in rows}
    found.update(await _read_from_store(pool, client, store_id, [pid for pid in product_ids if pid not in found]))
    _refuse_unknown(product_ids, found.keys())
    return [found[pid] for pid in product_ids]


async def cache_products(pool: asyncpg.Pool, client: StoreClient, store_id: int, product_ids: Sequence[str]) -> None:
    """Have every one of the products in the cache as read within FRESH_FOR, reading the others
    from the store now, without decoding any snapshot (a job copies them inside PostgreSQL,
    queue.CachedProducts).

    Raises InvalidRequest naming the ids the store does not have."""
    async with db.acquire(pool) as conn:
        rows = await conn.fetch(Q["fresh_product_ids"], store_id, list(product_ids), FRESH_FOR)
    cached = {r["product_id"] for r in rows}
    fetched = await _read_from_store(pool, client, store_id, [pid for pid in product_ids if pid not in cached])
    _refuse_unknown(product_ids, cached | fetched.keys())


async def _read_from_store(
    pool: asyncpg.Pool, client: StoreClient, store_id: int, product_ids: Sequence[str]
) -> dict[str, Product]:
    """The products the store has among `product_ids`, read now and remembered."""
    fetched: list[Product] = []
    for start in range(0, len(product_ids), _FETCH_CHUNK):
        fetched.extend(await client.get_products(product_ids[start : start + _FETCH_CHUNK]))
    if fetched:
        async with db.acquire(pool) as conn:
            await remember(conn, store_id, fetched)
    return {p.id: p for p in fetched}


def _refuse_unknown(product_ids: Sequence[str], found: Container[str]) -> None:
    unknown = [pid for pid in product_ids if pid not in found]
    if unknown:
        raise InvalidRequest(
            f"{len(unknown)} product(s) were not found in the store.", unknown_product_ids=unknown[:50]
        )


async def products_of_collections(
    pool: asyncpg.Pool, client: StoreClient, store_id: int, collection_ids: Sequence[str], *, limit: int
) -> list[Product]:
    """Every product of the collections, each once, in collection then store order."""
    seen: dict[str, Product] = {}
    for collection_id in collection_ids:
        cursor: str | None = None
        while True:
            page = await client.products_in_collection(collection_id, cursor=cursor, limit=100)
            for product in page.products:
                seen.setdefault(product.id, product)
            if len(seen) > limit:
                raise InvalidRequest(f"These collections hold more than {limit} products; pick fewer.")
            cursor = page.next_cursor
            if not cursor:
                break
    products = list(seen.values())
    async with db.acquire(pool) as conn:
        await remember(conn, store_id, products)
    return products


# -- The catalog index: every product of a store, read whole from the platform, that filters
# answer from. A sync pages through the platform's listing under a lease (catalog_syncs), so one
# store is synced once at a time and nobody holds a connection meanwhile; products the app
# publishes to or reverts are read again before the next filtered answer.

SYNC_PAGE = 100
# Renewed page by page; above the longest wait a platform may impose on one page (Salla: 60 s).
SYNC_LEASE_SECONDS = 120.0
_WAIT_STEP_SECONDS = 0.2
_BUSY_RETRY_SECONDS = 5
_CURSOR = re.compile(r"(\d{1,10})\.(.{1,1000})", re.DOTALL)


@dataclass(frozen=True)
class IndexedProduct:
    product: Product
    optimised_at: datetime | None
    # Products whose description this one's is near (closest first, at most near_duplicates.SHOWN).
    duplicate_of: tuple[str, ...] = ()


@dataclass(frozen=True)
class IndexPage:
    products: list[IndexedProduct]
    next_cursor: str | None
    total: int
    synced_at: datetime


@dataclass(frozen=True)
class SyncResult:
    products: int
    pages: int
    synced_at: datetime


class CatalogSyncBusy(Unavailable):
    """The store's catalog is being read for longer than a request waits, and there is no older
    index to answer from."""

    code = "catalog_syncing"


async def sync_catalog(pool: asyncpg.Pool, client: StoreClient, store_id: int) -> SyncResult | None:
    """Read the store's whole catalog into the index, page by page; products the store no longer
    has leave it. None when another sync of the store holds the lease."""
    owner = uuid.uuid4().hex
    async with db.acquire(pool) as conn:
        started_at = await conn.fetchval(Q["claim_sync"], store_id, owner, SYNC_LEASE_SECONDS)
    if started_at is None:
        return None
    try:
        cursor: str | None = None
        seen, pages = 0, 0
        while True:
            page = await client.list_products(cursor=cursor, limit=SYNC_PAGE)
            pages += 1
            async with db.acquire(pool) as conn, conn.transaction():
                if await conn.fetchval(Q["renew_sync"], store_id, owner, SYNC_LEASE_SECONDS) is None:
                    raise CatalogSyncBusy("Another process took over this store's catalog sync.", retry_after=1)
                if page.products:
                    await conn.execute(
                        Q["index_products"],
                        store_id,
                        [p.id for p in page.products],
                        [json.dumps(p.to_snapshot()) for p in page.products],
                        list(range(seen, seen + len(page.products))),
                        owner,
                    )
                    await duplicates.index_descriptions(
                        conn, store_id, {p.id: p.description_html for p in page.products}
                    )
            seen += len(page.products)
            cursor = page.next_cursor
            if not cursor:
                break
        async with db.acquire(pool) as conn, conn.transaction():
            if await conn.fetchval(Q["renew_sync"], store_id, owner, SYNC_LEASE_SECONDS) is None:
                raise CatalogSyncBusy("Another process took over this store's catalog sync.")
            await conn.execute(Q["drop_unseen_products"], store_id, owner)
            synced_at = await conn.fetchval(Q["finish_sync"], store_id, owner, seen, started_at)
    except BaseException as exc:
        async with db.acquire(pool) as conn:
            await conn.execute(Q["fail_sync"], store_id, owner, str(exc)[:500] or type(exc).__name__)
        raise
    return SyncResult(products=seen, pages=pages, synced_at=synced_at)


async def fresh_index(
    pool: asyncpg.Pool, client: StoreClient, store_id: int, *, max_age: timedelta, wait: timedelta
) -> datetime:
    """When the store's index was last complete, after syncing it if that is longer ago than
    `max_age`, and after reading again the products the app changed since.

    A sync runs as a task of this process that outlives the request: the request waits for it (or
    for one another request runs) up to `wait`, then answers from the older index, or, when the
    store has none yet, raises CatalogSyncBusy (503, try again shortly)."""
    deadline = time.monotonic() + wait.total_seconds()
    waited_for: datetime | None = None
    waited = False
    while True:
        async with db.acquire(pool) as conn:
            state = await conn.fetchrow(Q["sync_state"], store_id)
        synced_at: datetime | None = state["synced_at"]
        if synced_at is not None and state["now"] - synced_at <= max_age:
            break
        if waited and synced_at is not None and synced_at != waited_for and not state["running"]:
            break  # the sync this request waited for ended: its index is as fresh as any
        if not waited:
            waited_for = synced_at
        if not state["running"]:
            task = _in_background(sync_catalog(pool, client, store_id))
            done, _ = await asyncio.wait({task}, timeout=max(0.0, deadline - time.monotonic()))
            if task in done:
                result = task.result()
                if result is not None:
                    return result.synced_at
                continue  # another request took the lease first
        elif time.monotonic() < deadline:
            waited = True
            await asyncio.sleep(_WAIT_STEP_SECONDS)
            continue
        if synced_at is not None:
            break
        raise CatalogSyncBusy(
            "The store's catalog is still being read; try again in a moment.", retry_after=_BUSY_RETRY_SECONDS
        )
    await _refresh_changed(pool, client, store_id, state["changes_seen_at"] or synced_at)
    return synced_at


_BACKGROUND: set[asyncio.Task[SyncResult | None]] = set()


def _in_background(work: Coroutine[Any, Any, SyncResult | None]) -> asyncio.Task[SyncResult | None]:
    """A sync that keeps running when the request that started it stops waiting; its failure is
    recorded by sync_catalog (catalog_syncs.last_error), never left unretrieved."""
    task = asyncio.create_task(work)
    _BACKGROUND.add(task)
    task.add_done_callback(_forget)
    return task


def _forget(task: asyncio.Task[SyncResult | None]) -> None:
    _BACKGROUND.discard(task)
    if not task.cancelled():
        task.exception()


async def _refresh_changed(pool: asyncpg.Pool, client: StoreClient, store_id: int, since: datetime) -> None:
    async with db.acquire(pool) as conn:
        changed = await conn.fetch(Q["products_changed_since"], store_id, since)
    if not changed:
        return
    ids = [r["product_id"] for r in changed]
    found: dict[str, Product] = {}
    for start in range(0, len(ids), _FETCH_CHUNK):
        found.update((p.id, p) for p in await client.get_products(ids[start : start + _FETCH_CHUNK]))
    async with db.acquire(pool) as conn, conn.transaction():
        await conn.execute(
            Q["refresh_products"],
            store_id,
            list(found),
            [json.dumps(p.to_snapshot()) for p in found.values()],
            [pid for pid in ids if pid not in found],
        )
        await duplicates.index_descriptions(conn, store_id, {p.id: p.description_html for p in found.values()})
        await conn.execute(Q["mark_changes_seen"], store_id, max(r["changed_at"] for r in changed))


def _pattern(text: str | None) -> str | None:
    if not text:
        return None
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _filter_args(query: ProductQuery) -> tuple[str | None, str | None, list[str], bool | None, bool | None]:
    return _pattern(query.q), query.collection_id, [a.value for a in query.missing], query.optimised, query.duplicate


def _cursor(value: str | None) -> tuple[int, str]:
    if value is None:
        return -1, ""
    match = _CURSOR.fullmatch(value)
    if match is None:
        raise MalformedRequest("The paging cursor is not valid; start again from the first page.")
    return int(match.group(1)), match.group(2)


async def query_index(
    pool: asyncpg.Pool, store_id: int, query: ProductQuery, *, synced_at: datetime, cursor: str | None, limit: int
) -> IndexPage:
    """A page of the store's indexed products matching `query`, in the platform's order, with the
    number that match in all."""
    after = _cursor(cursor)
    args = _filter_args(query)
    async with db.acquire(pool) as conn:
        rows = await conn.fetch(Q["query_index"], store_id, *args, *after, limit + 1, SHOWN)
        total = int(await conn.fetchval(Q["count_index"], store_id, *args))
    more = len(rows) > limit
    rows = rows[:limit]
    return IndexPage(
        products=[
            IndexedProduct(Product.from_snapshot(r["snapshot"]), r["optimised_at"], tuple(r["duplicate_of"]))
            for r in rows
        ],
        next_cursor=f"{rows[-1]['pos']}.{rows[-1]['product_id']}" if more and rows else None,
        total=total,
        synced_at=synced_at,
    )


async def count_matching(pool: asyncpg.Pool, store_id: int, query: ProductQuery) -> int:
    async with db.acquire(pool) as conn:
        return int(await conn.fetchval(Q["count_index"], store_id, *_filter_args(query)))


async def matching_products(pool: asyncpg.Pool, store_id: int, query: ProductQuery, *, limit: int) -> list[Product]:
    """Every indexed product matching `query`, in the platform's order; at most `limit` + 1, so a
    caller can tell that more match than it takes."""
    async with db.acquire(pool) as conn:
        rows = await conn.fetch(Q["query_index"], store_id, *_filter_args(query), -1, "", limit + 1, 0)
    return [Product.from_snapshot(r["snapshot"]) for r in rows]


async def optimised_at(pool: asyncpg.Pool, store_id: int, product_ids: Sequence[str]) -> dict[str, datetime]:
    """When the app last published a change that stands, per product that has one."""
    if not product_ids:
        return {}
    async with db.acquire(pool) as conn:
        rows = await conn.fetch(Q["optimised_at"], store_id, list(product_ids))
    return {r["product_id"]: r["optimised_at"] for r in rows}


@dataclass(frozen=True)
class AuditEntry:
    """One product of the catalog audit: the fields it lacks (empty, or for a description nothing
    but markup and spaces) and the products whose description its own is near."""

    product_id: str
    title: str
    missing: tuple[Attribute, ...]
    duplicate_of: tuple[str, ...]


async def audit(pool: asyncpg.Pool, store_id: int, *, duplicates_shown: int = 20) -> list[AuditEntry]:
    """Every product of the store's catalog index, in the platform's order, with its missing
    fields and up to `duplicates_shown` near-duplicates (closest first). It reads the index as it
    is: bring it up to date first (web.context.fresh_catalog_index)."""
    async with db.acquire(pool) as conn:
        rows = await conn.fetch(Q["audit"], store_id, duplicates_shown)
    return [
        AuditEntry(
            r["product_id"],
            r["title"],
            tuple(Attribute(a) for a in r["missing_fields"]),
            tuple(r["duplicate_of"]),
        )
        for r in rows
    ]


async def duplicate_of(pool: asyncpg.Pool, store_id: int, product_ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """A few near-duplicates (closest first) of each product that has any, as the index knows them."""
    if not product_ids:
        return {}
    async with db.acquire(pool) as conn:
        rows = await conn.fetch(Q["duplicate_of"], store_id, list(product_ids), SHOWN)
    return {r["product_id"]: tuple(r["duplicate_of"]) for r in rows}
