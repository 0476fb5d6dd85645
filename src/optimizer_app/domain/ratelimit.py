"""A token bucket, and the wait a server asks for in `Retry-After`, as arithmetic on a clock the
caller passes in."""

from __future__ import annotations

from datetime import UTC
from email.utils import parsedate_to_datetime


def retry_after_seconds(value: str | None, now: float) -> float | None:
    """`Retry-After` (RFC 9110 §10.2.3: delay-seconds or an HTTP-date) as seconds from `now`
    (epoch seconds); None when absent or unreadable. A date already past is 0; a date without a
    zone is read as GMT, which an HTTP-date always is."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)


class TokenBucket:
    """`rate_per_minute` tokens a minute, holding at most `capacity`."""

    def __init__(self, rate_per_minute: float, capacity: float, now: float) -> None:
        self.rate = rate_per_minute / 60.0
        self.capacity = capacity
        self.tokens = capacity
        self.updated = now

    def _refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def reserve(self, now: float, cost: float = 1.0) -> float:
        """Take `cost` tokens even if they are not there yet; returns the seconds until they are."""
        self._refill(now)
        self.tokens -= cost
        return -self.tokens / self.rate if self.tokens < 0 else 0.0

    def try_take(self, now: float) -> float:
        """Take a token if there is one and return 0; else take nothing and return the wait."""
        self._refill(now)
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate
