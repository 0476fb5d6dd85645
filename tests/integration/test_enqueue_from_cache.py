"""A job's products copied from the products cache inside PostgreSQL (queue.CachedProducts) against
one built from the same products decoded in Python, and the per-statement checks of migration 033
that keep job_items and job_products to jobs that exist."""

from __future__ import annotations

import json
from typing import Any

import asyncpg
import pytest

from optimizer_app import catalog, credits, queue
from optimizer_app.domain.attributes import TEXT_ATTRIBUTES, Attribute
from optimizer_app.domain.history import OWNER
from optimizer_app.domain.products import Product, ProductImage
from optimizer_app.errors import InvalidRequest
from tests.factories import enqueue, new_store, products

STORE_PRODUCTS = [
    *products(3),
    Product(
        id="rich",
        title="  Écharpe en laine — 100 % mérinos ",
        description_html="<p>&nbsp;</p>",
        seo_title="Écharpe",
        seo_description="Chaude.\nDouce.",
        revision="7",
        collection_ids=("c1", "c2"),
        image_url="https://img/1.jpg",
        url="https://shop/rich",
        extra={"price": "12.50", "material": "wool"},
        platform_data={"seo_tags": [{"type": "meta"}]},
        images=(ProductImage(id="m1", url="https://img/1.jpg", alt="scarf"),),
    ),
    Product(id="blank", title="", description_html="", seo_title=" ", seo_description=""),
]

ITEM_COLUMNS = "product_id, seq, attribute, before_value, via_batch, status, store_id"


async def _enqueue(conn: asyncpg.Connection, store_id: int, given: Any, *, economy: bool = False) -> queue.EnqueuedJob:
    ids = [p.id for p in STORE_PRODUCTS]
    return await queue.enqueue_job(
        conn, store_id=store_id, source_scope="products", source_ids=ids, attributes=TEXT_ATTRIBUTES,
        target_lang="en", user_prompt="", products=given, economy=economy, actor=OWNER,
    )  # fmt: skip


async def _job_rows(conn: asyncpg.Connection, job_id: int) -> tuple[list[Any], list[Any], Any, Any]:
    snapshots = await conn.fetch(
        "SELECT product_id, snapshot FROM job_products WHERE job_id = $1 ORDER BY product_id", job_id
    )
    items = await conn.fetch(f"SELECT {ITEM_COLUMNS} FROM job_items WHERE job_id = $1 ORDER BY id", job_id)
    job = await conn.fetchrow(
        "SELECT credits_charged, items_total, fields_skipped, economy FROM jobs WHERE id = $1", job_id
    )
    detail = await conn.fetchval("SELECT detail FROM activity WHERE job_id = $1", job_id)
    return [tuple(r) for r in snapshots], [tuple(r) for r in items], tuple(job), detail


@pytest.mark.parametrize("economy", [False, True])
async def test_a_job_copied_from_the_cache_has_the_rows_of_one_built_from_decoded_products(
    pool: asyncpg.Pool, economy: bool
) -> None:
    store = await new_store(pool, granted=100)
    ids = [p.id for p in STORE_PRODUCTS]
    async with pool.acquire() as conn:
        await catalog.remember(conn, store.id, STORE_PRODUCTS)
    decoded = await catalog.products_by_id(pool, None, store.id, ids)  # type: ignore[arg-type]  # all cached
    async with pool.acquire() as conn:
        from_python = await _enqueue(conn, store.id, decoded, economy=economy)
        from_cache = await _enqueue(conn, store.id, queue.CachedProducts(ids), economy=economy)
        python_rows = await _job_rows(conn, from_python.job_id)
        cache_rows = await _job_rows(conn, from_cache.job_id)
    assert cache_rows == python_rows
    assert len(python_rows[1]) == len(STORE_PRODUCTS) * len(TEXT_ATTRIBUTES)
    assert from_cache.credits_charged == from_python.credits_charged == python_rows[2][0]
    assert from_cache.remaining == from_python.remaining - from_python.credits_charged


