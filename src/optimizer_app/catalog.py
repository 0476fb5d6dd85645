"""The products a job works on: read from the store, remembered briefly so job creation is fast."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta

import asyncpg

from . import db, sql
from .domain.products import Product
from .errors import InvalidRequest
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
    pool: asyncpg.Pool, client: StoreClient, store_id: int, product_ids: Sequence[str]
) -> list[Product]:
    """The products in request order: recently read ones from the cache, the rest from the store.

    Raises InvalidRequest naming the ids the store does not have."""
    async with db.acquire(pool) as conn:
        rows = await conn.fetch(Q["fresh_products"], store_id, list(product_ids), FRESH_FOR)
    found = {r["product_id"]: Product.from_snapshot(r["snapshot"]) for r in rows}
    missing = [pid for pid in product_ids if pid not in found]
    fetched: list[Product] = []
    for start in range(0, len(missing), _FETCH_CHUNK):
        fetched.extend(await client.get_products(missing[start : start + _FETCH_CHUNK]))
    if fetched:
        async with db.acquire(pool) as conn:
            await remember(conn, store_id, fetched)
    found.update((p.id, p) for p in fetched)
    unknown = [pid for pid in product_ids if pid not in found]
    if unknown:
        raise InvalidRequest(
            f"{len(unknown)} product(s) were not found in the store.", unknown_product_ids=unknown[:50]
        )
    return [found[pid] for pid in product_ids]


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
