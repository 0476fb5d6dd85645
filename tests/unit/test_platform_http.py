"""The platform clients' one send-and-retry path, against httpx.MockTransport (no network, no sleeping
beyond a few milliseconds)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from optimizer_app.platforms.http import RetryPolicy, SendHooks, send
from optimizer_app.platforms.pacing import Pacer

FAST = RetryPolicy(max_retries=3, backoff_base=0.001, cap=0.01)
URL = "https://platform.test/api"


class CountingTokens:
    def __init__(self) -> None:
        self.token = "token-1"
        self.refreshes = 0

    async def get(self) -> str:
        return self.token

    async def refresh(self) -> str:
        self.refreshes += 1
        self.token = f"token-{self.refreshes + 1}"
        return self.token


class Script:
    """A transport answering from a list, one answer (or exception) per request, recording what it saw."""

    def __init__(self, answers: list[httpx.Response | Exception]) -> None:
        self.answers: Iterator[httpx.Response | Exception] = iter(answers)
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        answer = next(self.answers)
        if isinstance(answer, Exception):
            raise answer
        return answer


def build(http: httpx.AsyncClient) -> Callable[[str], httpx.Request]:
    return lambda token: http.build_request("GET", URL, headers={"Authorization": token})


async def run(
    answers: list[httpx.Response | Exception],
    *,
    policy: RetryPolicy = FAST,
    tokens: CountingTokens | None = None,
    pacer: Pacer | None = None,
    hooks: SendHooks | None = None,
) -> tuple[httpx.Response, Script]:
    script = Script(answers)
    async with httpx.AsyncClient(transport=httpx.MockTransport(script)) as http:
        res = await send(http, build(http), policy=policy, tokens=tokens, pacer=pacer, hooks=hooks or SendHooks())
    return res, script


def test_a_wait_the_platform_asks_for_is_kept_to_the_cap() -> None:
    policy = RetryPolicy(backoff_base=0.5, cap=30.0)
    assert policy.wait(0, 12.0) == 12.0
    assert policy.wait(0, 3600.0) == 30.0
    assert policy.wait(0, float("inf")) == 30.0
    assert policy.wait(3, -5.0) == 0.0


def test_the_backoff_doubles_is_jittered_and_capped() -> None:
    policy = RetryPolicy(backoff_base=0.5, cap=30.0)
    for attempt, step in [(0, 0.5), (1, 1.0), (3, 4.0), (6, 30.0), (40, 30.0)]:
        waits = {policy.backoff(attempt) for _ in range(50)}
        assert all(step / 2 <= w <= step for w in waits)
        assert len(waits) > 1  # jittered: clients that failed together do not retry together
        assert policy.wait(attempt, None) <= step


async def test_a_401_gets_one_refresh_and_the_new_token() -> None:
    tokens = CountingTokens()
    res, script = await run([httpx.Response(401), httpx.Response(200, json={"ok": True})], tokens=tokens)
    assert res.status_code == 200
    assert tokens.refreshes == 1
    assert [r.headers["authorization"] for r in script.seen] == ["token-1", "token-2"]


async def test_a_second_401_is_the_answer_not_another_refresh() -> None:
    tokens = CountingTokens()
    res, script = await run([httpx.Response(401), httpx.Response(401), httpx.Response(200)], tokens=tokens)
    assert res.status_code == 401
    assert tokens.refreshes == 1 and len(script.seen) == 2


async def test_a_401_without_a_token_source_is_the_answer() -> None:
    res, script = await run([httpx.Response(401), httpx.Response(200)])
    assert res.status_code == 401 and len(script.seen) == 1
    assert script.seen[0].headers["authorization"] == ""


async def test_429_and_5xx_are_retried_until_the_retries_are_spent_then_returned() -> None:
    answers: list[httpx.Response | Exception] = [
        httpx.Response(429, headers={"retry-after": "0"}),
        httpx.Response(503),
        httpx.Response(500),
        httpx.Response(502, text="last"),
        httpx.Response(200),
    ]
    res, script = await run(answers)
    assert (res.status_code, res.text) == (502, "last")
    assert len(script.seen) == FAST.max_retries + 1


async def test_a_retry_that_succeeds_returns_the_success() -> None:
    res, script = await run([httpx.Response(503), httpx.Response(200, text="fine")])
    assert (res.status_code, res.text, len(script.seen)) == (200, "fine", 2)


async def test_other_client_errors_are_returned_at_once() -> None:
    for status in (302, 400, 403, 404, 409, 422):
        res, script = await run([httpx.Response(status), httpx.Response(200)], tokens=CountingTokens())
        assert (res.status_code, len(script.seen)) == (status, 1)


async def test_network_errors_are_retried_then_raised() -> None:
    res, script = await run([httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), httpx.Response(200)])
    assert res.status_code == 200 and len(script.seen) == 3
    with pytest.raises(httpx.ConnectError):
        await run([httpx.ConnectError("refused")] * (FAST.max_retries + 1))


async def test_network_errors_and_server_errors_share_one_retry_budget() -> None:
    answers: list[httpx.Response | Exception] = [httpx.ConnectError("refused"), httpx.Response(503)] * 3
    res, script = await run(answers)
    assert res.status_code == 503 and len(script.seen) == FAST.max_retries + 1


async def test_a_429_pauses_the_stores_pacer_for_the_wait() -> None:
    pacer = Pacer(rate_per_minute=6000, burst=100)
    policy = RetryPolicy(max_retries=0, cap=60.0)
    before = time.monotonic()
    res, _ = await run([httpx.Response(429, headers={"retry-after": "40"})], policy=policy, pacer=pacer)
    assert res.status_code == 429
    assert before + 39 < pacer.paused_until <= time.monotonic() + 40


class Throttles(SendHooks):
    """Says the first `times` answers are a spent budget (as Shopify's THROTTLED), to be waited out."""

    def __init__(self, times: int) -> None:
        self.times = times
        self.seen_waited: list[int] = []
        self.tries = 0

    async def before(self) -> None:
        self.tries += 1

    def throttle_wait(self, res: httpx.Response, waited: int) -> float | None:
        self.seen_waited.append(waited)
        return 0.0 if len(self.seen_waited) <= self.times else None


async def test_throttle_waits_do_not_spend_retries() -> None:
    hooks = Throttles(times=5)
    res, script = await run([httpx.Response(200)] * 6, policy=RetryPolicy(max_retries=0), hooks=hooks)
    assert res.status_code == 200 and len(script.seen) == 6
    assert hooks.seen_waited == [0, 1, 2, 3, 4, 5] and hooks.tries == 6


async def test_throttle_waits_are_capped_and_the_last_answer_returned() -> None:
    hooks = Throttles(times=100)
    res, script = await run(
        [httpx.Response(200, text="throttled")] * 4, policy=RetryPolicy(max_throttle_waits=3), hooks=hooks
    )
    assert (res.status_code, res.text, len(script.seen)) == (200, "throttled", 4)


class ResetHeader(SendHooks):
    def retry_after(self, res: httpx.Response) -> float | None:
        return float(res.headers["x-wait"])


async def test_the_platforms_own_wait_signal_replaces_retry_after() -> None:
    pacer = Pacer(rate_per_minute=6000, burst=100)
    policy = RetryPolicy(max_retries=0, cap=30.0)
    res, _ = await run(
        [httpx.Response(429, headers={"x-wait": "20", "retry-after": "1"})],
        policy=policy,
        pacer=pacer,
        hooks=ResetHeader(),
    )
    assert res.status_code == 429 and pacer.reserve() > 18
