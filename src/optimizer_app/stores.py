"""Stores: installation, tokens, settings, plans' end dates, webhook dedupe and erasure
(statements in sql/stores.sql). Their credits move through `credits`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import asyncpg

from . import credits, queue, sql
from .domain.plans import FREE_PLAN, add_months, remaining

Q = sql.load("stores")


@dataclass(frozen=True)
class Store:
    id: int
    platform: str
    external_id: str
    display_name: str
    plan_id: str
    credits_total: int
    credits_used: int
    credits_reset_on: date
    settings: dict[str, Any]
    installed: bool
    needs_reauth: bool
    access_token_enc: bytes | None
    refresh_token_enc: bytes | None
    token_expires_at: datetime | None
    plan_ends_on: date | None
    session_version: int
    # Wix: the site's Stores catalog (V1_CATALOG / V3_CATALOG) once asked; None until then.
    catalog_version: str | None = None
    site_facts: dict[str, Any] = field(default_factory=dict)  # see migration 012

    @property
    def credits_remaining(self) -> int:
        return remaining(self.credits_total, self.credits_used)

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> Store:
        return cls(
            id=row["id"],
            platform=row["platform"],
            external_id=row["external_id"],
            display_name=row["display_name"],
            plan_id=row["plan_id"],
            credits_total=row["credits_total"],
            credits_used=row["credits_used"],
            credits_reset_on=row["credits_reset_on"],
            settings=row["settings"] or {},
            installed=row["uninstalled_at"] is None,
            needs_reauth=row["needs_reauth"],
            access_token_enc=row["access_token_enc"],
            refresh_token_enc=row["refresh_token_enc"],
            token_expires_at=row["token_expires_at"],
            plan_ends_on=row["plan_ends_on"],
            session_version=row["session_version"],
            catalog_version=row.get("catalog_version"),
            site_facts=row.get("site_facts") or {},  # absent from a schema before migration 012
        )


async def find(conn: asyncpg.Connection, platform: str, external_id: str) -> Store | None:
    row = await conn.fetchrow(Q["find_store"], platform, external_id)
    return Store.from_row(row) if row else None


async def get(conn: asyncpg.Connection, store_id: int) -> Store | None:
    row = await conn.fetchrow(Q["get_store"], store_id)
    return Store.from_row(row) if row else None


async def first_of_platform(conn: asyncpg.Connection, platform: str) -> Store | None:
    """The oldest installed store of a platform (the demo's own)."""
    row = await conn.fetchrow(Q["first_store_of_platform"], platform)
    return Store.from_row(row) if row else None


async def install(
    conn: asyncpg.Connection,
    *,
    platform: str,
    external_id: str,
    display_name: str,
    today: date,
    grant_key: str | None = None,
) -> Store:
    """Create the store on the free plan with its credits (ledger: plan_grant), or reactivate
    an uninstalled one. Safe when two first opens race: one insert wins, one grant is written.
    With `grant_key` (the site, when one site can be reached under several external ids) the
    free credits go to the first store of that site only.
    An existing store is being reinstalled or reconnected: its earlier app sessions end."""
    async with conn.transaction():
        store_id = await conn.fetchval(
            Q["insert_store"], platform, external_id, display_name, add_months(today, 1), FREE_PLAN
        )
        if store_id is not None:
            if (
                grant_key is None
                or await conn.fetchval(Q["claim_free_grant"], platform, grant_key, store_id) is not None
            ):
                await credits.grant_first_month(conn, store_id)
            else:
                await conn.execute(Q["without_free_credits"], store_id)
        else:
            existing = await conn.fetchrow(Q["find_store"], platform, external_id)
            store_id = existing["id"]
            await conn.execute(Q["reinstall_store"], store_id)
            await conn.execute(Q["new_session_version"], store_id)
        store = await get(conn, store_id)
    assert store is not None
    return store


async def save_tokens(
    conn: asyncpg.Connection,
    store_id: int,
    *,
    access_token_enc: bytes,
    expires_at: datetime | None,
    refresh_token_enc: bytes | None = None,
) -> None:
    await conn.execute(Q["save_tokens"], store_id, access_token_enc, refresh_token_enc, expires_at)


async def lock(conn: asyncpg.Connection, store_id: int) -> Store | None:
    """The store, row-locked until the surrounding transaction ends."""
    row = await conn.fetchrow(Q["lock_store"], store_id)
    return Store.from_row(row) if row else None


async def mark_needs_reauth(conn: asyncpg.Connection, store_id: int) -> None:
    await conn.execute(Q["mark_needs_reauth"], store_id)


async def uninstall(conn: asyncpg.Connection, store_id: int) -> int:
    """Wipe tokens, cancel and refund every open job. Returns the credits refunded."""
    async with conn.transaction():
        refunded = await queue.cancel_store_jobs(conn, store_id=store_id)
        await conn.execute(Q["uninstall_store"], store_id)
    return refunded


async def reseal_tokens(
    conn: asyncpg.Connection, reencrypt: Callable[[bytes], bytes | None], *, batch_size: int = 500
) -> int:
    """Re-encrypt every store's tokens with `reencrypt` (None: already current), one statement per
    batch of stores. Returns how many stores changed; a second run changes none."""
    changed, after = 0, 0
    while rows := await conn.fetch(Q["sealed_tokens_page"], after, batch_size):
        after = rows[-1]["id"]
        updates: list[tuple[int, bytes | None, bytes | None, bytes | None, bytes | None]] = []
        for row in rows:
            old_access, old_refresh = row["access_token_enc"], row["refresh_token_enc"]
            access = reencrypt(old_access) if old_access is not None else None
            refresh = reencrypt(old_refresh) if old_refresh is not None else None
            if access is not None or refresh is not None:
                updates.append((row["id"], old_access, old_refresh, access or old_access, refresh or old_refresh))
        if updates:
            result: str = await conn.execute(Q["reseal_tokens"], *map(list, zip(*updates, strict=True)))
            changed += int(result.split()[-1])
    return changed


async def name_store(conn: asyncpg.Connection, store_id: int, name: str) -> None:
    await conn.execute(Q["name_store"], store_id, name)


async def update_settings(conn: asyncpg.Connection, store_id: int, settings: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = await conn.fetchval(Q["update_settings"], store_id, settings)
    return result


async def remember_catalog_version(conn: asyncpg.Connection, store_id: int, version: str) -> None:
    await conn.execute(Q["remember_catalog_version"], store_id, version)


async def merge_site_facts(conn: asyncpg.Connection, store_id: int, facts: dict[str, Any]) -> dict[str, Any]:
    """Remember what was learned of the store's site (see migration 012), over what was known."""
    result: dict[str, Any] = await conn.fetchval(Q["merge_site_facts"], store_id, facts)
    return result


async def schedule_plan_end(conn: asyncpg.Connection, store_id: int, ends_on: date | None) -> None:
    """Auto-renewal cancelled: the plan stays until `ends_on`, then the reset moves it to free."""
    await conn.execute(Q["plan_ends"], store_id, ends_on)


async def record_webhook(
    conn: asyncpg.Connection, *, platform: str, event_id: str, event_type: str, store_id: int | None
) -> bool:
    """True the first time an event id is seen; False for a replay."""
    return await conn.fetchval(Q["record_webhook"], platform, event_id, event_type, store_id) is not None


async def remember_subscription(
    conn: asyncpg.Connection, store_id: int, *, platform: str, subscription_id: str, plan_id: str
) -> None:
    await conn.execute(Q["remember_subscription"], platform, subscription_id, store_id, plan_id)


async def subscription_owner(conn: asyncpg.Connection, platform: str, subscription_id: str) -> tuple[int, str] | None:
    """(store id, plan id) of a subscription the app created; None for one it never created."""
    row = await conn.fetchrow(Q["subscription_owner"], platform, subscription_id)
    return (int(row["store_id"]), str(row["plan_id"])) if row is not None else None


async def store_subscription(
    conn: asyncpg.Connection, store_id: int, *, platform: str, subscription_id: str
) -> tuple[str, datetime] | None:
    """(plan id, created at) of a subscription the app created for this store; None otherwise."""
    row = await conn.fetchrow(Q["store_subscription"], platform, subscription_id, store_id)
    return (str(row["plan_id"]), row["created_at"]) if row is not None else None


async def redact(conn: asyncpg.Connection, store_id: int) -> bool:
    """Delete the store's data for good (a platform's shop-redact request). True if it existed."""
    result: str = await conn.execute(Q["redact_store"], store_id)
    return result.endswith(" 1")