async def test_each_text_field_copied_from_the_cache_holds_what_product_value_reads(pool: asyncpg.Pool) -> None:
    # The rule copy_cached_products repeats in SQL: the snapshot key's value, "" without the key.
    snapshots: dict[str, dict[str, Any]] = {
        "full": {"id": "full", "title": "T", "description_html": "<b>D</b>", "seo_title": "S", "seo_description": "M"},
        "no_keys": {"id": "no_keys"},
        "nulls": {"id": "nulls", "title": None, "description_html": None, "seo_title": None, "seo_description": None},
        "blank": {"id": "blank", "title": "", "description_html": " ", "seo_title": "\t", "seo_description": "\n"},
        "unicode": {"id": "unicode", "title": "مرحبا \u2028 😀", "description_html": '<p>\\"</p>', "seo_title": "é"},
    }
    store = await new_store(pool, granted=100)
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO catalog_products (store_id, product_id, snapshot, fetched_at) "
            "SELECT $1, s.id, s.snapshot::jsonb, now() FROM unnest($2::text[], $3::text[]) AS s(id, snapshot)",
            store.id,
            list(snapshots),
            [json.dumps(s) for s in snapshots.values()],
        )
        job = await queue.enqueue_job(
            conn, store_id=store.id, source_scope="products", source_ids=list(snapshots), attributes=TEXT_ATTRIBUTES,
            target_lang="en", user_prompt="", products=queue.CachedProducts(list(snapshots)), actor=OWNER,
        )  # fmt: skip
        rows = await conn.fetch(
            "SELECT product_id, attribute, before_value FROM job_items WHERE job_id = $1", job.job_id
        )
    copied = {(r["product_id"], r["attribute"]): r["before_value"] for r in rows}
    expected = {
        (pid, a.value): Product.from_snapshot(snapshot).value(a)
        for pid, snapshot in snapshots.items()
        for a in TEXT_ATTRIBUTES
    }
    assert copied == expected


async def test_a_product_gone_from_the_cache_refuses_the_job_and_charges_nothing(pool: asyncpg.Pool) -> None:
    store = await new_store(pool, granted=100)
    async with pool.acquire() as conn:
        await catalog.remember(conn, store.id, products(2))
        with pytest.raises(InvalidRequest):
            await queue.enqueue_job(
                conn, store_id=store.id, source_scope="products", source_ids=["p0", "p1", "gone"],
                attributes=(Attribute.TITLE,), target_lang="en", user_prompt="",
                products=queue.CachedProducts(["p0", "p1", "gone"]), actor=OWNER,
            )  # fmt: skip
        assert await conn.fetchval("SELECT count(*) FROM jobs WHERE store_id = $1", store.id) == 0
        assert await conn.fetchval("SELECT count(*) FROM job_products") == 0
        assert await credits.remaining(conn, store.id) == store.credits_remaining


async def test_image_alt_text_or_only_empty_fields_are_not_copied_from_the_cache(pool: asyncpg.Pool) -> None:
    store = await new_store(pool, granted=100)
    async with pool.acquire() as conn:
        for attributes, only_empty in (((Attribute.IMAGE_ALT,), False), ((Attribute.TITLE,), True)):
            with pytest.raises(ValueError):
                await queue.enqueue_job(
                    conn, store_id=store.id, source_scope="products", source_ids=["p0"], attributes=attributes,
                    target_lang="en", user_prompt="", products=queue.CachedProducts(["p0"]), only_empty=only_empty,
                    actor=OWNER,
                )  # fmt: skip


@pytest.mark.parametrize("table", ["job_items", "job_products"])
async def test_rows_of_a_job_that_does_not_exist_are_refused(pool: asyncpg.Pool, table: str) -> None:
    store = await new_store(pool, granted=100)
    job = await enqueue(pool, store.id, products(1), (Attribute.TITLE,))
    row = {
        "job_items": "(job_id, store_id, product_id, seq, attribute) VALUES ($1, $2, 'x', 0, 'title')",
        "job_products": "(job_id, product_id, snapshot) VALUES ($1, 'x', jsonb_build_object('store', $2::bigint))",
    }[table]
    async with pool.acquire() as conn:
        with pytest.raises(asyncpg.ForeignKeyViolationError):
            await conn.execute(f"INSERT INTO {table} {row}", job.job_id + 1000, store.id)
        # The job that exists takes the same row.
        await conn.execute(f"INSERT INTO {table} {row}", job.job_id, store.id)


