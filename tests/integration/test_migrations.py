"""The migrations runner: every file once, in order, even when processes start together."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from optimizer_app import db
from tests.conftest import SQL_DIR, _drop, with_database


@pytest.fixture
async def empty_database(admin_database_url: str) -> AsyncIterator[str]:
    name = f"optimizer_m_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(admin_database_url)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    yield with_database(admin_database_url, name)
    await _drop(admin_database_url, name)


async def test_concurrent_migrate_applies_each_file_once(empty_database: str) -> None:
    results = await asyncio.gather(*(db.migrate(empty_database, SQL_DIR) for _ in range(4)))
    applied = [v for r in results for v in r]
    expected = [p.stem for p in db.migration_files(SQL_DIR)]
    assert sorted(applied) == sorted(expected)
    assert await db.migrate(empty_database, SQL_DIR) == []
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
