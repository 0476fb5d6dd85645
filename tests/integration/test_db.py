"""db.acquire: the one place a database that cannot be reached becomes DatabaseUnavailable (503),
while every other error, an OSError included, passes unchanged (a 500)."""

from __future__ import annotations

import asyncio
import socket

import asyncpg
import pytest

from optimizer_app import db
from optimizer_app.errors import DatabaseUnavailable


def refused_url() -> str:
    """A loopback port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"postgresql://postgres@127.0.0.1:{port}/nothing"


async def test_a_refused_connection_is_database_unavailable() -> None:
    pool = await db.create_pool(refused_url(), min_size=0, max_size=1)
    try:
        with pytest.raises(DatabaseUnavailable) as raised:
            async with db.acquire(pool):
                pass
        assert isinstance(raised.value.__cause__, OSError)
        assert raised.value.status == 503 and raised.value.code == "unavailable"
    finally:
        await pool.close()


async def test_a_closed_pool_is_database_unavailable(database_url: str) -> None:
    pool = await db.create_pool(database_url, min_size=1, max_size=1)
    await pool.close()
    with pytest.raises(DatabaseUnavailable):
        async with db.acquire(pool):
            pass


async def test_a_connection_the_server_ends_mid_block_is_database_unavailable(pool: asyncpg.Pool) -> None:
    with pytest.raises(DatabaseUnavailable):
        async with db.acquire(pool) as conn:
            pid = await conn.fetchval("SELECT pg_backend_pid()")
            async with db.acquire(pool) as other:
                await other.execute("SELECT pg_terminate_backend($1)", pid)
            await conn.fetchval("SELECT 1")
    async with db.acquire(pool) as conn:  # the pool replaces the dead connection
        assert await conn.fetchval("SELECT 1") == 1


async def test_other_errors_in_the_block_pass_unchanged(pool: asyncpg.Pool) -> None:
    with pytest.raises(asyncpg.UndefinedTableError):
        async with db.acquire(pool) as conn:
            await conn.fetch("SELECT * FROM no_such_table")
    with pytest.raises(asyncpg.InterfaceError, match="another operation is in progress"):
        async with db.acquire(pool) as conn:  # a misuse of a live connection is a bug, not an outage
            both = await asyncio.gather(
                conn.fetch("SELECT pg_sleep(0.05)"), conn.fetch("SELECT 1"), return_exceptions=True
            )
            raise next(r for r in both if isinstance(r, BaseException))
    for error in (TimeoutError("an outbound call timed out"), FileNotFoundError("/no/such/file")):
        with pytest.raises(type(error)):
            async with db.acquire(pool):
                raise error
    async with db.acquire(pool) as conn:
        assert await conn.fetchval("SELECT 1") == 1
