"""The token bucket behind platform pacing and the per-store API limit, and the wait a server asks
for in Retry-After."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from optimizer_app.domain.ratelimit import TokenBucket, retry_after_seconds


def test_try_take_refuses_without_taking_and_says_how_long() -> None:
    bucket = TokenBucket(rate_per_minute=60, capacity=2, now=0.0)
    assert [bucket.try_take(0.0) for _ in range(2)] == [0.0, 0.0]
    assert bucket.try_take(0.0) == pytest.approx(1.0)
    assert bucket.try_take(0.5) == pytest.approx(0.5)  # refusals take nothing
    assert bucket.try_take(1.0) == 0.0


def test_reserve_queues_in_order() -> None:
    bucket = TokenBucket(rate_per_minute=120, capacity=1, now=0.0)
    assert [bucket.reserve(0.0) for _ in range(3)] == [0.0, pytest.approx(0.5), pytest.approx(1.0)]


def test_retry_after_in_seconds() -> None:
    assert retry_after_seconds("120", 0.0) == 120.0
    assert retry_after_seconds("0", 0.0) == 0.0
    assert retry_after_seconds("1.5", 0.0) == 1.5


def test_retry_after_as_an_http_date() -> None:
    now = datetime(2026, 12, 4, 10, 0, 0, tzinfo=UTC).timestamp()
    assert retry_after_seconds("Fri, 04 Dec 2026 10:00:30 GMT", now) == 30.0
    assert retry_after_seconds("Fri, 04 Dec 2026 09:59:00 GMT", now) == 0.0  # already past: no wait
    assert retry_after_seconds("Fri, 04 Dec 2026 10:01:00", now) == 60.0  # no zone: GMT, as HTTP-dates are
    assert retry_after_seconds("Friday, 04-Dec-26 10:00:10 GMT", now) == 10.0  # RFC 850, which RFC 9110 accepts


def test_an_absent_or_unreadable_retry_after_is_none() -> None:
    for value in (None, "", "soon", "Fri, 32 Dec 2026 10:00:00 GMT"):
        assert retry_after_seconds(value, 0.0) is None
