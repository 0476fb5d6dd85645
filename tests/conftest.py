"""Fixtures: a real PostgreSQL (DATABASE_URL, else an embedded server), one database per test
cloned from a migrated template, and sandboxes served over loopback HTTP."""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from optimizer_app import db, embedded_pg

ROOT = Path(__file__).resolve().parents[1]


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


@pytest.fixture(scope="session")
def admin_database_url() -> Iterator[str]:
    url = os.environ.get("DATABASE_URL")
    if url:
        yield url
        return
    # Not under pytest's basetemp: pytest deletes all but its three newest basetemps, which can be
    # a running session's own when several runs share a machine.
    with (
        tempfile.TemporaryDirectory(prefix="optimizer-pg-") as folder,
        embedded_pg.embedded_server(Path(folder) / "data") as server,
    ):
        yield server.url


@pytest.fixture(scope="session")
def template_database(admin_database_url: str) -> Iterator[str]:
    name = f"optimizer_tpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"

    async def create() -> None:
        conn = await asyncpg.connect(admin_database_url)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        await db.migrate(with_database(admin_database_url, name))

    asyncio.run(create())
    yield name
    asyncio.run(_drop(admin_database_url, name))


async def _drop(admin_url: str, name: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture
async def database_url(admin_database_url: str, template_database: str) -> AsyncIterator[str]:
    name = f"optimizer_t_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(admin_database_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
    finally:
        await conn.close()
    yield with_database(admin_database_url, name)
    await _drop(admin_database_url, name)


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    p = await db.create_pool(database_url, min_size=1, max_size=10)
    yield p
    await p.close()
