"""Stores: installation, tokens, settings, plans and the monthly credit reset (their SQL lives here).

Every change of a store's credits writes a credit_ledger row in the same transaction, so that for
every store sum(credit_ledger.delta) = credits_total - credits_used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg

from . import queue
from .domain.plans import FREE_PLAN, add_months, next_reset_on

# -- find_store --
_FIND = "SELECT * FROM stores WHERE platform = $1 AND external_id = $2"

# -- first_store_of_platform --
_FIRST_OF_PLATFORM = "SELECT * FROM stores WHERE platform = $1 AND uninstalled_at IS NULL ORDER BY id LIMIT 1"

# -- get_store --
_GET = "SELECT * FROM stores WHERE id = $1"

# -- insert_store --
# A new installation on the free plan; nothing when the store already exists.
_INSERT = """
INSERT INTO stores (platform, external_id, display_name, plan_id, credits_total, credits_reset_on)
SELECT $1, $2, $3, p.id, p.monthly_credits, $4 FROM plans p WHERE p.id = $5
ON CONFLICT (platform, external_id) DO NOTHING
RETURNING id, credits_total
"""

# -- claim_free_grant --
# The first store of a site takes its free credits; a later one gets nothing back.
_CLAIM_GRANT = """
INSERT INTO free_grants (platform, site_key, store_id) VALUES ($1, $2, $3)
ON CONFLICT DO NOTHING
RETURNING store_id
"""

# -- without_free_credits --
# A store whose site had its free credits already: none now, none at the monthly reset on free.
_WITHOUT_FREE_CREDITS = "UPDATE stores SET credits_total = 0, free_credits = false WHERE id = $1"

# -- reinstall_store --
# The history and the credit balance stay: reinstalling must not mint free credits.
_REINSTALL = """
UPDATE stores SET uninstalled_at = NULL, installed_at = now(), needs_reauth = false
WHERE id = $1 AND uninstalled_at IS NOT NULL
"""

# -- new_session_version --
# Reinstalled or reconnected: the app sessions handed out before no longer open the store.
_NEW_SESSION_VERSION = "UPDATE stores SET session_version = session_version + 1 WHERE id = $1"

# -- save_tokens --
_SAVE_TOKENS = """
UPDATE stores SET access_token_enc = $2, refresh_token_enc = coalesce($3, refresh_token_enc),
                  token_expires_at = $4, needs_reauth = false
WHERE id = $1
"""

# -- uninstall_store --
_UNINSTALL = """
UPDATE stores SET uninstalled_at = now(), access_token_enc = NULL, refresh_token_enc = NULL,
                  token_expires_at = NULL, session_version = session_version + 1
WHERE id = $1
"""

# -- name_store --
# Only a store without a name: a name the owner already sees is not replaced behind their back.
_NAME_STORE = "UPDATE stores SET display_name = $2 WHERE id = $1 AND display_name = ''"

# -- update_settings --
_UPDATE_SETTINGS = "UPDATE stores SET settings = $2 WHERE id = $1 RETURNING settings"

# -- lock_store --
_LOCK = "SELECT * FROM stores WHERE id = $1 FOR NO KEY UPDATE"

# -- mark_needs_reauth --
# The platform refused our refresh token: the owner must authorise the app again.
_NEEDS_REAUTH = "UPDATE stores SET needs_reauth = true, access_token_enc = NULL WHERE id = $1"

# -- change_plan --
# The new plan's monthly credits replace the old plan's; credits already used stay used.
_CHANGE_PLAN = """
UPDATE stores s
SET plan_id = p.id, plan_cycle = $3, plan_ends_on = NULL,
    credits_total = greatest(p.monthly_credits, s.credits_used)
FROM plans p
WHERE s.id = $1 AND p.id = $2
RETURNING s.credits_total
"""

# -- plan_ends --
_PLAN_ENDS = "UPDATE stores SET plan_ends_on = $2 WHERE id = $1"

# -- stores_due_for_reset --
_DUE_FOR_RESET = """
SELECT id FROM stores
WHERE credits_reset_on <= $1 AND uninstalled_at IS NULL
ORDER BY id
LIMIT $2
"""

# -- reset_credits --
# Only while still due, so two maintenance runs reset a store once.
_RESET = """
UPDATE stores s
SET credits_used = 0, credits_reset_on = $3, plan_id = p.id,
    credits_total = CASE WHEN p.id = 'free' AND NOT s.free_credits THEN 0 ELSE p.monthly_credits END,
    plan_ends_on = CASE WHEN s.plan_ends_on <= $2 THEN NULL ELSE s.plan_ends_on END
FROM plans p
WHERE s.id = $1 AND s.credits_reset_on <= $2
  AND p.id = CASE WHEN s.plan_ends_on IS NOT NULL AND s.plan_ends_on <= $2 THEN 'free' ELSE s.plan_id END
