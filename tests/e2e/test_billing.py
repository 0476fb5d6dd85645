"""The Billing screen on each platform, in English and Arabic: prices in the currency the platform
sells the app in (riyals on Salla), the upgrade that platform offers (Wix's upgrade page, the app's
page in Salla's App Store, the operator's page for WooCommerce, or a plain sentence when there is
none), at desktop and phone width without sideways scrolling. (Shopify's, bought in the app and
confirmed on the way back, is in test_shopify.py.)"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import asyncpg
import httpx
import pytest
from playwright.async_api import FrameLocator, Locator, Page, expect

from optimizer_sandbox.runner import LoopbackServer, _free_port
from optimizer_sandbox.salla import create_salla_sandbox, dashboard_url
from optimizer_sandbox.woocommerce import create_woocommerce_sandbox
from tests.e2e import steps
from tests.e2e.conftest import Browser, Stack, screenshot_path, web_settings
from tests.e2e.test_arabic_ui import open_app as open_wix_app
from tests.e2e.test_salla import CLIENT_ID, CLIENT_SECRET, MERCHANT, WEBHOOK_SECRET
from tests.integration.conftest import new_site

SALLA_APP_ID = "1234567890"
WOO_KEY, WOO_SECRET = "ck_" + "f" * 40, "cs_" + "0" * 40
OPERATOR_PAGE = "https://billing.example.com/plans"


@dataclass(frozen=True)
class Words:
    tab: str
    sections: str
    starter: str
    upgrade_starter: str


ENGLISH = Words("Billing", "Sections", "Starter", "Upgrade to Starter")
ARABIC = Words("الفوترة", "الأقسام", "المبتدئة", "الترقية إلى المبتدئة")


async def open_billing(page: Page, app: Page | FrameLocator, words: Words) -> Locator:
    """The Billing section; returns the Starter plan's line."""
    await app.get_by_role("navigation", name=words.sections).get_by_role("button", name=words.tab, exact=True).click()
    await expect(app.get_by_role("heading", name=words.tab, exact=True)).to_be_visible()
    return app.get_by_role("listitem").filter(has_text=words.starter)


@pytest.mark.parametrize("words", [ENGLISH, ARABIC], ids=["en", "ar"])
async def test_wix_prices_in_dollars_and_upgrades_on_wixs_page(stack: Stack, browser: Browser, words: Words) -> None:
    page = browser.page
    app = await open_wix_app(
        page, stack, new_site(f"e2e-{uuid.uuid4().hex[:8]}").instance_id, "en" if words is ENGLISH else "ar"
    )
    starter = await open_billing(page, app, words)
    await expect(starter).to_contain_text(re.compile(r"\$9 a month" if words is ENGLISH else r"9\sUS\$\sشهريًا"))
    await expect(app.get_by_role("button", name=words.upgrade_starter)).to_be_visible()
    await expect(app.get_by_test_id("billing-note")).to_contain_text("Wix")
    await steps.fits_at_desktop_and_phone_width(page, app)


@pytest.fixture
def salla(database_url: str) -> Iterator[LoopbackServer]:
    """The Salla sandbox, the app (with its App Store id) it frames, the merchant installed."""
    from optimizer_app.web.app import create_app

    web_port = _free_port("127.0.0.1")
    sandbox_app = create_salla_sandbox(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        webhook_secret=WEBHOOK_SECRET,
        app_url=f"http://127.0.0.1:{web_port}",
    )
    with LoopbackServer(sandbox_app) as sandbox:
        settings = web_settings(
            database_url,
            salla_client_id=CLIENT_ID,
            salla_client_secret=CLIENT_SECRET,
            salla_webhook_secret=WEBHOOK_SECRET,
            salla_api_base=f"{sandbox.url}/admin/v2",
            salla_auth_base=sandbox.url,
            salla_introspect_base=sandbox.url,
            salla_app_id=SALLA_APP_ID,
            extra_frame_ancestors=dashboard_url(sandbox.url),
        )
        with LoopbackServer(create_app(settings), port=web_port) as web:
            delivered = httpx.post(f"{sandbox.url}/_sandbox/authorize", json={"merchant": MERCHANT}).json()
            httpx.post(
                f"{web.url}/webhooks/salla",
                content=delivered["body"],
                headers={"X-Salla-Signature": delivered["signature"]},
            ).raise_for_status()
            yield sandbox


