"""A pass-through on loopback between the worker and an OpenAI-compatible server that notes every
chat completion: what was asked (the output limit's parameter, the response format), how long the
answer took, its status, finish reason and token usage as the server counted it, and whether the
worker still waited for it. The server keeps
no such record we could read, and the worker keeps none per call."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

# Headers that describe one hop, not the message (RFC 9110 §7.6.1), and the length httpx recomputes.
_HOP_HEADERS = frozenset(
    {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer", "host"}
)
_OUTPUT_LIMITS = ("max_completion_tokens", "max_tokens", "n_predict")


@dataclass(frozen=True)
class Call:
    """One chat completion as it went through."""

    started: float  # seconds since the counter started
    seconds: float
    status: int
    limit: str  # "max_tokens=300", or "none"
    response_format: str  # json_schema, json_object or text
    temperature: float | None
    finish_reason: str | None
    prompt_tokens: int
    completion_tokens: int
    abandoned: bool  # the worker had hung up (its timeout) before the answer came


class CallCounter:
    """The ASGI app of the pass-through; `calls` grows as answers come back."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.calls: list[Call] = []
        self._lock = threading.Lock()
        self._origin = time.perf_counter()
        self._http: httpx.AsyncClient | None = None
        self.app = Starlette(
            routes=[Route("/{path:path}", self._forward, methods=["GET", "POST", "DELETE"])], lifespan=self._lifespan
        )

    def snapshot(self) -> list[Call]:
        with self._lock:
            return list(self.calls)

    @asynccontextmanager
    async def _lifespan(self, _app: Starlette) -> AsyncIterator[None]:
        # No timeout: a self-hosted server finishes what it started whether or not the worker
        # still waits, and its late answers are part of what this run shows.
        async with httpx.AsyncClient(timeout=None) as self._http:
            yield

    async def _forward(self, request: Request) -> Response:
        assert self._http is not None
        body = await request.body()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_HEADERS | {"content-length"}}
        started = time.perf_counter()
        try:
            upstream = await self._http.request(
                request.method,
                f"{self.upstream}/{request.path_params['path']}",
                params=request.query_params,
                content=body,
                headers=headers,
            )
        except httpx.HTTPError as exc:
            return Response(json.dumps({"error": {"message": f"llm-check pass-through: {exc}"}}), status_code=502)
        if request.url.path.endswith("/chat/completions"):
            self._note(started, body, upstream, abandoned=await request.is_disconnected())
        out_headers = {k: v for k, v in upstream.headers.items() if k.lower() not in _HOP_HEADERS | {"content-length"}}
        out_headers.pop("content-encoding", None)  # httpx has already decoded the body
        return Response(upstream.content, status_code=upstream.status_code, headers=out_headers)

    def _note(self, started: float, body: bytes, upstream: httpx.Response, *, abandoned: bool) -> None:
        asked = _json_object(body)
        answer = _json_object(upstream.content)
        choices = answer.get("choices") or [{}]
        usage = answer.get("usage") or {}
        limit = next((f"{k}={asked[k]}" for k in _OUTPUT_LIMITS if k in asked), "none")
        fmt = asked.get("response_format") or {}
        call = Call(
            started=started - self._origin,
            seconds=time.perf_counter() - started,
            status=upstream.status_code,
            limit=limit,
            response_format=str(fmt.get("type", "text")) if isinstance(fmt, dict) else "text",
            temperature=asked.get("temperature"),
            finish_reason=choices[0].get("finish_reason") if isinstance(choices[0], dict) else None,
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or 0),
            abandoned=abandoned,
        )
        with self._lock:
            self.calls.append(call)


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
