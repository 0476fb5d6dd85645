"""Adaptive client-side rate limiting for an OpenAI-compatible server.

The server announces its limits on every answer (`x-ratelimit-limit-requests`, `-tokens`, their
`remaining` and `reset`). Once known, calls are paced a little under them — requests, and tokens
estimated the way the server counts them (prompt plus the output limit) — so a worker runs
at the limit instead of finding it with 429s. A 429's retry-after, or a bucket the server says is
empty, pauses every call until then. Until the first answer nothing is known and nothing waits.
"""

from __future__ import annotations

import asyncio
import time

from ..domain.ratelimit import TokenBucket

HEADROOM = 0.97
# How much of a minute's budget may go out at once: a second's worth, since servers enforce their
# per-minute limits over shorter windows too.
BURST_SECONDS = 1.0


class AdaptiveLimiter:
    def __init__(self, headroom: float = HEADROOM) -> None:
        self.headroom = headroom
        self.requests: TokenBucket | None = None
        self.tokens: TokenBucket | None = None
        self.paused_until = 0.0

    def _bucket(self, current: TokenBucket | None, per_minute: int, now: float) -> TokenBucket:
        rate = per_minute * self.headroom
        if current is not None and abs(current.rate * 60 - rate) < 1e-9:
            return current
        return TokenBucket(rate, max(1.0, rate / 60 * BURST_SECONDS), now)

    def observe(
        self,
        *,
        limit_requests: int | None,
        remaining_requests: int | None,
        reset_requests: float | None,
        limit_tokens: int | None,
        remaining_tokens: int | None,
        reset_tokens: float | None,
        now: float | None = None,
    ) -> None:
        """Take in what one answer's headers said."""
        now = time.monotonic() if now is None else now
        if limit_requests and limit_requests > 0:
            self.requests = self._bucket(self.requests, limit_requests, now)
            if remaining_requests is not None and remaining_requests < 1 and reset_requests:
                self.pause(reset_requests, now)
        if limit_tokens and limit_tokens > 0:
            self.tokens = self._bucket(self.tokens, limit_tokens, now)
            if remaining_tokens is not None and remaining_tokens < 1 and reset_tokens:
                self.pause(reset_tokens, now)

    def pause(self, seconds: float, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        self.paused_until = max(self.paused_until, now + seconds)

    def reserve(self, token_cost: float, now: float | None = None) -> float:
        """Claim room for one call; returns how long to wait before sending it."""
        now = time.monotonic() if now is None else now
        delays = [self.paused_until - now, 0.0]
        if self.requests is not None:
            delays.append(self.requests.reserve(now))
        if self.tokens is not None:
            delays.append(self.tokens.reserve(now, min(token_cost, self.tokens.capacity)))
        return max(delays)

    async def wait(self, token_cost: float) -> None:
        delay = self.reserve(token_cost)
        if delay > 0:
            await asyncio.sleep(delay)
