"""What the tests of automation and of the four platforms share: the web app served on loopback
beside every platform's sandbox (`platforms`, `api`: import them with
`from tests.integration.automation_stack import api, platforms`), a store of each platform signed
in (`sign_in`) and hearing its product webhooks, products the owner adds in a sandbox's admin, the
deliveries a sandbox sent, and workers running the automation step as `optimizer-app worker` runs
them."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

import asyncpg
import httpx
import pytest

from optimizer_app.automation import StepConfig
from optimizer_app.clients import StoreClients
from optimizer_app.crypto import TokenCipher
from optimizer_app.llm.openai_provider import OpenAIProvider
from optimizer_app.settings import Settings
from optimizer_app.worker import Worker
from optimizer_sandbox.runner import LoopbackServer
from tests.factories import quick_worker_config
from tests.integration.all_platforms import SALLA_MERCHANT, AllPlatforms, all_platforms
from tests.integration.conftest import new_site

PLATFORMS = ("wix", "shopify", "salla", "woocommerce")
# The automation step at a test's pace: a "day" of sweeps is 2 s.
QUICK = StepConfig(poll_seconds=0.2, sweep_daily_seconds=2.0)


@dataclass
class Caller:
    """A store signed in to the app: its id, the owner's headers for the API and the store's id on
    its platform (what the sandbox's admin calls it: `store` of `POST /_sandbox/admin/products`)."""

    platform: str
    store_id: int
    headers: dict[str, str]
    external_id: str


@pytest.fixture
def platforms(settings: Settings) -> Iterator[AllPlatforms]:
    with all_platforms(replace(settings, api_rate_limit_per_minute=0)) as running:
        yield running


@pytest.fixture
async def api(platforms: AllPlatforms) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=platforms.web.url, timeout=30) as client:
        yield client


async def sign_in(platforms: AllPlatforms, api: httpx.AsyncClient, platform: str) -> Caller:
    """Install the app on a store of `platform` as its platform does (Salla's Easy Mode, Shopify's
    token exchange, a Wix site opening it, a WooCommerce site connecting), which registers its
    product webhooks (Wix: the app's webhooks as configured in its dashboard, `hear_wix_products`)."""
    if platform == "wix":
        site = new_site()
        headers, external = site.headers, site.instance_id
    elif platform == "shopify":
        headers, external = platforms.shopify_headers(), platforms.shop
    elif platform == "salla":
        platforms.install_salla()
        page = await api.get("/app/salla", params={"token": platforms.salla_embedded_token()})
        session = json.loads(page.text.split('type="application/json">')[1].split("</script>")[0])["session"]
        headers, external = {"Authorization": f"Bearer {session}"}, str(SALLA_MERCHANT)
    else:
        session = (await api.post("/api/woocommerce/connect", json=platforms.woo_keys())).json()["session"]
        headers, external = {"Authorization": f"Bearer {session}"}, platforms.woo.url
    me = await api.get("/api/me", headers=headers)
    assert me.status_code == 200, me.text
    return Caller(platform, me.json()["store"]["id"], headers, external)


def hear_wix_products(wix_sandbox: LoopbackServer, app_url: str) -> str:
    """The app's Wix product webhooks, configured in its (sandbox) app dashboard to the app's
    address; that address."""
    url = f"{app_url}/webhooks/wix"
    httpx.put(f"{wix_sandbox.url}/_sandbox/app-webhooks", json={"url": url}).raise_for_status()
    return url


def sandbox_of(platforms: AllPlatforms, wix_sandbox: LoopbackServer, platform: str) -> LoopbackServer:
    return {"wix": wix_sandbox, "shopify": platforms.shopify, "salla": platforms.salla, "woocommerce": platforms.woo}[
        platform
    ]


def add_product(sandbox: LoopbackServer, caller: Caller, title: str, description: str = "") -> str:
    """The owner adds a product in the platform's admin; its id as the platform's API names it."""
    res = httpx.post(
        f"{sandbox.url}/_sandbox/admin/products",
        json={"store": caller.external_id, "title": title, "description": description},
    )
    assert res.status_code == 201, res.text
    product_id: str = res.json()["product_id"]
    return product_id


def deliveries(sandbox: LoopbackServer, store: str) -> list[dict[str, Any]]:
    """The webhooks the sandbox sent for the store, oldest first: {topic, url, status, at, …}."""
    listed: list[dict[str, Any]] = httpx.get(
        f"{sandbox.url}/_sandbox/webhook-deliveries", params={"store": store}
    ).json()
    return listed


async def eventually(check: Callable[[], Awaitable[Any]], *, timeout: float = 20.0) -> Any:
    """What `check` returns once it is truthy; AssertionError after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        found = await check()
        if found:
            return found
        if loop.time() > deadline:
            raise AssertionError(f"not within {timeout} s")
        await asyncio.sleep(0.1)


async def automation_changes(pool: asyncpg.Pool, store_id: int) -> list[asyncpg.Record]:
    """The store's product changes waiting for automation: product_id, created, source, changes."""
    async with pool.acquire() as conn:
        rows: list[asyncpg.Record] = await conn.fetch(
            "SELECT product_id, created, source, changes FROM automation_changes WHERE store_id = $1", store_id
        )
    return rows


async def wait_for_change(pool: asyncpg.Pool, store_id: int, product_id: str, timeout: float = 5.0) -> asyncpg.Record:
    """The product's waiting change once a webhook has recorded it; AssertionError after `timeout` seconds."""

    async def recorded() -> asyncpg.Record | None:
        return next((r for r in await automation_changes(pool, store_id) if r["product_id"] == product_id), None)

    row: asyncpg.Record = await eventually(recorded, timeout=timeout)
    return row


@asynccontextmanager
async def running_workers(
    settings: Settings,
    pool: asyncpg.Pool,
    database_url: str,
    llm_sandbox: LoopbackServer,
    n: int = 1,
    config: StepConfig = QUICK,
) -> AsyncIterator[list[asyncio.Event]]:
    """`n` workers with the automation step, as `optimizer-app worker` runs them (the stores'
    clients, LISTEN on the database), on the sandbox LLM through the openai SDK; each stops when
    its event is set, all at the end."""
    async with httpx.AsyncClient(timeout=30) as http:
        clients = StoreClients(settings, pool, TokenCipher(*settings.token_encryption_keys), http)
        providers = [
            OpenAIProvider(api_key="sandbox", base_url=f"{llm_sandbox.url}/v1", model="gpt-4o-mini") for _ in range(n)
        ]
        stops = [asyncio.Event() for _ in range(n)]
        tasks = [
            asyncio.create_task(
                Worker(
                    pool,
                    provider,
                    quick_worker_config(),
                    listen_dsn=database_url,
                    clients=clients,
                    automation_config=config,
                ).run(stop)
            )
            for provider, stop in zip(providers, stops, strict=True)
        ]
        try:
            yield stops
        finally:
            for stop in stops:
                stop.set()
            await asyncio.gather(*tasks)
            for provider in providers:
                await provider.aclose()
            await clients.aclose()
