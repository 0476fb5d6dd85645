"""A second provider behind a circuit breaker: when the primary keeps failing, calls go to the
fallback until a trial call finds the primary back.

    CLOSED ──N consecutive transient failures──▶ OPEN ──cool-down over──▶ HALF_OPEN (one trial call)
      ▲                                            ▲                          │
      └──────────────── trial succeeds ────────────┼──────────────────────────┤
                                                   └──── trial fails ─────────┘

Only transient failures count (timeouts, connection errors, 429, 5xx): a refused request or an
unusable answer says nothing about whether the server is up. While the breaker is open every call
goes to the fallback, and a call whose primary attempt tripped the breaker is answered by the
fallback at once instead of waiting for a retry.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable

from .base import Generation, GenerationRequest, LLMError, LLMProvider, LLMTransientError


class BreakerState(enum.Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    def __init__(self, *, failures: int, cooldown_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        if failures < 1:
            raise ValueError("the breaker needs at least one failure to open")
        self.failures = failures
        self.cooldown_seconds = cooldown_seconds
        self.clock = clock
        self.state = BreakerState.CLOSED
        self._consecutive = 0
        self._opened_at = 0.0

    def allow_primary(self) -> bool:
        """Whether this call may go to the primary; past the cool-down the first caller takes the
        one trial call (HALF_OPEN) and the others keep going to the fallback."""
        if self.state is BreakerState.CLOSED:
            return True
        if self.state is BreakerState.OPEN and self.clock() - self._opened_at >= self.cooldown_seconds:
            self.state = BreakerState.HALF_OPEN
            return True
        return False

    def succeeded(self) -> None:
        self.state = BreakerState.CLOSED
        self._consecutive = 0

    def failed(self) -> None:
        self._consecutive += 1
        if self.state is BreakerState.HALF_OPEN or (
            self.state is BreakerState.CLOSED and self._consecutive >= self.failures
        ):
            self.state = BreakerState.OPEN
            self._opened_at = self.clock()

    def abandoned(self) -> None:
        """A trial call was cancelled before it said anything: the next call may try again."""
        if self.state is BreakerState.HALF_OPEN:
            self.state = BreakerState.OPEN

    @property
    def is_open(self) -> bool:
        return self.state is not BreakerState.CLOSED


class FallbackProvider:
    def __init__(self, primary: LLMProvider, fallback: LLMProvider, breaker: CircuitBreaker) -> None:
        self.primary = primary
        self.fallback = fallback
        self.breaker = breaker
        self.name = f"{primary.name}+{fallback.name}"

    async def generate(self, request: GenerationRequest) -> Generation:
        if not self.breaker.allow_primary():
            return await self.fallback.generate(request)
        try:
            generation = await self.primary.generate(request)
        except LLMTransientError:
            self.breaker.failed()
            if self.breaker.is_open:
                return await self.fallback.generate(request)
            raise
        except LLMError:
            # A refused request or an unusable answer: the server is up.
            self.breaker.succeeded()
            raise
        except BaseException:
            self.breaker.abandoned()
            raise
        self.breaker.succeeded()
        return generation

    async def aclose(self) -> None:
        await self.primary.aclose()
        await self.fallback.aclose()
