"""Installing stores without the web layer: the functions take their dependencies as arguments."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest

from optimizer_app import installation, stores
from optimizer_app.auth import wix as wix_auth
from optimizer_app.clients import StoreClients
from optimizer_app.crypto import TokenCipher
from optimizer_app.errors import Unauthorized
from optimizer_app.settings import Settings
from optimizer_sandbox.runner import LoopbackServer
from tests.factories import assert_ledger_balanced
from tests.integration.conftest import WIX_APP_ID, WIX_APP_SECRET, new_site


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


async def test_a_reinstalled_wix_site_keeps_the_language_its_owner_chose(
    pool: asyncpg.Pool, settings: Settings, wix_sandbox: LoopbackServer, http: httpx.AsyncClient
) -> None:
    cipher = TokenCipher(*settings.token_encryption_keys)
    clients = StoreClients(settings, pool, cipher, http)
    site = new_site()
    edited = await http.patch(f"{wix_sandbox.url}/_sandbox/instances/{site.instance_id}/site", json={"locale": "ar"})
    assert edited.status_code == 200
    instance = wix_auth.verify_instance(site.instance, app_id=WIX_APP_ID, app_secret=WIX_APP_SECRET)

    store = await installation.install_wix(pool, clients, http, cipher, instance, api_base=settings.wix_api_base)
    assert store.installed and store.access_token_enc is not None
    assert store.settings["default_language"] == "ar"
    again = await installation.install_wix(pool, clients, http, cipher, instance, api_base=settings.wix_api_base)
    assert again.id == store.id and again.session_version == store.session_version

    async with pool.acquire() as conn:
        await stores.update_settings(conn, store.id, {**store.settings, "default_language": "fr"})
        await stores.uninstall(conn, store.id)
    assert await installation.installed(pool, "wix", site.instance_id) is None
    back = await installation.install_wix(pool, clients, http, cipher, instance, api_base=settings.wix_api_base)
    assert back.id == store.id and back.installed
    assert back.settings["default_language"] == "fr"
    assert back.session_version != store.session_version
    await assert_ledger_balanced(pool, store.id)


async def test_a_shopify_install_url_opens_only_a_shop_already_installed(pool: asyncpg.Pool) -> None:
    with pytest.raises(Unauthorized, match="Open the app from the Shopify admin"):
        await installation.installed_shopify(pool, "never-installed.myshopify.com")
