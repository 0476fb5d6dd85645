"""Single use of OAuth `state` values: a signed state carries a nonce, spent here once."""

from __future__ import annotations

from datetime import timedelta

import asyncpg

# -- forget_expired --
_FORGET_EXPIRED = "DELETE FROM oauth_states WHERE expires_at < now()"

# -- spend_state --
_SPEND = """
INSERT INTO oauth_states (nonce, platform, expires_at) VALUES ($1, $2, now() + $3::interval)
ON CONFLICT (nonce) DO NOTHING
RETURNING nonce
"""


async def spend(conn: asyncpg.Connection, *, platform: str, nonce: str, valid_for: timedelta) -> bool:
    """True the first time `nonce` is spent, False on every later try. `valid_for` is how long the
    state it came from can still be presented (after that its signature refuses it anyway)."""
    async with conn.transaction():
        await conn.execute(_FORGET_EXPIRED)
        return await conn.fetchval(_SPEND, nonce, platform, valid_for) is not None
