"""Rate limits as token buckets by key.

Per store: `API_RATE_LIMIT_PER_MINUTE` requests a minute, with bursts of a sixth of that; beyond
it 429 with Retry-After. The bucket is a row in PostgreSQL (sql/ratelimit.sql), so the limit holds
for the store across every web process, at the cost of one single-row update per request, made in
the statement that reads the store's row.

Per client address: `CONNECT_ATTEMPTS_PER_10_MINUTES` attempts to connect a WooCommerce site
(each one makes us call an address a stranger chose), all of them at once at most. Kept in each
process's memory: it bounds what one stranger can make one process do.
"""

from __future__ import annotations

import time
from collections.abc import Hashable

import asyncpg

from .. import sql, stores
from ..domain.ratelimit import TokenBucket
from ..errors import RateLimited
from ..stores import Store

Q = sql.load("ratelimit")

# Beyond this many keys, buckets that have refilled are forgotten (they would allow a full burst
# anyway), so a caller cycling through addresses cannot grow the map without bound.
_MAX_KEYS = 50_000


class KeyedRateLimiter:
    def __init__(self, per_minute: float, burst: float, message: str) -> None:
        self.per_minute = per_minute
        self.burst = burst
        self.message = message
        self._buckets: dict[Hashable, TokenBucket] = {}

    def check(self, key: Hashable) -> None:
        if self.per_minute <= 0:
            return
        now = time.monotonic()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= _MAX_KEYS:
                self._forget_refilled(now)
            bucket = self._buckets[key] = TokenBucket(self.per_minute, self.burst, now)
        wait = bucket.try_take(now)
        if wait > 0:
            raise RateLimited(self.message, retry_after=wait)

    def _forget_refilled(self, now: float) -> None:
        for key, bucket in list(self._buckets.items()):
            if bucket.tokens + (now - bucket.updated) * bucket.rate >= bucket.capacity:
                del self._buckets[key]


class StoreRateLimiter:
    """The per-store API limit, one bucket per store shared by every web process."""

    MESSAGE = "Too many requests from this store; slow down."

    def __init__(self, per_minute: int) -> None:
        self.per_second = per_minute / 60.0
        self.burst = max(1.0, per_minute / 6)

    async def check(self, conn: asyncpg.Connection, store_id: int) -> None:
        """RateLimited when the store is over its limit; otherwise one token is taken."""
        await self.store_within_limit(conn, store_id)

    async def store_within_limit(self, conn: asyncpg.Connection, store_id: int) -> Store | None:
        """The store (None when there is none) once a token is taken, RateLimited when there is
        none to take: the limit checked and the store read in one round trip."""
        if self.per_second <= 0:
            return await stores.get(conn, store_id)
        row = await conn.fetchrow(Q["take_token"], store_id, self.per_second, self.burst)
        assert row is not None  # an upsert with RETURNING always answers a row
        if not row["bucket_allowed"]:
            raise RateLimited(self.MESSAGE, retry_after=(1 - row["bucket_tokens"]) / self.per_second)
        return Store.from_row(row) if row["id"] is not None else None


class ConnectRateLimiter(KeyedRateLimiter):
    def __init__(self, per_10_minutes: int) -> None:
        super().__init__(
            per_10_minutes / 10,
            per_10_minutes,
            "Too many attempts to connect a site from this address; wait a few minutes and try again.",
        )
