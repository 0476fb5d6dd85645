"""Platform access tokens kept encrypted in the stores table, minted or refreshed on demand."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import asyncpg

from . import stores
from .crypto import TokenCipher
from .platforms.base import PlatformAuthError

# Mint a new token for the store: (access token, expires at, refresh token or None).
Minter = Callable[[stores.Store], Awaitable[tuple[str, datetime | None, str | None]]]

_EARLY = timedelta(minutes=5)


class StoredTokenSource:
    """TokenSource for one store. Tokens expiring within five minutes are replaced early."""

    def __init__(self, pool: asyncpg.Pool, store_id: int, cipher: TokenCipher, mint: Minter) -> None:
        self._pool = pool
        self._store_id = store_id
        self._cipher = cipher
        self._mint = mint
        self._lock = asyncio.Lock()

    async def get(self) -> str:
        async with self._pool.acquire() as conn:
            store = await stores.get(conn, self._store_id)
        if store is None or not store.installed:
            raise PlatformAuthError("The app is not installed on this store.")
        if store.access_token_enc and (
            store.token_expires_at is None or store.token_expires_at - _EARLY > datetime.now(UTC)
        ):
            return self._cipher.decrypt(store.access_token_enc)
        return await self.refresh()

    async def refresh(self) -> str:
        async with self._lock:
            async with self._pool.acquire() as conn:
                store = await stores.get(conn, self._store_id)
            if store is None or not store.installed:
                raise PlatformAuthError("The app is not installed on this store.")
            token, expires_at, refresh_token = await self._mint(store)
            async with self._pool.acquire() as conn:
                await stores.save_tokens(
                    conn,
                    self._store_id,
                    access_token_enc=self._cipher.encrypt(token),
                    expires_at=expires_at,
                    refresh_token_enc=self._cipher.encrypt(refresh_token) if refresh_token else None,
                )
            return token
