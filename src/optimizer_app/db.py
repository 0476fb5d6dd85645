"""PostgreSQL access: the pool and the migrations runner."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import asyncpg

log = logging.getLogger(__name__)

# Any constant works; it only has to be the same in every process that migrates.
_MIGRATION_LOCK_ID = 0x0971_3A1E


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


def migration_files(sql_dir: Path) -> list[Path]:
    return sorted(p for p in sql_dir.glob("*.sql") if p.name[:3].isdigit())


async def migrate(dsn: str, sql_dir: Path) -> list[str]:
    """Apply sql/NNN_*.sql in order, each exactly once; safe when several processes start together."""
    conn = await asyncpg.connect(dsn)
    applied: list[str] = []
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", _MIGRATION_LOCK_ID)
        try:
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")}
            for path in migration_files(sql_dir):
                version = path.stem
                if version in done:
                    continue
                async with conn.transaction():
                    await conn.execute(path.read_text())
                    await conn.execute("INSERT INTO schema_migrations (version) VALUES ($1)", version)
                applied.append(version)
                log.info("applied migration %s", version)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", _MIGRATION_LOCK_ID)
    finally:
        await conn.close()
    return applied


def record_to_dict(record: asyncpg.Record | None) -> dict[str, Any] | None:
    return dict(record) if record is not None else None