@pytest.mark.parametrize("words", [ARABIC, ENGLISH], ids=["ar", "en"])
async def test_salla_prices_in_riyals_and_upgrades_on_the_apps_page_in_sallas_store(
    salla: LoopbackServer, pool: asyncpg.Pool, browser: Browser, words: Words
) -> None:
    if words is ENGLISH:  # a merchant who reads Salla's dashboard, and has the app write, in English
        async with pool.acquire() as conn:
            await conn.execute(
                "UPDATE stores SET settings = settings || '{\"default_language\": \"en\"}' WHERE platform = 'salla'"
            )
    page = browser.page
    store_page = f"https://apps.salla.sa/{'ar' if words is ARABIC else 'en'}/app/{SALLA_APP_ID}"
    await page.route(
        "https://apps.salla.sa/**", lambda route: route.fulfill(status=200, body="<title>Salla App Store</title>")
    )
    admin = f"{dashboard_url(salla.url)}/_sandbox/admin?merchant={MERCHANT}&locale={'ar' if words is ARABIC else 'en'}"
    app = await steps.open_app(page, admin)
    starter = await open_billing(page, app, words)
    await expect(starter).to_contain_text(re.compile(r"34\sر\.س" if words is ARABIC else r"SAR\s34 a month"))
    await expect(app.get_by_test_id("billing-note")).to_contain_text("بالريال" if words is ARABIC else "riyals")
    await steps.fits_at_desktop_and_phone_width(page, app)
    if words is ARABIC:
        await page.screenshot(path=str(screenshot_path("billing-salla-riyals")))
    # The merchant changes plans where Salla sells them: the app's page, in the whole window.
    await page.set_viewport_size({"width": 1280, "height": 800})
    await app.get_by_role("button", name=words.upgrade_starter).click()
    await page.wait_for_url(store_page)


@pytest.fixture
def woo_site() -> Iterator[LoopbackServer]:
    with LoopbackServer(create_woocommerce_sandbox(consumer_key=WOO_KEY, consumer_secret=WOO_SECRET)) as server:
        yield server


@pytest.mark.parametrize(("words", "operator_page"), [(ENGLISH, OPERATOR_PAGE), (ARABIC, "")], ids=["en", "ar"])
async def test_woocommerce_upgrades_on_the_operators_page_or_says_whom_to_ask(
    database_url: str, woo_site: LoopbackServer, browser: Browser, words: Words, operator_page: str
) -> None:
    from optimizer_app.web.app import create_app

    settings = web_settings(
        database_url, app_env="development", outbound_allow_private=True, woocommerce_upgrade_url=operator_page
    )
    page = browser.page
    await page.context.route(f"{OPERATOR_PAGE}**", lambda route: route.fulfill(status=200, body="<title>Plans</title>"))
    with LoopbackServer(create_app(settings)) as web:
        await page.goto(f"{web.url}/app/woocommerce?locale={'en' if words is ENGLISH else 'ar'}")
        await page.fill("#site_url", woo_site.url)
        await page.fill("#consumer_key", WOO_KEY)
        await page.fill("#consumer_secret", WOO_SECRET)
        await page.locator("button[type=submit]").click()
        await expect(page.locator(steps.PRODUCTS).first).to_be_visible()
        starter = await open_billing(page, page, words)
        await expect(starter).to_contain_text(re.compile(r"\$9 a month" if words is ENGLISH else r"9\sUS\$\sشهريًا"))
        await steps.fits_at_desktop_and_phone_width(page, page)
        await steps.no_sideways_scroll(page.locator("html"))
        if operator_page:
            await expect(page.get_by_test_id("billing-note")).to_contain_text("sold on our website")
            async with page.expect_popup() as opened:
                await page.get_by_role("button", name=words.upgrade_starter).click()
            await (await opened.value).wait_for_url(f"{OPERATOR_PAGE}**")
        else:
            await expect(page.get_by_test_id("billing-note")).to_have_text(
                "لا توفر WooCommerce فوترة للتطبيقات: راسلنا لتغيير باقتك."
            )
            await expect(page.get_by_role("button", name=words.upgrade_starter)).to_have_count(0)
