"""The client factory: what one process learns of each store's limits is kept by its StoreClients."""

from __future__ import annotations

from datetime import date

import asyncpg
import httpx

from optimizer_app.clients import StoreClients
from optimizer_app.crypto import TokenCipher
from optimizer_app.platforms.http import PlatformHttp
from optimizer_app.platforms.pacing import Pacer
from optimizer_app.settings import Settings
from optimizer_app.stores import Store


def store(platform: str, external_id: str) -> Store:
    return Store(
        id=1,
        platform=platform,
        external_id=external_id,
        display_name="",
        plan_id="free",
        credits_total=100,
        credits_used=0,
        credits_reset_on=date.today(),
        settings={},
        installed=True,
        needs_reauth=False,
        access_token_enc=None,
        refresh_token_enc=None,
        token_expires_at=None,
        plan_ends_on=None,
        session_version=1,
    )


def pacer_of(clients: StoreClients, store: Store) -> Pacer | None:
    client = clients.for_store(store)
    assert isinstance(client, PlatformHttp)
    return client.pacer


async def test_one_pacer_and_one_cost_bucket_per_store_in_a_process_and_none_shared_between_processes(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    cipher = TokenCipher(*settings.token_encryption_keys)
    async with httpx.AsyncClient() as http:
        process, other_process = StoreClients(settings, pool, cipher, http), StoreClients(settings, pool, cipher, http)
        try:
            site_a = store("wix", "site-a")
            pacer = pacer_of(process, site_a)
            assert pacer is not None and pacer_of(process, site_a) is pacer
            assert pacer_of(process, store("wix", "site-b")) is not pacer
            assert pacer_of(process, store("salla", "site-a")) is not pacer
            assert pacer_of(other_process, site_a) is not pacer

            shop = store("shopify", "shop-a.myshopify.com")
            budget = process.shopify_client(shop).budget
            assert process.shopify_client(shop).budget is budget
            assert process.shopify_client(store("shopify", "shop-b.myshopify.com")).budget is not budget
            assert other_process.shopify_client(shop).budget is not budget
        finally:
            await process.aclose()
            await other_process.aclose()
