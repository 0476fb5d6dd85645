"""The dashboard inside the sandbox Salla merchant dashboard, through the embedded SDK's handshake:
the app calls `embedded.init()`, reads its token, checks the session our introspection of that token
gave it, and only then `embedded.ready()`; the dashboard's loading overlay stays until that call.
Then the whole loop, in Arabic and right to left, from listing to revert."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import asyncpg
import httpx
import pytest
from playwright.async_api import expect

from optimizer_sandbox.runner import LoopbackServer, _free_port
from optimizer_sandbox.salla import create_salla_sandbox, dashboard_url
from tests.e2e import steps
from tests.e2e.conftest import Browser, StartWorker, web_settings
from tests.e2e.layout import no_sideways_scroll

CLIENT_ID, CLIENT_SECRET, WEBHOOK_SECRET = "e2e-salla-app", "e2e-salla-secret", "e2e-salla-webhook-secret"
MERCHANT = 556677

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1360, "height": 900}


@pytest.fixture
def salla(database_url: str) -> Iterator[LoopbackServer]:
    """The Salla sandbox and the web app it frames, the store installed by Easy Mode. Its merchant
    dashboard must be opened at `dashboard_url(salla.url)`, on localhost, where the SDK accepts the
    host's messages."""
    from optimizer_app.web.app import create_app

    web_port = _free_port("127.0.0.1")
    sandbox_app = create_salla_sandbox(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        webhook_secret=WEBHOOK_SECRET,
        app_url=f"http://127.0.0.1:{web_port}",
    )
    with LoopbackServer(sandbox_app) as sandbox:
        dashboard = dashboard_url(sandbox.url)
        settings = web_settings(
            database_url,
            app_base_url=f"http://127.0.0.1:{web_port}",
            salla_client_id=CLIENT_ID,
            salla_client_secret=CLIENT_SECRET,
            salla_webhook_secret=WEBHOOK_SECRET,
            salla_api_base=f"{sandbox.url}/admin/v2",
            salla_auth_base=sandbox.url,
            salla_introspect_base=sandbox.url,
            extra_frame_ancestors=dashboard,
        )
        with LoopbackServer(create_app(settings), port=web_port) as web:
            delivered = httpx.post(f"{sandbox.url}/_sandbox/authorize", json={"merchant": MERCHANT}).json()
            httpx.post(
                f"{web.url}/webhooks/salla",
                content=delivered["body"],
                headers={"X-Salla-Signature": delivered["signature"]},
            ).raise_for_status()
            yield sandbox


def raw_product(salla: LoopbackServer, product_id: str) -> dict[str, Any]:
    """The product as the sandbox store holds it in its default language, read past the Admin API."""
    res = httpx.get(f"{salla.url}/_sandbox/merchants/{MERCHANT}/products/{product_id}")
    res.raise_for_status()
    product: dict[str, Any] = res.json()["product"]
    return product


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE])
async def test_the_whole_loop_in_arabic_after_the_handshake(
    salla: LoopbackServer, start_worker: StartWorker, browser: Browser, viewport: dict[str, int]
) -> None:
    """The overlay clears once the handshake is done; then open, list, improve, review, publish and
    revert in the store's Arabic, right to left."""
    page = browser.page
    await page.set_viewport_size(viewport)
    app = await steps.open_app(page, f"{dashboard_url(salla.url)}/_sandbox/admin?merchant={MERCHANT}")
    await expect(page.locator("#overlay")).to_be_hidden()
    assert await page.evaluate("window.embeddedEvents") == ["embedded::iframe.ready", "embedded::ready"]
    await expect(app.locator("html")).to_have_attribute("dir", "rtl")
    await expect(app.locator("html")).to_have_attribute("lang", "ar")

    await steps.pick(app, 2)
    await expect(app.get_by_test_id("cost-line")).to_have_text("عدد المنتجات 2 × عدد الحقول 4 = 8 نقاط، يتبقى 92")
    await steps.submit(app, "تحسين مقابل 8 نقاط", steps.ARABIC)
    await start_worker()
    items = await steps.review_when_done(page, app, "تم تحسين 8 من 8", steps.ARABIC)

    first = items[0]["product_id"]
    title, description = steps.item(items, first, "title"), steps.item(items, first, "description")
    original = raw_product(salla, first)
    assert (original["name"], original["description"]) == (title["before"], description["before"])
    card = app.get_by_test_id("product-result").first
    edited = f"{title['before']} للاستخدام اليومي"
    title_row = await steps.edit_title(card, edited, steps.ARABIC)
    await steps.publish_all(app, "نُشرت 8 تغييرات في متجرك.", steps.ARABIC)
    published = raw_product(salla, first)
    assert (published["name"], published["description"]) == (edited, description["after"])

    await steps.revert(app, title_row, "أُعيد العنوان إلى قيمته السابقة في متجرك.", steps.ARABIC)
    await steps.revert(app, steps.item_row(card, "description"), "أُعيد الوصف إلى قيمته السابقة في متجرك.", steps.ARABIC)
    reverted = raw_product(salla, first)
    assert (reverted["name"], reverted["description"]) == (original["name"], original["description"])


