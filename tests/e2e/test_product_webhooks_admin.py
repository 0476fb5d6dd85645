"""The sandbox admins' "Add product" forms, as in `make demo`: the owner adds a product in the
Shopify admin (the app framed beside it) and in the WordPress admin of a connected WooCommerce
site, and the platform's product-created webhook leaves the product waiting for automation."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterator

import asyncpg
import httpx
import pytest
from playwright.async_api import expect

from optimizer_sandbox.runner import LoopbackServer, _free_port
from optimizer_sandbox.shopify import create_shopify_sandbox
from optimizer_sandbox.woocommerce import create_woocommerce_sandbox
from tests.e2e.conftest import Browser, web_settings

API_KEY = "e2e0hooks0api0key000000000000000"
API_SECRET = "shpss_e2e_product_hooks_secret_0123456789abcdef0123456789abcd"
WOO_KEY, WOO_SECRET = "ck_" + "3" * 40, "cs_" + "4" * 40


@pytest.fixture
def stack(database_url: str) -> Iterator[tuple[LoopbackServer, LoopbackServer, LoopbackServer]]:
    """(the Shopify sandbox, a WooCommerce site, the web app) with the app's public address set."""
    from optimizer_app.web.app import create_app

    web_port = _free_port("127.0.0.1")
    app_url = f"http://127.0.0.1:{web_port}"
    shopify = create_shopify_sandbox(api_key=API_KEY, api_secret=API_SECRET, app_url=app_url)
    woo = create_woocommerce_sandbox(consumer_key=WOO_KEY, consumer_secret=WOO_SECRET)
    with LoopbackServer(shopify) as sandbox, LoopbackServer(woo) as site:
        settings = web_settings(
            database_url,
            shopify_api_key=API_KEY,
            shopify_api_secret=API_SECRET,
            shopify_admin_base=sandbox.url,
            app_base_url=app_url,
            extra_frame_ancestors=sandbox.url,
            shopify_app_bridge_url=f"{sandbox.url}/_sandbox/app-bridge.js",
            # The sandbox site listens on plain HTTP on loopback, which only development allows.
            app_env="development",
            outbound_allow_private=True,
        )
        with LoopbackServer(create_app(settings), port=web_port) as web:
            yield sandbox, site, web


async def waiting_change(database_url: str, product_id: str) -> bool:
    """Whether the product waits for automation as created, within five seconds."""
    conn = await asyncpg.connect(database_url)
    try:
        for _ in range(50):
            created = await conn.fetchval("SELECT created FROM automation_changes WHERE product_id = $1", product_id)
            if created is not None:
                return bool(created)
            await asyncio.sleep(0.1)
    finally:
        await conn.close()
    raise AssertionError(f"{product_id} never reached automation")


async def test_adding_a_product_in_each_sandbox_admin_reaches_automation(
    stack: tuple[LoopbackServer, LoopbackServer, LoopbackServer], browser: Browser, database_url: str
) -> None:
    sandbox, site, web = stack
    page = browser.page
    shop = f"e2e-{uuid.uuid4().hex[:8]}.myshopify.com"
    await page.goto(f"{sandbox.url}/_sandbox/admin?shop={shop}")
    # The app installs on its first open and subscribes the shop to the product topics.
    await expect(page.frame_locator("#app").locator("table.products tbody tr").first).to_be_visible()
    form = page.locator("#add-product")
    await form.get_by_label("Title").fill("Linen Apron")
    await form.get_by_label("Description").fill("A washed linen apron.")
    await form.get_by_role("button", name="Add product").click()
    result = page.locator("#add-product-result")
    await expect(result).to_have_text(re.compile(r"^Product added: gid://shopify/Product/\d+$"))
    product_id = (await result.text_content() or "").removeprefix("Product added: ")
    assert await waiting_change(database_url, product_id) is True

    connected = httpx.post(
        f"{web.url}/api/woocommerce/connect",
        json={"site_url": site.url, "consumer_key": WOO_KEY, "consumer_secret": WOO_SECRET},
        timeout=30,
    )
    assert connected.status_code == 201, connected.text
    await page.goto(f"{site.url}/_sandbox/admin")
    await page.get_by_label("Product name").fill("Olive Board")
    await page.get_by_role("button", name="Add product").click()
    await expect(page.locator("#add-product-result")).to_have_text(re.compile(r"^Product added: #\d+$"))
    number = (await page.locator("#add-product-result").text_content() or "").removeprefix("Product added: #")
    assert await waiting_change(database_url, number) is True
