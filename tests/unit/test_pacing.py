"""Client-side pacing under a platform's per-store rate limit (arithmetic, no sleeping)."""

from __future__ import annotations

import time

from optimizer_app.platforms.pacing import Pacer, Pacers


def test_a_burst_passes_then_requests_are_spaced_at_the_rate() -> None:
    pacer = Pacer(rate_per_minute=60, burst=2)
    delays = [pacer.reserve() for _ in range(4)]
    assert delays[:2] == [0.0, 0.0]
    assert 0.9 < delays[2] <= 1.0
    assert 1.9 < delays[3] <= 2.0


def test_a_pause_holds_every_request_back_until_the_deadline() -> None:
    pacer = Pacer(rate_per_minute=6000, burst=100)
    pacer.pause_until(time.monotonic() + 5)
    assert 4.9 < pacer.reserve() <= 5.0
    pacer.pause_until(time.monotonic() + 1)  # an earlier deadline never shortens a pause
    assert pacer.reserve() > 4.8


def test_one_pacer_per_store_and_platform() -> None:
    pacers = Pacers()
    assert pacers.for_store("wix", "site-a", 200) is pacers.for_store("wix", "site-a", 200)
    assert pacers.for_store("wix", "site-a", 200) is not pacers.for_store("wix", "site-b", 200)
    assert pacers.for_store("salla", "site-a", 120) is not pacers.for_store("wix", "site-a", 200)
