"""A WooCommerce site owner in a real browser: a refused connect keeps what was typed (never the
secret) and says why, connecting opens the app, a reload (or a later visit) opens it again without
the keys, and Disconnect in Settings returns to the connect form for good; at desktop and phone
width, no page scrolling sideways."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.async_api import Page, expect

from optimizer_sandbox.runner import LoopbackServer
from optimizer_sandbox.woocommerce import create_woocommerce_sandbox
from tests.e2e import steps
from tests.e2e.conftest import Browser, screenshot_path, web_settings

KEY, SECRET = "ck_" + "d" * 40, "cs_" + "e" * 40


@pytest.fixture
def web(database_url: str) -> Iterator[LoopbackServer]:
    from optimizer_app.web.app import create_app

    # The sandbox site listens on plain HTTP on loopback, which only development allows.
    settings = web_settings(database_url, app_env="development", outbound_allow_private=True)
    with LoopbackServer(create_app(settings)) as server:
        yield server


@pytest.fixture
def site() -> Iterator[LoopbackServer]:
    with LoopbackServer(create_woocommerce_sandbox(consumer_key=KEY, consumer_secret=SECRET)) as server:
        yield server


async def connect(page: Page, site_url: str, secret: str) -> None:
    await page.fill("#site_url", site_url)
    await page.fill("#consumer_key", KEY)
    await page.fill("#consumer_secret", secret)
    await page.get_by_role("button", name="Connect").click()


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800}, {"width": 390, "height": 844}])
async def test_connect_reload_still_signed_in_then_disconnect(
    web: LoopbackServer, site: LoopbackServer, browser: Browser, viewport: dict[str, int]
) -> None:
    page = browser.page
    await page.set_viewport_size(viewport)
    await page.goto(f"{web.url}/app/woocommerce")
    await steps.no_sideways_scroll(page.locator("html"))

    await connect(page, site.url, "cs_" + "0" * 40)
    await expect(page.get_by_role("alert")).to_have_text(
        "WooCommerce refused these keys; check that you copied both of them in full."
    )
    await expect(page.locator("#site_url")).to_have_value(site.url)
    await expect(page.locator("#consumer_key")).to_have_value(KEY)
    await expect(page.locator("#consumer_secret")).to_have_value("")
    await steps.no_sideways_scroll(page.locator("html"))
    if viewport["width"] == 390:
        await page.screenshot(path=screenshot_path("woocommerce-connect-refused-phone"), full_page=True)

    await page.fill("#consumer_secret", SECRET)
    await page.get_by_role("button", name="Connect").click()
    products = page.locator(steps.PRODUCTS)
    await expect(products.first).to_be_visible()
    assert page.url == f"{web.url}/app/woocommerce"  # the keys were posted once; the page is a GET

    await page.reload()  # a reload, or coming back tomorrow: the app, not an empty form
    await expect(products.first).to_be_visible()
    await page.goto(f"{web.url}/app/woocommerce")
    await expect(products.first).to_be_visible()

    await page.get_by_role("navigation", name="Sections").get_by_role("button", name="Settings", exact=True).click()
    connection = page.get_by_role("region", name="Connection")
    await connection.get_by_role("button", name="Disconnect this site").click()
    await expect(connection.get_by_role("alert")).to_contain_text("Disconnect this site?")
    await steps.no_sideways_scroll(page.locator("html"))
    if viewport["width"] == 1280:
        await page.screenshot(path=screenshot_path("settings-woocommerce-disconnect"), full_page=True)
    await connection.get_by_role("button", name="Disconnect", exact=True).click()

    await expect(page.get_by_role("heading", name="Connect your WooCommerce store")).to_be_visible()
    await expect(page.get_by_role("status")).to_have_text(
        "Your store is disconnected: the app forgot its keys. Your history stays if you come back."
    )
    await page.reload()
    await expect(page.locator("#consumer_secret")).to_be_visible()
    await expect(products).to_have_count(0)
    await steps.no_sideways_scroll(page.locator("html"))


async def test_the_connect_form_speaks_arabic_right_to_left(web: LoopbackServer, browser: Browser) -> None:
    page = browser.page
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.goto(f"{web.url}/app/woocommerce?locale=ar")
    await expect(page.locator("html")).to_have_attribute("dir", "rtl")
    await page.fill("#site_url", "ftp://shop.example.com")
    await page.fill("#consumer_key", KEY)
    await page.fill("#consumer_secret", SECRET)
    # An address the browser's URL field accepts and the app refuses, said in Arabic.
    await page.get_by_role("button", name="ربط").click()
    await expect(page.get_by_role("alert")).to_have_text("يجب أن يبدأ عنوان متجرك بـ https://.")
    await expect(page.locator("html")).to_have_attribute("lang", "ar")
    await steps.no_sideways_scroll(page.locator("html"))
