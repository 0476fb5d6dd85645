"""Per-store API rate limit: `API_RATE_LIMIT_PER_MINUTE` requests a minute per store, with bursts
of a sixth of that; beyond it 429 with Retry-After. The buckets live in each web process, so with
N web instances a store may get up to N times the limit — the limit is there to keep one store
from crowding out the others on an instance, not to meter usage."""

from __future__ import annotations

import time

from ..domain.ratelimit import TokenBucket
from ..errors import RateLimited


class StoreRateLimiter:
    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._buckets: dict[int, TokenBucket] = {}

    def check(self, store_id: int) -> None:
        if self.per_minute <= 0:
            return
        now = time.monotonic()
        bucket = self._buckets.get(store_id)
        if bucket is None:
            bucket = self._buckets[store_id] = TokenBucket(self.per_minute, max(1.0, self.per_minute / 6), now)
        wait = bucket.try_take(now)
        if wait > 0:
            raise RateLimited("Too many requests from this store; slow down.", retry_after=wait)
