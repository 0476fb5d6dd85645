"""The one way a platform client sends a request: `send()` under a `RetryPolicy`.

- A network error is retried after an exponential backoff, capped and jittered (half to all of
  the step), so clients that failed together do not come back together.
- A 429 or 5xx is retried after the wait the platform asked for — `Retry-After` in seconds or as
  an HTTP-date (RFC 9110 §10.2.3), or the platform's own signal through `SendHooks.retry_after`
  (Salla's `X-RateLimit-Reset`) — else after the backoff; never longer than the policy's cap. A
  429, the last one included, also pauses the store's pacer for that long, so the process's other
  requests to that store wait too.
- A 401 gets one token refresh (`TokenSource.refresh`) and is sent again; a second 401 is the
  answer.
- An answer that says a budget is spent without being a failure (Shopify's `THROTTLED`) is waited
  out for as long as `SendHooks.throttle_wait` says, up to `max_throttle_waits` times, without
  spending a retry.

Every other answer, and the last 429/5xx/throttled one when the retries are spent, is returned
for the client to map to its own errors; a network error on the last try is raised as it came.

Hand-written rather than tenacity's `AsyncRetrying`: three budgets are kept apart (failures,
throttle waits, one refresh, the last two not counted as failures), the wait comes from the answer,
and the last answer is returned rather than an exception raised. Tenacity can express each of
these, but as a stop, a wait, a retry predicate and a callback spread over one call, which reads
worse than this loop; so the project does not depend on it.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from ..domain.ratelimit import retry_after_seconds
from .base import TokenSource
from .pacing import Pacer

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 4  # tries after the first, for network errors, 429s and 5xx together
    backoff_base: float = 0.5  # seconds before the first retry when the platform named no wait
    cap: float = 30.0  # the longest wait, whatever the platform asks
    max_throttle_waits: int = 20

    def backoff(self, attempt: int) -> float:
        step = min(self.backoff_base * 2.0**attempt, self.cap)
        return step * random.uniform(0.5, 1.0)  # nosec B311 # jitter, not a secret

    def wait(self, attempt: int, retry_after: float | None) -> float:
        """Seconds before retry number `attempt` (from 0): what the platform asked, else the backoff."""
        if retry_after is not None:
            return min(max(0.0, retry_after), self.cap)
        return self.backoff(attempt)


DEFAULT_POLICY = RetryPolicy()


class SendHooks:
    """A platform's own signals around `send()`; these defaults add nothing."""

    async def before(self) -> None:
        """Runs before each try (Shopify waits here until its cost bucket can pay for the query)."""

    def observe(self, res: httpx.Response) -> None:
        """Sees every answer first (Salla pauses its pacer when its bucket is announced empty)."""

    def retry_after(self, res: httpx.Response) -> float | None:
        """Seconds the platform asked to wait before a 429/5xx is sent again."""
        return retry_after_seconds(res.headers.get("retry-after"), time.time())

    def throttle_wait(self, res: httpx.Response, waited: int) -> float | None:
        """For an answer that says a budget is spent without being a failure: seconds to wait
        before sending again (`waited` such waits so far); None for any other answer."""
        return None


NO_HOOKS = SendHooks()


async def send(
    http: httpx.AsyncClient,
    build: Callable[[str], httpx.Request],
    *,
    policy: RetryPolicy,
    tokens: TokenSource | None = None,
    pacer: Pacer | None = None,
    hooks: SendHooks = NO_HOOKS,
) -> httpx.Response:
    """Send `build(token)` (token "" without `tokens`; built again for each try) as the module
    docstring says, and return the answer to classify."""
    token = await tokens.get() if tokens is not None else ""
    refreshed = False
    attempt = throttled = 0
    while True:
        await hooks.before()
        if pacer is not None:
            await pacer.wait()
        try:
            res = await http.send(build(token))
        except httpx.TransportError:
            if attempt >= policy.max_retries:
                raise
            await asyncio.sleep(policy.backoff(attempt))
            attempt += 1
            continue
        hooks.observe(res)
        if res.status_code == 401 and tokens is not None and not refreshed:
            token = await tokens.refresh()
            refreshed = True
            continue
        pause = hooks.throttle_wait(res, throttled)
        if pause is not None:
            if throttled >= policy.max_throttle_waits:
                return res
            throttled += 1
            await asyncio.sleep(pause)
            continue
        if res.status_code == 429 or res.status_code >= 500:
            wait = policy.wait(attempt, hooks.retry_after(res))
            if pacer is not None and res.status_code == 429:
                pacer.pause_until(time.monotonic() + wait)
            if attempt >= policy.max_retries:
                return res
            await asyncio.sleep(wait)
            attempt += 1
            continue
        return res


class PlatformHttp:
    """What every platform client holds for sending: its HTTP client (closed by `aclose` only
    when the client made it), its retry policy and the store's pacer."""

    def __init__(self, *, http: httpx.AsyncClient | None, policy: RetryPolicy, pacer: Pacer | None = None) -> None:
        self._own_http = http is None
        self.http = http or httpx.AsyncClient(timeout=DEFAULT_TIMEOUT)
        self.policy = policy
        self.pacer = pacer

    async def aclose(self) -> None:
        if self._own_http:
            await self.http.aclose()

    async def send(
        self, build: Callable[[str], httpx.Request], *, tokens: TokenSource | None = None, hooks: SendHooks = NO_HOOKS
    ) -> httpx.Response:
        return await send(self.http, build, policy=self.policy, tokens=tokens, pacer=self.pacer, hooks=hooks)