async def test_a_product_added_in_the_dashboard_reaches_the_app(
    salla: LoopbackServer, browser: Browser, database_url: str
) -> None:
    """The merchant adds a product with the dashboard's form; the store, subscribed at install,
    sends product.created to the app, which records the new product for automation."""
    page = browser.page
    await page.goto(f"{dashboard_url(salla.url)}/_sandbox/admin?merchant={MERCHANT}")
    await page.get_by_label("اسم المنتج").fill("مبخرة نحاسية")
    await page.get_by_label("الوصف").fill("<p>مبخرة يدوية الصنع.</p>")
    await page.get_by_role("button", name="إضافة منتج").click()
    await expect(page.locator("#product-added")).to_contain_text("أضيف المنتج")
    product_id = str(await page.locator("#product-added").text_content()).split()[-1]
    assert raw_product(salla, product_id)["name"] == "مبخرة نحاسية"

    conn = await asyncpg.connect(database_url)
    try:
        for _ in range(100):
            created = await conn.fetchval(
                "SELECT c.created FROM automation_changes c JOIN stores s ON s.id = c.store_id"
                " WHERE s.external_id = $1 AND c.product_id = $2",
                str(MERCHANT),
                product_id,
            )
            if created is not None:
                break
            await asyncio.sleep(0.05)
    finally:
        await conn.close()
    assert created is True
    sent = httpx.get(f"{salla.url}/_sandbox/webhook-deliveries", params={"topic": "product.created"}).json()
    assert [d["status"] for d in sent] == [200]


async def test_the_overlay_stays_when_the_app_cannot_open(salla: LoopbackServer, browser: Browser) -> None:
    """A merchant without the app installed: the page says why and never signals ready, so Salla's
    overlay stays (the handshake is the app's, not the host's)."""
    page = browser.page
    browser.errors.allow("status of 401")  # the app page's answer for a store without the app
    await page.goto(f"{dashboard_url(salla.url)}/_sandbox/admin?merchant=1")
    app = page.frame_locator("#app")
    await expect(app.locator("body")).to_contain_text("not installed")
    await expect(page.locator("#overlay")).to_be_visible()
    assert await page.evaluate("window.embeddedEvents") == []


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE])
async def test_the_words_follow_the_admins_language_that_salla_names(
    salla: LoopbackServer, browser: Browser, viewport: dict[str, int]
) -> None:
    """Salla names the admin's language in the layout its SDK hands the app (the page's URL does
    not): an Arabic-speaking admin of a store whose new text is written in English reads Arabic."""
    page = browser.page
    await page.set_viewport_size(viewport)
    admin = f"{dashboard_url(salla.url)}/_sandbox/admin?merchant={MERCHANT}"
    app = await steps.open_app(page, admin)
    await steps.tab(app, "الإعدادات", steps.ARABIC)
    await app.get_by_label("اللغة الافتراضية").select_option("en")
    await app.get_by_role("button", name="حفظ الإعدادات").click()
    await expect(app.get_by_role("status").filter(has_text="تم حفظ الإعدادات.")).to_be_visible()

    app = await steps.open_app(page, admin)
    await expect(app.locator("html")).to_have_attribute("lang", "ar")
    await expect(app.locator("html")).to_have_attribute("dir", "rtl")
    await expect(app.get_by_label("لغة النص الجديد")).to_have_value("en")
    await no_sideways_scroll(next(f for f in page.frames if "/app/salla" in f.url), "optimise")
