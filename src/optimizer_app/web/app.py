"""The Starlette app factory."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware

from .. import db, heap
from ..clients import StoreClients
from ..crypto import TokenCipher
from ..llm import language_id
from ..metrics import QueueDepthGauge
from ..settings import Settings
from . import (
    account_routes,
    activity_routes,
    automation_routes,
    catalog_routes,
    export_routes,
    glossary_routes,
    health_routes,
    history_routes,
    job_routes,
    openapi,
    publish_routes,
    review_routes,
    salla_routes,
    shell_routes,
    shopify_routes,
    voice_routes,
    webhook_routes,
    woocommerce_routes,
)
from .context import session_serializer
from .errors import HANDLERS
from .middleware import BodyLimitMiddleware, SecurityHeadersMiddleware
from .ratelimit import ConnectRateLimiter, StoreRateLimiter
from .services import Services

log = logging.getLogger(__name__)


def create_app(settings: Settings) -> Starlette:
    if not settings.database_url:
        raise ValueError("DATABASE_URL is required to serve (the demo command sets one up).")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await asyncio.to_thread(language_id.warm_up)  # an owner's edit checks its language
        pool = await db.create_pool(settings.database_url, min_size=settings.db_pool_min, max_size=settings.db_pool_max)
        http = httpx.AsyncClient(timeout=httpx.Timeout(30.0, connect=5.0))
        cipher = TokenCipher(*settings.token_encryption_keys)
        clients = StoreClients(settings, pool, cipher, http)
        app.state.services = Services(
            settings=settings,
            pool=pool,
            http=http,
            cipher=cipher,
            clients=clients,
            sessions=session_serializer(settings.secret_keys),
            rate_limiter=StoreRateLimiter(settings.api_rate_limit_per_minute),
            connect_limiter=ConnectRateLimiter(settings.connect_attempts_per_10_minutes),
        )
        app.state.queue_depth = QueueDepthGauge(pool)
        heap.freeze_startup_objects()
        try:
            yield
        finally:
            await clients.aclose()
            await http.aclose()
            await pool.close()

    routes = [
        *health_routes.routes,
        *openapi.routes,
        *shell_routes.routes,
        shell_routes.assets(settings.dashboard_dist),
        *account_routes.routes,
        *catalog_routes.routes,
        *job_routes.routes,
        *export_routes.routes,
        *history_routes.routes,
        *publish_routes.routes,
        *activity_routes.routes,
        *review_routes.routes,
        *voice_routes.routes,
        *glossary_routes.routes,
        *automation_routes.routes,
        *webhook_routes.routes,
        *salla_routes.routes,
        *shopify_routes.routes,
        *woocommerce_routes.routes,
    ]
    return Starlette(
        routes=routes,
        middleware=[
            Middleware(SecurityHeadersMiddleware, extra_frame_ancestors=settings.extra_frame_ancestors),
            Middleware(
                BodyLimitMiddleware,
                max_bytes=settings.max_body_bytes,
                uploads=[(export_routes.IMPORT_PATH_PATTERN, settings.import_max_bytes)],
            ),
        ],
        exception_handlers=HANDLERS,
        lifespan=lifespan,
    )
