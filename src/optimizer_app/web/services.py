"""What route handlers reach through `request.app.state.services`."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
import httpx
from itsdangerous import URLSafeTimedSerializer

from ..clients import StoreClients
from ..crypto import TokenCipher
from ..settings import Settings
from .ratelimit import ConnectRateLimiter, StoreRateLimiter


@dataclass
class Services:
    settings: Settings
    pool: asyncpg.Pool
    http: httpx.AsyncClient
    cipher: TokenCipher
    clients: StoreClients
    sessions: URLSafeTimedSerializer
    rate_limiter: StoreRateLimiter
    connect_limiter: ConnectRateLimiter
