"""Failures a test injects into a stand-in through `POST /_sandbox/faults`: the next `count`
requests whose path starts with `path_prefix` answer `status`, with `Retry-After` when
`retry_after` is given. Each stand-in words the failure the way its platform does."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse


@dataclass
class Fault:
    path_prefix: str
    status: int
    remaining: int
    retry_after: float | None

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": f"{self.retry_after:g}"} if self.retry_after is not None else {}


class Faults:
    def __init__(self, default_status: int = 500) -> None:
        self.default_status = default_status
        self._lock = threading.Lock()
        self._queue: list[Fault] = []

    def take(self, path: str = "/") -> Fault | None:
        """The first fault left for `path`, counted as spent; None when there is none."""
        with self._lock:
            for fault in self._queue:
                if path.startswith(fault.path_prefix) and fault.remaining > 0:
                    fault.remaining -= 1
                    return fault
        return None

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()

    async def add(self, request: Request) -> JSONResponse:
        """The `/_sandbox/faults` control route."""
        try:
            body: Any = await request.json()
            retry = body.get("retry_after")
            fault = Fault(
                path_prefix=str(body.get("path_prefix", "/")),
                status=int(body.get("status", self.default_status)),
                remaining=int(body.get("count", 1)),
                retry_after=float(retry) if retry is not None else None,
            )
        except (ValueError, TypeError, AttributeError):
            return JSONResponse({"error": "a fault is {status, count, path_prefix, retry_after}"}, status_code=400)
        with self._lock:
            self._queue.append(fault)
        return JSONResponse({"queued": True})
