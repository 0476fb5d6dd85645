"""The circuit breaker and the fallback provider, with providers that answer or fail on cue."""

from __future__ import annotations

import pytest

from optimizer_app.domain.attributes import Attribute
from optimizer_app.domain.products import Product
from optimizer_app.llm.base import Generation, GenerationRequest, LLMOutputError, LLMTransientError
from optimizer_app.llm.fallback import BreakerState, CircuitBreaker, FallbackProvider

REQUEST = GenerationRequest(
    product=Product(id="p1", title="Mug", description_html="", seo_title="", seo_description=""),
    attributes=(Attribute.TITLE,),
    language="en",
)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Server:
    """A provider whose next answers are set by the test: "ok", "down" (transient) or "bad" (output)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.down = False
        self.bad = False
        self.calls = 0

    async def generate(self, request: GenerationRequest) -> Generation:
        self.calls += 1
        if self.down:
            raise LLMTransientError("could not reach the AI service")
        if self.bad:
            raise LLMOutputError("the answer was empty")
        return Generation(values={Attribute.TITLE: "New mug"}, model=self.name)

    async def aclose(self) -> None:
        return None


def _stack(failures: int = 3, cooldown: float = 30.0) -> tuple[FallbackProvider, Server, Server, Clock]:
    clock = Clock()
    primary, fallback = Server("primary-model"), Server("fallback-model")
    breaker = CircuitBreaker(failures=failures, cooldown_seconds=cooldown, clock=clock)
    return FallbackProvider(primary, fallback, breaker), primary, fallback, clock


async def test_failures_below_the_threshold_go_back_to_the_worker_then_the_fallback_answers() -> None:
    """Below the threshold the worker retries the item later; the failure that opens the breaker
    is answered by the fallback at once, and so are the calls after it."""
    provider, primary, fallback, _ = _stack(failures=3)
    primary.down = True
    for _ in range(2):
        with pytest.raises(LLMTransientError):
            await provider.generate(REQUEST)
    assert (provider.breaker.state, fallback.calls) == (BreakerState.CLOSED, 0)
    assert (await provider.generate(REQUEST)).model == "fallback-model"
    assert provider.breaker.state is BreakerState.OPEN
    assert (await provider.generate(REQUEST)).model == "fallback-model"
    assert (primary.calls, fallback.calls) == (3, 2)


async def test_after_the_cool_down_one_trial_call_goes_to_the_primary() -> None:
    provider, primary, _, clock = _stack(failures=1, cooldown=30)
    primary.down = True
    await provider.generate(REQUEST)
    clock.now = 29
    await provider.generate(REQUEST)
    assert primary.calls == 1
    clock.now = 30
    assert (await provider.generate(REQUEST)).model == "fallback-model"  # the trial failed: open again
    assert (primary.calls, provider.breaker.state) == (2, BreakerState.OPEN)
    clock.now = 60
    primary.down = False
    assert (await provider.generate(REQUEST)).model == "primary-model"
    assert provider.breaker.state is BreakerState.CLOSED


def test_while_the_trial_call_is_out_the_others_go_to_the_fallback() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failures=1, cooldown_seconds=10, clock=clock)
    breaker.failed()
    clock.now = 10
    assert breaker.allow_primary() is True
    assert breaker.allow_primary() is False
    breaker.abandoned()
    assert breaker.allow_primary() is True


async def test_an_unusable_answer_does_not_count_as_the_server_being_down() -> None:
    provider, primary, fallback, _ = _stack(failures=2)
    primary.down = True
    with pytest.raises(LLMTransientError):
        await provider.generate(REQUEST)
    primary.down, primary.bad = False, True
    with pytest.raises(LLMOutputError):
        await provider.generate(REQUEST)
    primary.down, primary.bad = True, False
    with pytest.raises(LLMTransientError):
        await provider.generate(REQUEST)
    assert (provider.breaker.state, fallback.calls) == (BreakerState.CLOSED, 0)
