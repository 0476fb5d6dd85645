"""The migrations runner: every file once, in order, even when processes start together."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from optimizer_app import db
from tests.factories import create_database, drop_database, new_store, products


@pytest.fixture
async def empty_database(admin_database_url: str) -> AsyncIterator[str]:
    name = f"optimizer_m_{uuid.uuid4().hex[:10]}"
    yield await create_database(admin_database_url, name)
    await drop_database(admin_database_url, name)


async def test_concurrent_migrate_applies_each_file_once(empty_database: str) -> None:
    results = await asyncio.gather(*(db.migrate(empty_database) for _ in range(4)))
    applied = [v for r in results for v in r]
    expected = [p.name.removesuffix(".sql") for p in db.migration_files()]
    assert sorted(applied) == sorted(expected)
    assert await db.migrate(empty_database) == []
    conn = await asyncpg.connect(empty_database)
    try:
        versions = [r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations ORDER BY version")]
        plans = {r["id"]: r["monthly_credits"] for r in await conn.fetch("SELECT id, monthly_credits FROM plans")}
    finally:
        await conn.close()
    assert versions == expected
    assert plans == {"free": 100, "starter": 1000, "pro": 5000, "scale": 25000}


async def test_a_failing_migration_leaves_nothing_half_applied(empty_database: str, tmp_path: Path) -> None:
    folder = tmp_path
    (folder / "001_ok.sql").write_text("CREATE TABLE a (id int);")
    (folder / "002_broken.sql").write_text("CREATE TABLE b (id int); SELECT no_such_function();")
    with pytest.raises(asyncpg.PostgresError):
        await db.migrate(empty_database, folder)
    conn = await asyncpg.connect(empty_database)
    try:
        versions = [r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")]
        has_b = await conn.fetchval("SELECT to_regclass('b') IS NOT NULL")
    finally:
        await conn.close()
    assert versions == ["001_ok"] and not has_b


async def test_existing_publish_logs_get_their_titles_and_failed_items_their_reasons(
    empty_database: str, tmp_path: Path
) -> None:
    for path in db.migration_files():
        if path.name < "006":
            (tmp_path / path.name).write_text(path.read_text())
    await db.migrate(empty_database, tmp_path)
    pool = await db.create_pool(empty_database, max_size=2)
    try:
        store = await new_store(pool)
        async with pool.acquire() as conn:
            # Written as the code of that time did: today's enqueue needs today's columns.
            job_id = await conn.fetchval(
                "INSERT INTO jobs (store_id, source_scope, source_ids, attributes, target_lang, credits_charged,"
                " items_total) VALUES ($1, 'products', '{p0}', '{title,seo_title}', 'en', 2, 2) RETURNING id",
                store.id,
            )
            await conn.execute(
                "INSERT INTO job_products (job_id, product_id, snapshot) VALUES ($1, 'p0', $2)",
                job_id,
                products(1)[0].to_snapshot(),
            )
            await conn.execute(
                "INSERT INTO job_items (job_id, store_id, product_id, seq, attribute)"
                " VALUES ($1, $2, 'p0', 0, 'title'), ($1, $2, 'p0', 0, 'seo_title')",
                job_id,
                store.id,
            )
            title, seo = await conn.fetch("SELECT id, product_id FROM job_items WHERE job_id = $1 ORDER BY id", job_id)
            failed = "UPDATE job_items SET status = 'FAILED', error = $2 WHERE id = $1"
            await conn.execute(failed, title["id"], "the answer left this field out")
            await conn.execute(failed, seo["id"], "The AI service is busy: rate limited")
            await conn.execute(
                "INSERT INTO publish_logs (store_id, job_item_id, product_id, attribute, old_value, new_value)"
                " VALUES ($1, $2, $3, 'title', 'old', 'new')",
                store.id,
                title["id"],
                title["product_id"],
            )
        for path in db.migration_files():
            (tmp_path / path.name).write_text(path.read_text())
        await db.migrate(empty_database, tmp_path)
        async with pool.acquire() as conn:
            reasons = [r["reason"] for r in await conn.fetch("SELECT reason FROM job_items ORDER BY id")]
            logged_title = await conn.fetchval("SELECT product_title FROM publish_logs")
    finally:
        await pool.close()
    assert reasons == ["left_out", None]
    assert logged_title == products(1)[0].title


async def test_the_trail_begins_with_the_jobs_and_publish_log_of_before_in_the_order_they_happened(
    empty_database: str, tmp_path: Path
) -> None:
    for path in db.migration_files():
        if path.name < "028":
            (tmp_path / path.name).write_text(path.read_text())
    await db.migrate(empty_database, tmp_path)
    pool = await db.create_pool(empty_database, max_size=2)
    try:
        store, other = await new_store(pool), await new_store(pool)
        async with pool.acquire() as conn:
            job_id = await conn.fetchval(
                "INSERT INTO jobs (store_id, source_scope, source_ids, attributes, target_lang, credits_charged,"
                " items_total, number, created_at) VALUES ($1, 'products', '{p0}', '{title,seo_title}', 'en', 2, 2,"
                " 1, now() - interval '3 days') RETURNING id",
                store.id,
            )
            await conn.execute(
                "INSERT INTO job_items (job_id, store_id, product_id, seq, attribute)"
                " VALUES ($1, $2, 'p0', 0, 'title'), ($1, $2, 'p0', 0, 'seo_title')",
                job_id,
                store.id,
            )
            title, seo = [r["id"] for r in await conn.fetch("SELECT id FROM job_items ORDER BY id")]
            log = (
                "INSERT INTO publish_logs (store_id, job_item_id, product_id, attribute, old_value, new_value,"
                " published_at, actor_user, reverted_at, reverted_by_kind, restored_from)"
                " VALUES ($1, $2, 'p0', $3, 'old', 'new', now() - $4::text::interval, 'u1',"
                " now() - $5::text::interval, $6, $7)"
                " RETURNING id"
            )
            published = await conn.fetchval(log, store.id, title, "title", "2 days", "1 day", "owner", None)
            kept = await conn.fetchval(log, store.id, seo, "seo_title", "2 days", None, None, None)
            restored = await conn.fetchval(log, store.id, None, "title", "12 hours", None, None, published)
            # A store whose trail has begun keeps it as it is.
            await conn.execute(
                "INSERT INTO publish_logs (store_id, product_id, attribute, old_value, new_value)"
                " VALUES ($1, 'q', 'title', 'a', 'b')",
                other.id,
            )
            await conn.execute(
                "INSERT INTO activity (store_id, actor_kind, action) VALUES ($1, 'owner', 'published')", other.id
            )
        for path in db.migration_files():
            (tmp_path / path.name).write_text(path.read_text())
        await db.migrate(empty_database, tmp_path)
        async with pool.acquire() as conn:
            rows = await conn.fetch("SELECT * FROM activity WHERE store_id = $1 ORDER BY id", store.id)
            others = await conn.fetchval("SELECT count(*) FROM activity WHERE store_id = $1", other.id)
    finally:
        await pool.close()
    assert [(r["action"], r["actor_kind"], r["actor_user"], r["job_id"], r["publish_log_id"]) for r in rows] == [
        ("job_created", "owner", None, job_id, None),
        ("published", "owner", "u1", job_id, published),
        ("published", "owner", "u1", job_id, kept),
        ("reverted", "owner", None, job_id, published),
        ("restored", "owner", "u1", None, restored),
    ]
    assert [r["detail"] for r in rows] == [
        {"products": 1, "fields": 2},
        {"attribute": "title"},
        {"attribute": "seo_title"},
        {"attribute": "title"},
        {"attribute": "title", "restored_from": published},
    ]
    assert [r["at"] for r in rows] == sorted(r["at"] for r in rows)
    assert others == 1
