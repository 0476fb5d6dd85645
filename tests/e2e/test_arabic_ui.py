"""Which language the dashboard speaks: Arabic for an Arabic admin (the shell's ?locale=ar) even when
the store writes in English by default, English for an English admin who only asks for Arabic text
(neither the words nor the layout's direction follow the job's language), and Arabic plural forms."""

from __future__ import annotations

import uuid

from playwright.async_api import FrameLocator, Page, expect

from tests.e2e.conftest import Browser, Stack
from tests.integration.conftest import new_site

PRODUCTS = "table.products tbody tr"


async def open_app(page: Page, stack: Stack, instance_id: str, locale: str = "en") -> FrameLocator:
    """The sandbox admin with the app in its iframe, the admin's locale set to `locale`."""
    await page.goto(stack.admin_url(instance_id))
    if locale != "en":
        src = await page.locator("#app").get_attribute("src")
        assert src and "locale=en" in src, src
        await page.locator("#app").evaluate(
            "(el, src) => { el.src = src; }", src.replace("locale=en", f"locale={locale}")
        )
    app = page.frame_locator("#app")
    await expect(app.locator(PRODUCTS).first).to_be_visible()
    return app


async def test_an_arabic_admin_reads_arabic_on_an_english_store(stack: Stack, browser: Browser) -> None:
    page = browser.page
    site = new_site(f"e2e-{uuid.uuid4().hex[:8]}")
    app = await open_app(page, stack, site.instance_id, locale="ar-SA")
    html = app.locator("html")
    await expect(html).to_have_attribute("lang", "ar")
    await expect(html).to_have_attribute("dir", "rtl")
    sections = app.get_by_role("navigation", name="الأقسام")
    for name in ["التحسين", "قائمة الانتظار", "النتائج", "السجل", "الفوترة", "الإعدادات"]:
        await expect(sections.get_by_role("button", name=name, exact=True)).to_be_visible()
    await expect(app.get_by_label("لغة النص الجديد")).to_have_value("en")  # the store still writes English
    await expect(app.get_by_role("button", name="تحسين", exact=True)).to_be_disabled()
    await expect(app.get_by_test_id("cost-line")).to_have_text("حدّد المنتجات لمعرفة التكلفة.")

    # Arabic counts: one product, then eleven (the "many" form: «نقطة» after 11–99).
    rows = app.locator(PRODUCTS)
    await rows.nth(0).get_by_role("checkbox").check()
    await expect(app.get_by_text("حددت منتجًا واحدًا")).to_be_visible()
    await expect(app.get_by_test_id("cost-line")).to_have_text("عدد المنتجات 1 × عدد الحقول 4 = 4 نقاط، يتبقى 96")
    await expect(app.get_by_role("button", name="تحسين مقابل 4 نقاط", exact=True)).to_be_enabled()
    for i in range(1, 11):
        await rows.nth(i).get_by_role("checkbox").check()
    await expect(app.get_by_text("حددت 11 منتجًا")).to_be_visible()
    await expect(app.get_by_test_id("cost-line")).to_have_text("عدد المنتجات 11 × عدد الحقول 4 = 44 نقطة، يتبقى 56")
    await expect(app.get_by_role("button", name="تحسين مقابل 44 نقطة", exact=True)).to_be_enabled()

    await sections.get_by_role("button", name="الفوترة", exact=True).click()
    await expect(app.get_by_role("heading", name="الفوترة")).to_be_visible()
    await expect(app.get_by_text("يتبقى 100 من 100 نقطة")).to_be_visible()
    # Plan names and the platform's billing note are in Arabic too, not the server's English.
    await expect(app.get_by_role("listitem").filter(has_text="الباقة الحالية")).to_contain_text("المجانية")
    await expect(app.get_by_role("button", name="الترقية إلى الاحترافية")).to_be_visible()
    await expect(app.get_by_text("تُدفع الباقات عبر Wix")).to_be_visible()

    await sections.get_by_role("button", name="الإعدادات", exact=True).click()
    await expect(app.get_by_label("اللغة الافتراضية")).to_have_value("en")
    assert browser.errors.unexpected() == []


async def test_an_english_admin_asking_for_arabic_text_keeps_english_words(stack: Stack, browser: Browser) -> None:
    page = browser.page
    site = new_site(f"e2e-{uuid.uuid4().hex[:8]}")
    app = await open_app(page, stack, site.instance_id)
    html = app.locator("html")
    await expect(html).to_have_attribute("lang", "en")
    await expect(html).to_have_attribute("dir", "ltr")

    await app.get_by_label("Language of the new text").select_option("ar")
    await expect(app.get_by_label("Language of the new text")).to_have_value("ar")
    await expect(html).to_have_attribute("dir", "ltr")
    await expect(html).to_have_attribute("lang", "en")
    await expect(app.get_by_role("heading", name="Optimise products")).to_be_visible()
    await expect(app.get_by_test_id("cost-line")).to_have_text("Select products to see the cost.")

    await app.get_by_label("Language of the new text").select_option("en")
    await expect(html).to_have_attribute("dir", "ltr")
    assert browser.errors.unexpected() == []
