"""Client-side pacing so a process stays under a platform's documented per-store rate limit,
instead of learning it from 429s. One pacer per (platform, store) for the whole process, kept by
the process's `Pacers`."""

from __future__ import annotations

import asyncio
import time

from ..domain.ratelimit import TokenBucket


class Pacer:
    """Waits for a token of the store's bucket (`rate_per_minute`, bursts up to `burst`) before
    each request. The slot is reserved synchronously, so concurrent tasks queue up in order
    without a lock tied to one event loop."""

    def __init__(self, rate_per_minute: float, burst: int | None = None) -> None:
        capacity = float(burst if burst is not None else max(1, int(rate_per_minute // 6)))
        self.bucket = TokenBucket(rate_per_minute, capacity, time.monotonic())
        self.paused_until = 0.0

    def reserve(self) -> float:
        """Take a slot; returns how long to wait before using it."""
        now = time.monotonic()
        return max(self.bucket.reserve(now), self.paused_until - now)

    async def wait(self) -> None:
        delay = self.reserve()
        if delay > 0:
            await asyncio.sleep(delay)

    def pause_until(self, monotonic_deadline: float) -> None:
        """The platform said to wait (quota spent, Retry-After): no request before the deadline."""
        self.paused_until = max(self.paused_until, monotonic_deadline)


class Pacers:
    """The pacers of one process, one per (platform, store); the process's StoreClients owns it."""

    def __init__(self) -> None:
        self._pacers: dict[tuple[str, str], Pacer] = {}

    def for_store(self, platform: str, store_key: str, rate_per_minute: float) -> Pacer:
        key = (platform, store_key)
        if key not in self._pacers:
            self._pacers[key] = Pacer(rate_per_minute)
        return self._pacers[key]
