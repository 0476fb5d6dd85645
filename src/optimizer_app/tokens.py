"""Platform access tokens kept encrypted in the stores table, minted or refreshed on demand.

A refresh runs inside a transaction that holds the store's row lock, so two processes never
refresh the same store at once: the second waits, then finds the token the first one saved.
This matters where refresh tokens are single-use (Salla): spending one twice revokes the pair.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import NamedTuple, Protocol

import asyncpg

from . import db, stores
from .crypto import TokenCipher
from .platforms.base import PlatformAuthError

# Get a new token for the store: (access token, expires at, new refresh token or None).
Minter = Callable[[stores.Store], Awaitable[tuple[str, datetime | None, str | None]]]

_EARLY = timedelta(minutes=5)


class NeedsReauthorisation(PlatformAuthError):
    """The platform refused to renew the store's credentials; the owner must authorise again."""


def _fresh(store: stores.Store, *, renew_unexpiring: bool = False) -> bool:
    if store.access_token_enc is None:
        return False
    if store.token_expires_at is None:
        return not renew_unexpiring
    return store.token_expires_at - _EARLY > datetime.now(UTC)


class StoredTokenSource:
    """TokenSource for one store. Tokens expiring within five minutes are replaced early.

    `refusals` are the minter's exceptions that mean the credentials are gone for good: the store
    is then marked as needing re-authorisation. `renew_unexpiring`: a token without an expiry is
    due for replacement too (Shopify's non-expiring tokens, migrated on first use)."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        store_id: int,
        cipher: TokenCipher,
        mint: Minter,
        *,
        refusals: tuple[type[Exception], ...] = (),
        renew_unexpiring: bool = False,
    ) -> None:
        self._pool = pool
        self._store_id = store_id
        self._cipher = cipher
        self._mint = mint
        self._refusals = refusals
        self._renew_unexpiring = renew_unexpiring
        self._lock = asyncio.Lock()
        self._seen: bytes | None = None

    async def get(self) -> str:
        async with db.acquire(self._pool) as conn:
            store = await stores.get(conn, self._store_id)
        _check_usable(store)
        assert store is not None
        if _fresh(store, renew_unexpiring=self._renew_unexpiring):
            assert store.access_token_enc is not None
            self._seen = bytes(store.access_token_enc)
            return self._cipher.decrypt(store.access_token_enc)
        return await self._renew(rejected=False)

    async def refresh(self) -> str:
        """After the platform rejected the token last handed out: replace it, unless another
        process already has."""
        return await self._renew(rejected=True)

    async def _renew(self, *, rejected: bool) -> str:
        async with self._lock, db.acquire(self._pool) as conn:
            refused: Exception | None = None
            async with conn.transaction():
                store = await stores.lock(conn, self._store_id)
                _check_usable(store)
                assert store is not None
                current = bytes(store.access_token_enc) if store.access_token_enc is not None else None
                fresh = _fresh(store, renew_unexpiring=self._renew_unexpiring)
                if fresh and current is not None and (not rejected or current != self._seen):
                    # Renewed meanwhile (by another process, or by this one for a concurrent caller).
                    assert store.access_token_enc is not None
                    self._seen = bytes(store.access_token_enc)
                    return self._cipher.decrypt(store.access_token_enc)
                try:
                    minted = Minted(*await self._mint(store))
                except self._refusals as exc:
                    await stores.mark_needs_reauth(conn, self._store_id)
                    refused = exc
                else:
                    self._seen = await save(conn, self._cipher, self._store_id, minted)
                    return minted.access_token
            raise NeedsReauthorisation("The store must authorise the app again.") from refused


class Issued(Protocol):
    """Tokens a platform has just issued (its token responses, or a webhook that carries them)."""

    @property
    def access_token(self) -> str: ...
    @property
    def refresh_token(self) -> str | None: ...
    @property
    def expires_at(self) -> datetime | None: ...


class Minted(NamedTuple):
    access_token: str
    expires_at: datetime | None
    refresh_token: str | None


async def save(conn: asyncpg.Connection, cipher: TokenCipher, store_id: int, issued: Issued) -> bytes:
    """Encrypt and keep a store's new tokens (the refresh token kept as it was when none is
    issued); returns the sealed access token."""
    sealed = cipher.encrypt(issued.access_token)
    refresh_token_enc = cipher.encrypt(issued.refresh_token) if issued.refresh_token else None
    await stores.save_tokens(
        conn, store_id, access_token_enc=sealed, expires_at=issued.expires_at, refresh_token_enc=refresh_token_enc
    )
    return sealed


def _check_usable(store: stores.Store | None) -> None:
    if store is None or not store.installed:
        raise PlatformAuthError("The app is not installed on this store.")
    if store.needs_reauth:
        raise NeedsReauthorisation("The store must authorise the app again.")
