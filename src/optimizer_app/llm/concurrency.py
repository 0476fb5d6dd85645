"""How many calls one process keeps in flight to an LLM server, learnt from how it answers.

Servers differ by orders of magnitude: OpenAI serves hundreds of calls at once, llama.cpp's server
often one (the others wait in its queue, and it keeps working on a call whose client left). So the
limit starts low and adapts, the way TCP finds a path's capacity:

- It grows while latency holds: by one per answer at first (doubling every round trip) or straight
  to what a rate limit the server announces needs; by one per round trip after the first back-off.
  It grows only while calls are actually waiting for a slot.
- "Latency holds" compares the seconds per output token of the last answers (their median) with
  the lowest seen lately.
  When it rises past 1.5× — calls wait in the server's queue — the limit drops to what the server
  served at the lowest latency (limit × lowest / now), and the next attempt to grow waits 32
  answers, twice as many after each drop for the same reason: on a one-at-a-time server the limit
  settles at 1 and is rarely tried higher.
- Timeouts, 429 and 5xx halve it. A burst of failures from calls already in flight when it dropped
  counts once (the drop's epoch).

A call waits for a free slot before it is sent, so a retry never joins a queue on the server. Its
timeout is three times the p95 of recent latencies, within a floor and a ceiling.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

START = 2
LATENCY_TOLERANCE = 1.5
TIMEOUT_FACTOR = 3.0
HOLD_AFTER_SLOWDOWN = 32
MAX_HOLD = 512
WINDOW = 64
RECENT = 3
# A rise under this is as likely the client's own work (at no server latency each call in flight
# adds a few ms of this process's CPU) as a server's queue; a server that queues, queues whole
# answers: seconds on the self-hosted servers this limit is for.
NOTICEABLE_SECONDS = 0.25
# A short answer's latency is mostly the server's fixed cost; these tokens stand for it, so one
# title and one long description compare fairly.
FIXED_COST_TOKENS = 16


@dataclass
class Slot:
    """One call's place: when it was taken relative to the limit's changes."""

    epoch: int
    latency: float | None = None
    completion_tokens: int = 0
    overloaded: bool = False
    timed_out_after: float | None = None


class InFlightLimit:
    def __init__(self, *, maximum: int, timeout_floor: float, timeout_ceiling: float, start: int = START) -> None:
        self.maximum = max(1, maximum)
        self.limit = float(min(self.maximum, max(1, start)))
        self.timeout_floor = min(timeout_floor, timeout_ceiling)
        self.timeout_ceiling = timeout_ceiling
        self.in_flight = 0
        self.waiting = 0
        self.slow_start = True
        self.epoch = 0
        self.lowest_limit_seen = self.limit
        self._hold = 0
        self._slowdowns = 0
        self._latencies: deque[float] = deque(maxlen=WINDOW)
        self._per_token: deque[float] = deque(maxlen=WINDOW)
        self._recent: deque[float] = deque(maxlen=RECENT)
        self._changed = asyncio.Condition()

    @property
    def current(self) -> int:
        """Calls allowed in flight now."""
        return max(1, int(self.limit))

    def timeout(self) -> float:
        if not self._latencies:
            return self.timeout_ceiling
        ordered = sorted(self._latencies)
        p95 = ordered[min(len(ordered) - 1, math.ceil(len(ordered) * 0.95) - 1)]
        return min(self.timeout_ceiling, max(self.timeout_floor, p95 * TIMEOUT_FACTOR))

    def expect(self, concurrency: float) -> None:
        """While still starting, go straight to the calls in flight a rate the server announced
        needs (rate × latency, Little's law) instead of doubling towards it: the pacing keeps the
        rate, and the latency checks still bring the limit down if the server cannot serve them."""
        if self.slow_start and concurrency > self.limit:
            self.limit = float(min(self.maximum, math.ceil(concurrency)))

    def start_one_at_a_time(self) -> None:
        """What a capability probe found a server to do: start at 1, as if it had slowed down there."""
        self.limit = 1.0
        self.slow_start = False
        self._hold = HOLD_AFTER_SLOWDOWN
        self._slowdowns = 1
        self.lowest_limit_seen = 1.0

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[Slot]:
        """Wait for a free slot and hold it for one call; report the outcome on the yielded Slot."""
        async with self._changed:
            self.waiting += 1
            try:
                await self._changed.wait_for(lambda: self.in_flight < self.current)
            finally:
                self.waiting -= 1
            self.in_flight += 1
        slot = Slot(self.epoch)
        try:
            yield slot
        finally:
            async with self._changed:
                self._settle(slot)
                self.in_flight -= 1
                self._changed.notify_all()

    def _settle(self, slot: Slot) -> None:
        if slot.timed_out_after is not None:
            # A lower bound of the latency: the next timeout is longer, so a server slower than the
            # timeout still gets answers through.
            self._latencies.append(slot.timed_out_after)
        if slot.overloaded:
            self._decrease(slot, self.limit / 2)
        elif slot.latency is not None:
            self._answered(slot, slot.latency, slot.completion_tokens)

    def _answered(self, slot: Slot, latency: float, completion_tokens: int) -> None:
        self._latencies.append(latency)
        tokens = max(0, completion_tokens) + FIXED_COST_TOKENS
        self._per_token.append(latency / tokens)
        if slot.epoch != self.epoch:
            return  # sent before the last drop: it tells how things were, not how they are
        self._recent.append(latency / tokens)
        lowest = min(self._per_token)
        # The median of the last few answers, so one call stalled by a busy machine moves nothing.
        per_token = sorted(self._recent)[len(self._recent) // 2]
        if per_token > lowest * LATENCY_TOLERANCE and (per_token - lowest) * tokens > NOTICEABLE_SECONDS:
            if self._decrease(slot, self.limit * lowest / per_token):
                self._slowdowns += 1
                self._hold = min(MAX_HOLD, HOLD_AFTER_SLOWDOWN * 2 ** (self._slowdowns - 1))
            return
        if self._hold > 0:
            self._hold -= 1
            return
        if self.in_flight + self.waiting < self.current:
            return  # the limit was not what held calls back: growing it would only be a guess
        self.limit = min(float(self.maximum), self.limit + (1.0 if self.slow_start else 1.0 / self.limit))

    def _decrease(self, slot: Slot, to: float) -> bool:
        if slot.epoch != self.epoch:
            return False  # sent before the last drop: part of the same episode
        self.slow_start = False
        self.epoch += 1
        self._recent.clear()
        self.limit = max(1.0, min(self.limit, to))
        self.lowest_limit_seen = min(self.lowest_limit_seen, self.limit)
        return True


@runtime_checkable
class AdaptsInFlight(Protocol):
    """A provider whose calls in flight adapt to its server (the worker claims accordingly)."""

    in_flight: InFlightLimit
