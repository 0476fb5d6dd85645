"""The adaptive limit on LLM calls in flight, driven by simulated servers on a virtual clock, and
the output budget per request."""

from __future__ import annotations

from collections import deque
from contextlib import AbstractAsyncContextManager

from optimizer_app.domain.attributes import Attribute
from optimizer_app.llm.budget import FLOOR_TOKENS, output_token_budget
from optimizer_app.llm.concurrency import InFlightLimit, Slot

Call = tuple[float, AbstractAsyncContextManager[Slot], Slot, float]


def new_limit(maximum: int = 64) -> InFlightLimit:
    return InFlightLimit(maximum=maximum, timeout_floor=5.0, timeout_ceiling=60.0)


async def simulate(limit: InFlightLimit, calls: int, *, seconds: float, parallel: bool) -> list[int]:
    """Sends `calls` calls as fast as the limit allows to a server that answers each in `seconds`,
    either all at once (`parallel`) or one at a time in arrival order (llama.cpp's server with one
    slot); returns the calls in flight when each was sent."""
    clock = 0.0
    server_free_at = 0.0
    pending: deque[Call] = deque()
    sent_at_depth: list[int] = []
    while len(sent_at_depth) < calls or pending:
        while len(sent_at_depth) < calls and limit.in_flight < limit.current:
            context: AbstractAsyncContextManager[Slot] = limit.slot()
            slot = await context.__aenter__()
            if parallel:
                done = clock + seconds
            else:
                server_free_at = max(server_free_at, clock) + seconds
                done = server_free_at
            pending.append((done, context, slot, clock))
            sent_at_depth.append(limit.in_flight)
        pending = deque(sorted(pending, key=lambda c: c[0]))
        done, context, slot, sent = pending.popleft()
        clock = done
        slot.latency, slot.completion_tokens = done - sent, 100
        await context.__aexit__(None, None, None)
    return sent_at_depth


async def test_a_one_at_a_time_server_brings_the_limit_down_to_one_and_keeps_it_there() -> None:
    limit = new_limit()
    depths = await simulate(limit, 200, seconds=2.0, parallel=False)
    assert limit.current == 1
    assert max(depths[:5]) >= 2  # it did try more than one
    # Then it settles: one more try after 32 answers, the next after 64 more, each a few calls long.
    assert depths[5:37] == [1] * 32
    assert max(depths[5:]) <= 3
    assert sum(d == 1 for d in depths[5:]) >= 0.9 * len(depths[5:])


async def test_a_server_that_keeps_its_latency_gets_up_to_the_maximum_doubling_per_round() -> None:
    limit = new_limit(maximum=50)
    depths = await simulate(limit, 400, seconds=1.0, parallel=True)
    assert limit.current == 50
    # Slow start: 2, 4, 8, 16, 32 calls per round trip, then the maximum.
    assert depths.index(50) < 2 + 4 + 8 + 16 + 32 + 50


async def test_overload_halves_the_limit_once_per_episode() -> None:
    limit = new_limit()
    limit.limit = 16.0
    contexts = [limit.slot() for _ in range(8)]
    slots = [await c.__aenter__() for c in contexts]
    for context, slot in zip(contexts, slots, strict=True):
        slot.overloaded = True  # eight calls of the same burst time out
        await context.__aexit__(None, None, None)
    assert limit.current == 8
    assert not limit.slow_start


async def test_the_limit_grows_only_while_calls_wait_for_a_slot() -> None:
    limit = new_limit()
    for _ in range(10):
        async with limit.slot() as slot:  # one call at a time never fills the two slots
            slot.latency, slot.completion_tokens = 1.0, 100
    assert limit.current == 2


async def test_the_timeout_is_three_times_the_p95_within_floor_and_ceiling() -> None:
    limit = new_limit()
    assert limit.timeout() == 60.0  # nothing seen yet: the ceiling
    for latency in [1.0] * 19 + [4.0]:
        async with limit.slot() as slot:
            slot.latency, slot.completion_tokens = latency, 100
    assert limit.timeout() == 5.0  # 3 × 1.0 is under the floor
    for _ in range(20):
        async with limit.slot() as slot:
            slot.latency, slot.completion_tokens = 30.0, 100
    assert limit.timeout() == 60.0  # 3 × 30 is over the ceiling


async def test_a_probe_that_found_one_at_a_time_starts_at_one() -> None:
    limit = new_limit()
    limit.start_one_at_a_time()
    assert limit.current == 1


async def test_a_timeout_lengthens_the_next_one() -> None:
    limit = new_limit()
    for _ in range(5):
        async with limit.slot() as slot:
            slot.latency, slot.completion_tokens = 2.0, 100
    assert limit.timeout() == 6.0
    async with limit.slot() as slot:
        slot.overloaded, slot.timed_out_after = True, 6.0
    assert limit.timeout() == 18.0


def test_the_output_budget_follows_the_fields_asked() -> None:
    title = output_token_budget([Attribute.TITLE])
    everything = output_token_budget(list(Attribute))
    assert title == FLOOR_TOKENS
    # 8,000 characters of description, with its HTML, need well over the old flat 1,500 tokens.
    assert 3000 < everything < 4500
    assert output_token_budget([Attribute.TITLE, Attribute.TITLE]) == title


async def test_a_rate_the_server_announces_sets_the_limit_while_starting_only() -> None:
    limit = new_limit()
    limit.expect(40.2)  # 48.5 requests/s allowed × 0.83 s latency
    assert limit.current == 41
    limit.expect(500.0)
    assert limit.current == 64  # never past the maximum
    async with limit.slot() as slot:
        slot.overloaded = True
    limit.expect(64.0)
    assert limit.current == 32  # after a back-off only answers move it
