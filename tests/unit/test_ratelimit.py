"""The token bucket behind platform pacing and the per-store API limit."""

from __future__ import annotations

import pytest

from optimizer_app.domain.ratelimit import TokenBucket
from optimizer_app.errors import RateLimited
from optimizer_app.web.ratelimit import StoreRateLimiter


def test_try_take_refuses_without_taking_and_says_how_long() -> None:
    bucket = TokenBucket(rate_per_minute=60, capacity=2, now=0.0)
    assert [bucket.try_take(0.0) for _ in range(2)] == [0.0, 0.0]
    assert bucket.try_take(0.0) == pytest.approx(1.0)
    assert bucket.try_take(0.5) == pytest.approx(0.5)  # refusals take nothing
    assert bucket.try_take(1.0) == 0.0


def test_reserve_queues_in_order() -> None:
    bucket = TokenBucket(rate_per_minute=120, capacity=1, now=0.0)
    assert [bucket.reserve(0.0) for _ in range(3)] == [0.0, pytest.approx(0.5), pytest.approx(1.0)]


def test_each_store_has_its_own_budget() -> None:
    limiter = StoreRateLimiter(per_minute=12)  # bursts of 2
    limiter.check(1)
    limiter.check(1)
    with pytest.raises(RateLimited) as info:
        limiter.check(1)
    assert info.value.retry_after == pytest.approx(5.0, rel=0.1)
    limiter.check(2)
    StoreRateLimiter(per_minute=0).check(1)  # 0 turns the limit off
