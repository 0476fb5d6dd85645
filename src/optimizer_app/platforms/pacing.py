"""Client-side pacing so a process stays under a platform's documented per-store rate limit,
instead of learning it from 429s. One pacer per (platform, store) for the whole process."""

from __future__ import annotations

import asyncio
import time


class Pacer:
    """A token bucket: `rate_per_minute` requests a minute, bursts up to `burst`.

    Each request reserves its slot synchronously (no await between reading and taking a token),
    so concurrent tasks queue up in order without a lock tied to one event loop."""

    def __init__(self, rate_per_minute: float, burst: int | None = None) -> None:
        self.rate = rate_per_minute / 60.0
        self.capacity = float(burst if burst is not None else max(1, int(rate_per_minute // 6)))
        self.tokens = self.capacity
        self.updated = time.monotonic()
        self.paused_until = 0.0

    def reserve(self) -> float:
        """Take a slot; returns how long to wait before using it."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        self.tokens -= 1
        debt = -self.tokens / self.rate if self.tokens < 0 else 0.0
        return max(debt, self.paused_until - now)

    async def wait(self) -> None:
        delay = self.reserve()
        if delay > 0:
            await asyncio.sleep(delay)

    def pause_until(self, monotonic_deadline: float) -> None:
        """The platform said to wait (quota spent, Retry-After): no request before the deadline."""
        self.paused_until = max(self.paused_until, monotonic_deadline)


_PACERS: dict[tuple[str, str], Pacer] = {}


def pacer_for(platform: str, store_key: str, rate_per_minute: float) -> Pacer:
    key = (platform, store_key)
    if key not in _PACERS:
        _PACERS[key] = Pacer(rate_per_minute)
    return _PACERS[key]