RETURNING s.credits_total
"""

# -- ledger_entry --
_LEDGER = "INSERT INTO credit_ledger (store_id, delta, reason, job_id) VALUES ($1, $2, $3, NULL)"

# -- grant_credits --
_GRANT = "UPDATE stores SET credits_total = credits_total + $2 WHERE id = $1"

# -- record_webhook --
# First delivery of an event id wins; a replay inserts nothing.
_RECORD_WEBHOOK = """
INSERT INTO webhook_events (platform, event_id, event_type, store_id) VALUES ($1, $2, $3, $4)
ON CONFLICT DO NOTHING
RETURNING event_id
"""

# -- ledger_balance --
_LEDGER_BALANCE = """
SELECT s.credits_total - s.credits_used AS balance, coalesce(sum(l.delta), 0) AS ledger
FROM stores s LEFT JOIN credit_ledger l ON l.store_id = s.id
WHERE s.id = $1
GROUP BY s.id
"""


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

    @property
    def credits_remaining(self) -> int:
        return max(0, self.credits_total - self.credits_used)

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
        )


async def find(conn: asyncpg.Connection, platform: str, external_id: str) -> Store | None:
    row = await conn.fetchrow(_FIND, platform, external_id)
    return Store.from_row(row) if row else None


async def get(conn: asyncpg.Connection, store_id: int) -> Store | None:
    row = await conn.fetchrow(_GET, store_id)
    return Store.from_row(row) if row else None


async def first_of_platform(conn: asyncpg.Connection, platform: str) -> Store | None:
    """The oldest installed store of a platform (the demo's own)."""
    row = await conn.fetchrow(_FIRST_OF_PLATFORM, platform)
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
        row = await conn.fetchrow(_INSERT, platform, external_id, display_name, add_months(today, 1), FREE_PLAN)
        if row is not None:
            store_id = row["id"]
            if grant_key is None or await conn.fetchval(_CLAIM_GRANT, platform, grant_key, store_id) is not None:
                await conn.execute(_LEDGER, store_id, row["credits_total"], "plan_grant")
            else:
                await conn.execute(_WITHOUT_FREE_CREDITS, store_id)
        else:
            existing = await conn.fetchrow(_FIND, platform, external_id)
            store_id = existing["id"]
            await conn.execute(_REINSTALL, store_id)
            await conn.execute(_NEW_SESSION_VERSION, store_id)
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
    await conn.execute(_SAVE_TOKENS, store_id, access_token_enc, refresh_token_enc, expires_at)


async def lock(conn: asyncpg.Connection, store_id: int) -> Store | None:
    """The store, row-locked until the surrounding transaction ends."""
    row = await conn.fetchrow(_LOCK, store_id)
    return Store.from_row(row) if row else None


async def mark_needs_reauth(conn: asyncpg.Connection, store_id: int) -> None:
    await conn.execute(_NEEDS_REAUTH, store_id)


async def uninstall(conn: asyncpg.Connection, store_id: int) -> int:
    """Wipe tokens, cancel and refund every open job. Returns the credits refunded."""
    async with conn.transaction():
        refunded = await queue.cancel_store_jobs(conn, store_id=store_id)
        await conn.execute(_UNINSTALL, store_id)
    return refunded


# -- sealed_tokens_page --
# The next stores after id $1 holding encrypted tokens (key rotation walks them in id order).
_SEALED_TOKENS_PAGE = """
SELECT id, access_token_enc, refresh_token_enc FROM stores
WHERE id > $1 AND (access_token_enc IS NOT NULL OR refresh_token_enc IS NOT NULL)
ORDER BY id
LIMIT $2
"""

# -- reseal_tokens --
# Only where the ciphertexts are still those that were read: a token refreshed meanwhile is newer
# than the one re-encrypted, and must stay (the next rotation run re-encrypts it).
_RESEAL_TOKENS = """
UPDATE stores s SET access_token_enc = u.access, refresh_token_enc = u.refresh
FROM unnest($1::bigint[], $2::bytea[], $3::bytea[], $4::bytea[], $5::bytea[])
     AS u(id, old_access, old_refresh, access, refresh)
WHERE s.id = u.id
  AND s.access_token_enc IS NOT DISTINCT FROM u.old_access
  AND s.refresh_token_enc IS NOT DISTINCT FROM u.old_refresh
"""


async def reseal_tokens(
    conn: asyncpg.Connection, reencrypt: Callable[[bytes], bytes | None], *, batch_size: int = 500
) -> int:
    """Re-encrypt every store's tokens with `reencrypt` (None: already current), one statement per
    batch of stores. Returns how many stores changed; a second run changes none."""
    changed, after = 0, 0
    while rows := await conn.fetch(_SEALED_TOKENS_PAGE, after, batch_size):
        after = rows[-1]["id"]
        updates: list[tuple[int, bytes | None, bytes | None, bytes | None, bytes | None]] = []
        for row in rows:
            old_access, old_refresh = row["access_token_enc"], row["refresh_token_enc"]
            access = reencrypt(old_access) if old_access is not None else None
            refresh = reencrypt(old_refresh) if old_refresh is not None else None
            if access is not None or refresh is not None:
                updates.append((row["id"], old_access, old_refresh, access or old_access, refresh or old_refresh))
        if updates:
            result: str = await conn.execute(_RESEAL_TOKENS, *map(list, zip(*updates, strict=True)))
            changed += int(result.split()[-1])
    return changed


async def name_store(conn: asyncpg.Connection, store_id: int, name: str) -> None:
    await conn.execute(_NAME_STORE, store_id, name)


async def update_settings(conn: asyncpg.Connection, store_id: int, settings: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = await conn.fetchval(_UPDATE_SETTINGS, store_id, settings)
    return result


async def change_plan(conn: asyncpg.Connection, store_id: int, plan_id: str, *, cycle: str | None = None) -> int:
    """Move the store to `plan_id` now; returns the ledger delta written (may be negative)."""
    async with conn.transaction():
        before = await conn.fetchrow(_LOCK, store_id)
        total = await conn.fetchval(_CHANGE_PLAN, store_id, plan_id, cycle)
        if total is None:
            raise ValueError(f"unknown plan {plan_id!r}")
        delta = int(total) - int(before["credits_total"])
        if delta:
            await conn.execute(_LEDGER, store_id, delta, f"plan_change:{plan_id}")
    return delta


async def schedule_plan_end(conn: asyncpg.Connection, store_id: int, ends_on: date | None) -> None:
    """Auto-renewal cancelled: the plan stays until `ends_on`, then the reset moves it to free."""
    await conn.execute(_PLAN_ENDS, store_id, ends_on)


async def reset_due_credits(conn: asyncpg.Connection, *, today: date, limit: int = 500) -> int:
    """Monthly reset for every store whose reset date has come; each store once."""
    count = 0
    for row in await conn.fetch(_DUE_FOR_RESET, today, limit):
        async with conn.transaction():
            before = await conn.fetchrow(_LOCK, row["id"])
            if before is None or before["credits_reset_on"] > today:
                continue
            new_reset = next_reset_on(before["credits_reset_on"], today)
            total = await conn.fetchval(_RESET, row["id"], today, new_reset)
            if total is None:
                continue
            delta = int(total) - (before["credits_total"] - before["credits_used"])
            await conn.execute(_LEDGER, row["id"], delta, "monthly_reset")
            count += 1
    return count


async def grant_credits(conn: asyncpg.Connection, store_id: int, credits: int, *, reason: str) -> None:
    """Extra credits on top of the plan's (support gestures, load tests), written to the ledger."""
    async with conn.transaction():
        await conn.execute(_GRANT, store_id, credits)
        await conn.execute(_LEDGER, store_id, credits, reason)


async def record_webhook(
    conn: asyncpg.Connection, *, platform: str, event_id: str, event_type: str, store_id: int | None
) -> bool:
    """True the first time an event id is seen; False for a replay."""
    return await conn.fetchval(_RECORD_WEBHOOK, platform, event_id, event_type, store_id) is not None


async def ledger_balance(conn: asyncpg.Connection, store_id: int) -> tuple[int, int]:
    """(credits_total - credits_used, sum of the ledger): equal for a healthy store."""
    row = await conn.fetchrow(_LEDGER_BALANCE, store_id)
    return int(row["balance"]), int(row["ledger"])


# -- remember_subscription --
# A billing subscription the app created for a store, with the plan it was created for.
_REMEMBER_SUBSCRIPTION = """
INSERT INTO platform_subscriptions (platform, subscription_id, store_id, plan_id) VALUES ($1, $2, $3, $4)
ON CONFLICT (platform, subscription_id) DO NOTHING
"""

# -- subscription_owner --
_SUBSCRIPTION_OWNER = """
SELECT store_id, plan_id FROM platform_subscriptions WHERE platform = $1 AND subscription_id = $2
"""


async def remember_subscription(
    conn: asyncpg.Connection, store_id: int, *, platform: str, subscription_id: str, plan_id: str
) -> None:
    await conn.execute(_REMEMBER_SUBSCRIPTION, platform, subscription_id, store_id, plan_id)


async def subscription_owner(conn: asyncpg.Connection, platform: str, subscription_id: str) -> tuple[int, str] | None:
    """(store id, plan id) of a subscription the app created; None for one it never created."""
    row = await conn.fetchrow(_SUBSCRIPTION_OWNER, platform, subscription_id)
    return (int(row["store_id"]), str(row["plan_id"])) if row is not None else None


# -- redact_store --
# Erase a store and everything it owns (jobs, items, snapshots, logs, ledger: ON DELETE CASCADE);
# webhook_events keep only the event ids, their store_id set to NULL.
_REDACT = "DELETE FROM stores WHERE id = $1"


async def redact(conn: asyncpg.Connection, store_id: int) -> bool:
    """Delete the store's data for good (a platform's shop-redact request). True if it existed."""
    result: str = await conn.execute(_REDACT, store_id)
    return result.endswith(" 1")
