"""Webhook deliveries a sandbox sends the app, the way platforms send them: shortly after the
request that caused them has been answered, each one retried on failure after the delays its
sandbox names (a couple of quick retries in place of the platform's documented schedule), every
attempt logged for `GET /_sandbox/webhook-deliveries`."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse

# The event happens after its request is answered: a platform queues its webhooks.
AFTER_ANSWER_SECONDS = 0.05


class Outbox:
    """`send()` schedules one delivery on the running loop; `log` holds its attempts."""

    def __init__(self, *, retry_delays: Sequence[float], succeeded: Callable[[int], bool]) -> None:
        self.retry_delays = tuple(retry_delays)
        self.succeeded = succeeded
        self.log: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._tasks: set[asyncio.Task[None]] = set()

    def send(self, topic: str, url: str, body: bytes, headers: Mapping[str, str], *, store: str) -> None:
        task = asyncio.get_running_loop().create_task(self._deliver(topic, url, body, dict(headers), store))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, topic: str, url: str, body: bytes, headers: dict[str, str], store: str) -> None:
        await asyncio.sleep(AFTER_ANSWER_SECONDS)
        async with httpx.AsyncClient(timeout=10) as client:
            for attempt, wait in enumerate((0.0, *self.retry_delays), start=1):
                await asyncio.sleep(wait)
                try:
                    status: int | None = (await client.post(url, content=body, headers=headers)).status_code
                except httpx.HTTPError:
                    status = None
                with self._lock:
                    self.log.append(
                        {
                            "topic": topic,
                            "url": url,
                            "store": store,
                            "status": status,
                            "attempt": attempt,
                            "at": datetime.now(UTC).isoformat(timespec="milliseconds"),
                        }
                    )
                if status is not None and self.succeeded(status):
                    return

    async def deliveries(self, request: Request) -> JSONResponse:
        """`GET /_sandbox/webhook-deliveries[?store=&topic=]`: every attempt, oldest first."""
        store, topic = request.query_params.get("store"), request.query_params.get("topic")
        with self._lock:
            listed = [
                d for d in self.log if (store is None or d["store"] == store) and (topic is None or d["topic"] == topic)
            ]
        return JSONResponse({"deliveries": listed})
