"""Fixtures: a real PostgreSQL (DATABASE_URL, else an embedded server), one database per test
cloned from a migrated template, and sandboxes served over loopback HTTP."""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from optimizer_app import db
from tests.factories import admin_database, create_database, drop_database, migrated_database


@pytest.fixture(scope="session")
def admin_database_url() -> Iterator[str]:
    # Not under pytest's basetemp: pytest deletes all but its three newest basetemps, which can be
    # a running session's own when several runs share a machine.
    with (
        tempfile.TemporaryDirectory(prefix="optimizer-pg-") as folder,
        admin_database(Path(folder) / "data") as url,
    ):
        yield url


@pytest.fixture(scope="session")
def template_database(admin_database_url: str) -> Iterator[str]:
    name = f"optimizer_tpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    asyncio.run(migrated_database(admin_database_url, name))
    yield name
    asyncio.run(drop_database(admin_database_url, name))


@pytest.fixture
async def database_url(admin_database_url: str, template_database: str) -> AsyncIterator[str]:
    name = f"optimizer_t_{uuid.uuid4().hex[:12]}"
    yield await create_database(admin_database_url, name, template=template_database)
    await drop_database(admin_database_url, name)


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    p = await db.create_pool(database_url, min_size=1, max_size=10)
    yield p
    await p.close()
