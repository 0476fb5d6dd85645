"""PostgreSQL access: the pool, the one place a connection is taken from it (where a database
that cannot be reached becomes `DatabaseUnavailable`), and the migrations runner."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator
from importlib.resources.abc import Traversable
from typing import Any

import asyncpg
import orjson

from . import sql
from .errors import DatabaseUnavailable

log = logging.getLogger(__name__)

# Any constant works; it only has to be the same in every process that migrates.
_MIGRATION_LOCK_ID = 0x0971_3A1E
Q = sql.load("schema_migrations")


def dumps(value: Any) -> bytes:
    # orjson: a 40,000-item enqueue reads 10,000 product snapshots and writes them again (3-4×
    # faster than json). What it cannot encode (an integer beyond 64 bits) goes through json.
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:
        return json.dumps(value).encode()


def loads(data: bytes | str) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)  # an integer beyond 64 bits, which orjson refuses


def _encode_jsonb(value: Any) -> bytes:
    return b"\x01" + dumps(value)


def _decode_jsonb(data: bytes) -> Any:
    return loads(data[1:])


async def _init_connection(conn: asyncpg.Connection) -> None:
    # Binary format so COPY (bulk enqueue) can send jsonb too; the leading byte is jsonb's version.
    await conn.set_type_codec(
        "jsonb", encoder=_encode_jsonb, decoder=_decode_jsonb, schema="pg_catalog", format="binary"
    )
    await conn.set_type_codec("json", encoder=json.dumps, decoder=loads, schema="pg_catalog")


async def connect(dsn: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(dsn)
    await _init_connection(conn)
    return conn


async def _keep_session(conn: asyncpg.Connection) -> None:
    """A connection going back to the pool keeps its session as it is: asyncpg still rolls back a
    transaction left open and drops listeners, but skips its default reset statement (advisory
    locks, cursors, LISTEN, RESET ALL), a round trip on every release, twice per API request.
    Nothing we run on a pooled connection leaves session state behind: settings are SET LOCAL,
    LISTEN has a connection of its own (worker.py), and the one session advisory lock taken on a
    pooled connection (retention.py) is released in a `finally` before the connection returns."""


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        init=_init_connection,
        reset=_keep_session,
        # A restarted server leaves dead connections in the pool; drop them quickly.
        max_inactive_connection_lifetime=60,
    )
    assert pool is not None
    return pool


# The server is down, restarting, refusing or full, or it dropped the connection. Anything else
# (a bad statement, a constraint, a bug) is not "unavailable".
_CONNECTION_LOST = (
    asyncpg.PostgresConnectionError,  # SQLSTATE class 08, incl. ConnectionDoesNotExistError
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
)


@contextlib.asynccontextmanager
async def acquire(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    """A connection of `pool` for the block. A database that cannot be reached, while connecting
    (refused, timed out, a closed pool) or while the block uses the connection, raises
    DatabaseUnavailable; every other error passes unchanged."""
    try:
        conn = await pool.acquire()
    except (OSError, asyncpg.InterfaceError, *_CONNECTION_LOST) as exc:  # TimeoutError is an OSError
        raise _unavailable(exc) from exc
    try:
        yield conn
    except _CONNECTION_LOST as exc:
        raise _unavailable(exc) from exc
    except (asyncpg.InterfaceError, asyncpg.InternalClientError) as exc:
        # A server that ends an idle connection can make the next query fail with either (asyncpg
        # meets the FATAL message mid-query); on a connection still open they are bugs, not outages.
        if not _lost(conn):
            raise
        raise _unavailable(exc) from exc
    finally:
        await pool.release(conn)


def _lost(conn: asyncpg.Connection) -> bool:
    """Whether a connection still held by the block has died."""
    try:
        return bool(conn.is_closed())
    except asyncpg.InterfaceError:
        return True  # the pool detaches a held connection from its proxy only when it dies


def _unavailable(exc: BaseException) -> DatabaseUnavailable:
    # The cause stays in our log: its text (hosts, users, versions) is nobody else's business.
    log.warning("database unavailable: %r", exc)
    return DatabaseUnavailable("The service is temporarily unavailable; try again shortly.")


def migration_files(folder: Traversable = sql.MIGRATIONS) -> list[Traversable]:
    """The numbered migrations (`NNN_*.sql`) of `folder`, in the order they apply."""
    return sorted(
        (f for f in folder.iterdir() if f.name[:3].isdigit() and f.name.endswith(".sql")), key=lambda f: f.name
    )


async def migrate(dsn: str, folder: Traversable = sql.MIGRATIONS) -> list[str]:
    """Apply the migrations shipped in the package (or those of `folder`) in order, each exactly
    once; safe when several processes start together. Returns the versions applied now."""
    conn = await asyncpg.connect(dsn)
    applied: list[str] = []
    try:
        await conn.execute(Q["lock_migrations"], _MIGRATION_LOCK_ID)
        try:
            await conn.execute(Q["create_schema_migrations"])
            done = {r["version"] for r in await conn.fetch(Q["applied_migrations"])}
            for file in migration_files(folder):
                version = file.name.removesuffix(".sql")
                if version in done:
                    continue
                async with conn.transaction():
                    await conn.execute(file.read_text(encoding="utf-8"))
                    await conn.execute(Q["record_migration"], version)
                applied.append(version)
                log.info("applied migration %s", version)
        finally:
            await conn.execute(Q["unlock_migrations"], _MIGRATION_LOCK_ID)
    finally:
        await conn.close()
    return applied
