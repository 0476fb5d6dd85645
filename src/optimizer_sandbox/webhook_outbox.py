"""Webhook deliveries a sandbox sends after it has answered the request that caused them, as
platforms deliver from a queue, and the log `GET /_sandbox/webhook-deliveries` shows to tests and
the demo. Each sandbox says which platform policy its retries stand for."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Container, Mapping
from datetime import UTC, datetime
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse

# Long enough for an app that answers slowly, short enough for a test to see a retry.
DELIVERY_TIMEOUT = 10.0
# A platform queues its webhooks: the event reaches the app after its request was answered.
AFTER_ANSWER_SECONDS = 0.05


class WebhookOutbox:
    """Sends signed bodies and keeps one log row per attempt: {topic, url, status, at, attempt,
    store}; `status` is None when the address could not be reached. `retry_delays` are the waits
    before each retry of a failed attempt (none: one attempt only)."""

    def __init__(self, retry_delays: tuple[float, ...] = ()) -> None:
        self.retry_delays = retry_delays
        self.log: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self._later: set[asyncio.Task[int | None]] = set()

    def send_later(
        self, url: str, topic: str, body: bytes, headers: Mapping[str, str], *, store: str, success: Container[int]
    ) -> None:
        """`send` on the running loop, shortly after the request that caused it is answered."""
        task = asyncio.get_running_loop().create_task(
            self._after_answer(url, topic, body, dict(headers), store=store, success=success)
        )
        self._later.add(task)
        task.add_done_callback(self._later.discard)

    async def _after_answer(
        self, url: str, topic: str, body: bytes, headers: Mapping[str, str], *, store: str, success: Container[int]
    ) -> int | None:
        await asyncio.sleep(AFTER_ANSWER_SECONDS)
        return await self.send(url, topic, body, headers, store=store, success=success)

    async def send(
        self, url: str, topic: str, body: bytes, headers: Mapping[str, str], *, store: str, success: Container[int]
    ) -> int | None:
        """Deliver `body`, retrying while the answer is not in `success`; the last status."""
        status: int | None = None
        for attempt, delay in enumerate((0.0, *self.retry_delays), start=1):
            if delay:
                await asyncio.sleep(delay)
            try:
                async with httpx.AsyncClient(timeout=DELIVERY_TIMEOUT) as client:
                    status = (await client.post(url, content=body, headers=dict(headers))).status_code
            except httpx.HTTPError:
                status = None
            with self.lock:
                self.log.append(
                    {
                        "topic": topic,
                        "url": url,
                        "status": status,
                        "at": datetime.now(UTC).isoformat(),
                        "attempt": attempt,
                        "store": store,
                    }
                )
            if status is not None and status in success:
                break
        return status

    async def listing(self, request: Request) -> JSONResponse:
        """`GET /_sandbox/webhook-deliveries[?topic=…&store=…]`: every attempt so far, oldest first."""
        topic, store = request.query_params.get("topic"), request.query_params.get("store")
        with self.lock:
            rows = [
                dict(r)
                for r in self.log
                if (topic is None or r["topic"] == topic) and (store is None or r["store"] == store)
            ]
        return JSONResponse(rows)
