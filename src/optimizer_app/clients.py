"""Builds the StoreClient for a store, with its tokens kept encrypted in the database."""

from __future__ import annotations

import json
from datetime import datetime
from functools import partial

import asyncpg
import httpx

from . import stores
from .auth import salla as salla_auth
from .auth import shopify as shopify_auth
from .auth import wix as wix_auth
from .auth.woocommerce import WooCredentials
from .crypto import TokenCipher
from .domain.store_settings import effective_settings
from .errors import Forbidden
from .outbound import OutboundPolicy, outbound_client
from .platforms.base import StoreClient
from .platforms.http import RetryPolicy
from .platforms.pacing import Pacers
from .platforms.salla import SallaClient
from .platforms.shopify import QueryCosts, ShopifyClient
from .platforms.wix import WixClient
from .platforms.woocommerce import SiteFacts, WooCommerceClient
from .settings import Settings
from .stores import Store
from .tokens import StoredTokenSource

# Documented per-store limits: Wix 200 a minute per instance; Salla 120 a minute on its smallest
# plan (larger plans get more, and its X-RateLimit headers pause the client when the bucket is empty).
WIX_REQUESTS_PER_MINUTE = 200
SALLA_REQUESTS_PER_MINUTE = 120


class StoreClients:
    """One per process: shares the HTTP connection pool between every store's client, and owns
    what the process learns of each store's limits (pacers, Shopify's cost buckets). Addresses an
    owner gave us (WooCommerce sites) are reached only through `outbound`'s checked client."""

    def __init__(self, settings: Settings, pool: asyncpg.Pool, cipher: TokenCipher, http: httpx.AsyncClient) -> None:
        self.settings = settings
        self.pool = pool
        self.cipher = cipher
        self.http = http
        self.outbound_policy = OutboundPolicy.from_settings(settings)
        self.outbound = outbound_client(self.outbound_policy)
        self.pacers = Pacers()
        self.shopify_costs = QueryCosts()

    async def aclose(self) -> None:
        await self.outbound.aclose()

    def for_store(self, store: Store) -> StoreClient:
        if not store.installed:
            raise Forbidden("The app is not installed on this store any more.")
        if store.platform == "wix":
            tokens = StoredTokenSource(self.pool, store.id, self.cipher, self._mint_wix)
            return WixClient(
                api_base=self.settings.wix_api_base,
                tokens=tokens,
                http=self.http,
                pacer=self.pacers.for_store("wix", store.external_id, WIX_REQUESTS_PER_MINUTE),
                catalog_version=store.catalog_version,
                remember_version=partial(self._remember_catalog_version, store.id),
            )
        if store.platform == "salla":
            return self.salla_client(store)
        if store.platform == "shopify":
            return self.shopify_client(store)
        if store.platform == "woocommerce":
            return self.woocommerce_client(
                store.external_id,
                self.woocommerce_credentials(store),
                site=SiteFacts.from_json(store.site_facts),
                store_id=store.id,
            )
        raise Forbidden(f"The {store.platform} platform is not supported.")

    def salla_client(self, store: Store) -> SallaClient:
        tokens = StoredTokenSource(
            self.pool, store.id, self.cipher, self._refresh_salla, refusals=(salla_auth.RefreshRejected,)
        )
        return SallaClient(
            api_base=self.settings.salla_api_base,
            tokens=tokens,
            http=self.http,
            pacer=self.pacers.for_store("salla", store.external_id, SALLA_REQUESTS_PER_MINUTE),
            language=str(effective_settings("salla", store.settings)["default_language"]),
        )

    async def _remember_catalog_version(self, store_id: int, version: str) -> None:
        async with self.pool.acquire() as conn:
            await stores.remember_catalog_version(conn, store_id, version)

    async def mint_wix(self, instance_id: str) -> wix_auth.AccessToken:
        return await wix_auth.mint_access_token(
            self.http,
            api_base=self.settings.wix_api_base,
            app_id=self.settings.wix_app_id,
            app_secret=self.settings.wix_app_secret,
            instance_id=instance_id,
        )

    async def _mint_wix(self, store: Store) -> tuple[str, datetime | None, str | None]:
        token = await self.mint_wix(store.external_id)
        return token.token, token.expires_at, None

    async def _refresh_salla(self, store: Store) -> tuple[str, datetime | None, str | None]:
        if store.refresh_token_enc is None:
            raise salla_auth.RefreshRejected("The store has no refresh token; it must authorise the app again.")
        tokens = await salla_auth.refresh(
            self.http,
            auth_base=self.settings.salla_auth_base,
            client_id=self.settings.salla_client_id,
            client_secret=self.settings.salla_client_secret,
            refresh_token=self.cipher.decrypt(store.refresh_token_enc),
        )
        return tokens.access_token, tokens.expires_at, tokens.refresh_token

    def shopify_client(self, store: Store) -> ShopifyClient:
        if not store.installed:
            raise Forbidden("The app is not installed on this store any more.")
        tokens = StoredTokenSource(
            self.pool,
            store.id,
            self.cipher,
            self._refresh_shopify,
            refusals=(shopify_auth.RefreshRejected,),
            # Public apps must use expiring tokens: a shop still holding a non-expiring one is
            # migrated the first time the app acts for it.
            renew_unexpiring=self.settings.shopify_expiring_tokens,
        )
        return ShopifyClient(
            shop=store.external_id,
            tokens=tokens,
            admin_base=self.settings.shopify_admin_base,
            api_version=self.settings.shopify_api_version,
            http=self.http,
            costs=self.shopify_costs,
        )

    async def exchange_shopify(self, shop: str, session_token: str) -> shopify_auth.OfflineToken:
        """Token exchange: a verified session token for the shop's offline access token."""
        return await shopify_auth.exchange_session_token(
            self.http,
            shop=shop,
            api_key=self.settings.shopify_api_key,
            api_secret=self.settings.shopify_api_secret,
            session_token=session_token,
            admin_base=self.settings.shopify_admin_base,
            expiring=self.settings.shopify_expiring_tokens,
        )

    async def _refresh_shopify(self, store: Store) -> tuple[str, datetime | None, str | None]:
        if (
            store.refresh_token_enc is None
            and store.access_token_enc is not None
            and self.settings.shopify_expiring_tokens
        ):
            migrated = await shopify_auth.migrate_to_expiring(
                self.http,
                shop=store.external_id,
                api_key=self.settings.shopify_api_key,
                api_secret=self.settings.shopify_api_secret,
                offline_token=self.cipher.decrypt(store.access_token_enc),
                admin_base=self.settings.shopify_admin_base,
            )
            return migrated.access_token, migrated.expires_at, migrated.refresh_token
        # A non-expiring offline token kept as such has no refresh token: a refused one needs the app opened again.
        if store.refresh_token_enc is None:
            raise shopify_auth.RefreshRejected("The shop has no refresh token; the owner must open the app again.")
        tokens = await shopify_auth.refresh_offline_token(
            self.http,
            shop=store.external_id,
            api_key=self.settings.shopify_api_key,
            api_secret=self.settings.shopify_api_secret,
            refresh_token=self.cipher.decrypt(store.refresh_token_enc),
            admin_base=self.settings.shopify_admin_base,
        )
        return tokens.access_token, tokens.expires_at, tokens.refresh_token

    def woocommerce_client(
        self,
        site_url: str,
        credentials: WooCredentials,
        *,
        max_retries: int = 4,
        site: SiteFacts | None = None,
        store_id: int | None = None,
    ) -> WooCommerceClient:
        """A site's client; for a connected store (`store_id`), what it learns of the site later
        (a host that drops the Authorization header) is remembered for the store."""

        async def remember(learned: SiteFacts) -> None:
            if store_id is not None:
                async with self.pool.acquire() as conn:
                    await stores.merge_site_facts(conn, store_id, learned.to_json())

        return WooCommerceClient(
            site_url=site_url,
            credentials=credentials,
            http=self.outbound,
            policy=RetryPolicy(max_retries=max_retries),
            site=site or SiteFacts(),
            remember=remember,
        )

    def seal_woocommerce_credentials(self, credentials: WooCredentials) -> bytes:
        return self.cipher.encrypt(json.dumps([credentials.consumer_key, credentials.consumer_secret]))

    def woocommerce_credentials(self, store: Store) -> WooCredentials:
        if store.access_token_enc is None:
            raise Forbidden("This WooCommerce site has no keys saved; connect it again.")
        key, secret = json.loads(self.cipher.decrypt(store.access_token_enc))
        return WooCredentials(key, secret)
