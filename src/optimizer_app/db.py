"""PostgreSQL access: the pool and the migrations runner."""

from __future__ import annotations

import json
import logging
from importlib.resources.abc import Traversable
from typing import Any

import asyncpg

from . import sql

log = logging.getLogger(__name__)

# Any constant works; it only has to be the same in every process that migrates.
_MIGRATION_LOCK_ID = 0x0971_3A1E
Q = sql.load("schema_migrations")


def _encode_jsonb(value: Any) -> bytes:
    return b"\x01" + json.dumps(value).encode()


def _decode_jsonb(data: bytes) -> Any:
    return json.loads(data[1:])


async def _init_connection(conn: asyncpg.Connection) -> None:
    # Binary format so COPY (bulk enqueue) can send jsonb too; the leading byte is jsonb's version.
    await conn.set_type_codec(
        "jsonb", encoder=_encode_jsonb, decoder=_decode_jsonb, schema="pg_catalog", format="binary"
    )
    await conn.set_type_codec("json", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def connect(dsn: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(dsn)
    await _init_connection(conn)
    return conn


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        init=_init_connection,
        # A restarted server leaves dead connections in the pool; drop them quickly.
        max_inactive_connection_lifetime=60,
    )
    assert pool is not None
    return pool


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
