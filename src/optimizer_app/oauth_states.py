"""Single use of OAuth `state` values: a signed state carries a nonce, spent here once."""

from __future__ import annotations

from datetime import timedelta

import asyncpg

from . import sql

Q = sql.load("oauth_states")


async def spend(conn: asyncpg.Connection, *, platform: str, nonce: str, valid_for: timedelta) -> bool:
    """True the first time `nonce` is spent, False on every later try. `valid_for` is how long the
    state it came from can still be presented (after that its signature refuses it anyway)."""
    async with conn.transaction():
        await conn.execute(Q["forget_expired"])
        return await conn.fetchval(Q["spend_state"], nonce, platform, valid_for) is not None
