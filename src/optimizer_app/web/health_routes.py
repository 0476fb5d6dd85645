"""Liveness with a database check, and Prometheus metrics."""

from __future__ import annotations

import asyncio

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .. import queue
from ..metrics import QUEUE_DEPTH
from .context import services


async def health(request: Request) -> JSONResponse:
    try:
        async with asyncio.timeout(2):
            async with services(request).pool.acquire() as conn:
                await conn.fetchval("SELECT 1")
    except Exception as exc:  # any failure to reach the database is "unavailable"
        return JSONResponse({"status": "unavailable", "database": str(exc) or type(exc).__name__}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


async def metrics(request: Request) -> Response:
    async with services(request).pool.acquire() as conn:
        depth = await queue.queue_depth(conn)
    for status, count in depth.items():
        QUEUE_DEPTH.labels(status).set(count)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


routes = [
    Route("/health", health, methods=["GET"]),
    Route("/metrics", metrics, methods=["GET"]),
]
