"""Liveness with a database check, and Prometheus metrics behind a bearer token."""

from __future__ import annotations

import asyncio
import hmac
import logging

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..errors import NotFound, Unauthorized
from ..metrics import QueueDepthGauge
from ..settings import Settings
from .context import bearer_token, services

log = logging.getLogger(__name__)


async def health(request: Request) -> JSONResponse:
    try:
        async with asyncio.timeout(2):
            async with services(request).pool.acquire() as conn:
                await conn.fetchval("SELECT 1")
    except Exception as exc:  # any failure to reach the database is "unavailable"
        # The reason stays in our log: its text (hosts, users, versions) is nobody else's business.
        log.warning("health check: the database did not answer: %r", exc)
        return JSONResponse({"status": "unavailable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


def authorise_scrape(settings: Settings, request: Request) -> None:
    """With METRICS_TOKEN set, a scrape must send it as a bearer token. Without one, /metrics is
    open only in development (the demo) and does not exist in production."""
    if not settings.metrics_token:
        if settings.development:
            return
        raise NotFound("Not found.")
    sent = bearer_token(request).encode()
    if not hmac.compare_digest(sent, settings.metrics_token.encode()):
        raise Unauthorized("/metrics needs 'Authorization: Bearer <METRICS_TOKEN>'.")


def queue_depth_gauge(request: Request) -> QueueDepthGauge:
    gauge: QueueDepthGauge = request.app.state.queue_depth
    return gauge


async def metrics(request: Request) -> Response:
    authorise_scrape(services(request).settings, request)
    await queue_depth_gauge(request).refresh()
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


routes = [
    Route("/health", health, methods=["GET"]),
    Route("/metrics", metrics, methods=["GET"]),
]