async def test_a_row_cannot_move_to_another_job(pool: asyncpg.Pool) -> None:
    store = await new_store(pool, granted=100)
    first = await enqueue(pool, store.id, products(1), (Attribute.TITLE,))
    second = await enqueue(pool, store.id, products(1, "q"), (Attribute.TITLE,))
    async with pool.acquire() as conn:
        for table in ("job_items", "job_products"):
            with pytest.raises(asyncpg.ForeignKeyViolationError):
                await conn.execute(f"UPDATE {table} SET job_id = $1 WHERE job_id = $2", second.job_id, first.job_id)


async def test_deleting_a_job_or_its_store_deletes_its_items_and_products(pool: asyncpg.Pool) -> None:
    store = await new_store(pool, granted=100)
    other = await new_store(pool, granted=100)
    deleted = await enqueue(pool, store.id, products(3), (Attribute.TITLE, Attribute.SEO_TITLE))
    kept = await enqueue(pool, store.id, products(2), (Attribute.TITLE,))
    of_other = await enqueue(pool, other.id, products(2), (Attribute.TITLE,))

    async def counts(job_id: int) -> tuple[int, int]:
        async with pool.acquire() as conn:
            items = await conn.fetchval("SELECT count(*) FROM job_items WHERE job_id = $1", job_id)
            return items, await conn.fetchval("SELECT count(*) FROM job_products WHERE job_id = $1", job_id)

    async with pool.acquire() as conn:
        await conn.execute("DELETE FROM jobs WHERE id = $1", deleted.job_id)
    assert await counts(deleted.job_id) == (0, 0)
    assert await counts(kept.job_id) == (2, 2)
    async with pool.acquire() as conn:
        await conn.execute("DELETE FROM stores WHERE id = $1", store.id)
    assert await counts(kept.job_id) == (0, 0)
    assert await counts(of_other.job_id) == (2, 2)


async def test_items_name_only_batches_that_exist_and_leave_a_deleted_one(pool: asyncpg.Pool) -> None:
    store = await new_store(pool, granted=100)
    job = await enqueue(pool, store.id, products(2), (Attribute.TITLE,), economy=True)
    async with pool.acquire() as conn:
        batch = await conn.fetchval("INSERT INTO llm_batches DEFAULT VALUES RETURNING id")
        with pytest.raises(asyncpg.ForeignKeyViolationError):
            await conn.execute("UPDATE job_items SET batch_id = $1 WHERE job_id = $2", batch + 1000, job.job_id)
        with pytest.raises(asyncpg.ForeignKeyViolationError):
            await conn.execute(
                "INSERT INTO job_items (job_id, store_id, product_id, seq, attribute, batch_id) "
                "VALUES ($1, $2, 'x', 9, 'title', $3)",
                job.job_id,
                store.id,
                batch + 1000,
            )
        await conn.execute("UPDATE job_items SET batch_id = $1 WHERE job_id = $2", batch, job.job_id)
        await conn.execute(
            "INSERT INTO job_items (job_id, store_id, product_id, seq, attribute, batch_id) "
            "VALUES ($1, $2, 'x', 9, 'title', $3)",
            job.job_id,
            store.id,
            batch,
        )
        assert await conn.fetchval("SELECT count(*) FROM job_items WHERE batch_id = $1", batch) == 3
        await conn.execute("DELETE FROM llm_batches WHERE id = $1", batch)
        assert (
            await conn.fetchval("SELECT count(*) FROM job_items WHERE job_id = $1 AND batch_id IS NULL", job.job_id)
            == 3
        )
