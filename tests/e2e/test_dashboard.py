"""The embedded dashboard driven in a browser inside the sandbox Wix admin: optimise, watch the
queue, review and edit, publish, check the store, revert; the credit shortfall (before submitting
and answered 402 by the server); an Arabic store, in English for an English-speaking owner and right
to left in Arabic for an Arabic-speaking one. Each screen is saved to
docs/screenshots/ for the README."""

from __future__ import annotations

import re
import uuid

import httpx
from playwright.async_api import expect

from tests.e2e.conftest import Browser, Stack, StartWorker
from tests.e2e.steps import (
    ARABIC,
    edit_title,
    field,
    item,
    item_row,
    open_app,
    pick,
    publish_all,
    revert,
    review_when_done,
    shot,
    submit,
    tab,
)
from tests.integration.conftest import new_site


async def test_optimise_review_edit_publish_and_revert(
    stack: Stack, start_worker: StartWorker, browser: Browser
) -> None:
    page = browser.page
    site = new_site(f"e2e-{uuid.uuid4().hex[:8]}")
    app = await open_app(page, stack.admin_url(site.instance_id))
    await expect(app.locator("html")).to_have_attribute("dir", "ltr")

    await pick(app, 3)
    await field(app, "SEO title").uncheck()
    await field(app, "Meta description").uncheck()
    await expect(field(app, "Title")).to_be_checked()
    await expect(field(app, "Description")).to_be_checked()
    await app.get_by_label("Instructions (optional)").fill("Mention that every piece ships within two days.")
    await expect(app.get_by_test_id("cost-line")).to_have_text("3 products × 2 fields = 6 credits, 94 left")
    await shot(page, "optimise")

    await submit(app, "Improve for 6 credits")
    job = app.get_by_test_id("queue-job")
    await expect(job).to_contain_text("Waiting")
    await expect(job.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "0")
    await expect(app.get_by_role("button", name=re.compile("94 credits left"))).to_be_visible()
    await shot(page, "queue")

    await start_worker()
    items = await review_when_done(page, app, "6 of 6 improved")

    cards = app.get_by_test_id("product-result")
    await expect(cards).to_have_count(3)
    await expect(app.get_by_test_id("item-row")).to_have_count(6)

    first = items[0]["product_id"]
    title_item, desc_item = item(items, first, "title"), item(items, first, "description")
    original = stack.sandbox_product(site.instance_id, first)
    assert original["name"] == title_item["before"]

    await expect(item_row(cards.first, "title").get_by_test_id("item-model")).to_have_text("Written by gpt-4o-mini")
    edited = f"{title_item['before']} for everyday use"
    title_row = await edit_title(cards.first, edited)
    await expect(item_row(cards.first, "description").locator(".side.after .rendered")).to_be_visible()
    await shot(page, "results")

    await publish_all(app, "6 changes published to your store.")
    await expect(title_row).to_contain_text("Published")
    store_now = stack.sandbox_product(site.instance_id, first)
    assert store_now["name"] == edited
    assert store_now["plainDescription"] != original["plainDescription"]
    assert desc_item["after"]

    await revert(app, title_row, "Title changed back to its previous value in your store.")
    assert stack.sandbox_product(site.instance_id, first)["name"] == original["name"]

    await tab(app, "Activity")
    log_rows = app.locator("table.activity tbody tr")
    # The trail: the job created, its six fields published, and the title reverted.
    await expect(log_rows).to_have_count(8)
    await expect(log_rows.filter(has_text="Reverted")).to_have_count(1)
    await expect(log_rows.get_by_role("button", name="Revert")).to_have_count(5)
    await shot(page, "activity")

    await tab(app, "Billing")
    await expect(app.get_by_text("94 of 100 credits left")).to_be_visible()
    await expect(app.get_by_role("button", name="Upgrade to Starter")).to_be_visible()
    await shot(page, "billing")

    await tab(app, "Settings")
    await app.get_by_label("Default language").select_option("fr")
    await app.get_by_role("button", name="Save settings").click()
    await expect(app.get_by_text("Settings saved.")).to_be_visible()
    await shot(page, "settings")

    # Keyboard: the sections are reachable with Tab and show a focus ring.
    await tab(app, "Optimise")
    await app.get_by_role("button", name="Queue", exact=True).focus()
    await page.keyboard.press("Tab")
    await expect(app.get_by_role("button", name="Results", exact=True)).to_be_focused()

    assert browser.errors.unexpected() == []


async def test_short_credits_and_the_402_answer_then_an_arabic_store(stack: Stack, browser: Browser) -> None:
    page = browser.page
    browser.errors.allow("status of 402")  # the server's 402 answer is logged by the browser itself
    site = new_site(f"e2e-{uuid.uuid4().hex[:8]}")
    app = await open_app(page, stack.admin_url(site.instance_id))
    await expect(app.locator("html")).to_have_attribute("lang", "en")

    # A free store has 100 credits: 20 products × 4 fields fits.
    await app.get_by_role("checkbox", name="Select all products on this page").check()
    cost = app.get_by_test_id("cost-line")
    await expect(cost).to_have_text("20 products × 4 fields = 80 credits, 20 left")
    submit = app.get_by_role("button", name="Improve for 80 credits")
    await expect(submit).to_be_enabled()

    # Meanwhile the balance drops (another tab spends 24 credits): the server answers 402.
    async with httpx.AsyncClient(base_url=stack.web.url, headers=site.headers) as api:
        products = (await api.get("/api/products", params={"limit": 6})).json()["products"]
        spent = await api.post(
            "/api/jobs",
            json={
                "source_scope": "products",
                "source_ids": [p["id"] for p in products],
                "attributes": ["title", "description", "seo_title", "seo_description"],
            },
        )
        assert spent.status_code == 201, spent.text
    await submit.click()
    shortage = app.get_by_test_id("shortage")
    await expect(shortage).to_contain_text("Not enough credits.")
    await expect(shortage).to_contain_text("this needs 80 credits and you have 76 left")
    await expect(shortage.get_by_role("button", name="Upgrade plan")).to_be_visible()
    await expect(submit).to_be_disabled()
    await expect(shortage).to_be_in_viewport()
    await expect(app.get_by_role("button", name=re.compile("76 credits left"))).to_be_visible()
    await shot(page, "optimise-402")

    # Picking more than the balance disables submit before asking the server, with the same offer.
    await app.get_by_role("button", name="Next", exact=True).click()
    await expect(app.get_by_text("Page 2")).to_be_visible()
    select_page = app.get_by_role("checkbox", name="Select all products on this page")
    await expect(select_page).not_to_be_checked()  # page 2 has arrived
    await select_page.check()
    await expect(cost).to_have_text("40 products × 4 fields = 160 credits, only 76 left")
    await expect(shortage).to_contain_text("this needs 160 credits and you have 76 left")
    await expect(app.get_by_role("button", name="Improve for 160 credits")).to_be_disabled()
    await shortage.get_by_role("button", name="Compare plans").click()
    await expect(app.get_by_role("heading", name="Billing")).to_be_visible()
    await expect(app.get_by_text("76 of 100 credits left")).to_be_visible()

    # The other tab's job waits in the queue (no worker runs here): cancelling it refunds all of it.
    await tab(app, "Queue")
    await app.get_by_test_id("queue-job").get_by_role("button", name="Cancel job").click()
    dialog = app.get_by_role("dialog", name="Cancel Job 1?")
    await expect(dialog).to_contain_text("24 credits will go back to your balance")
    await shot(page, "queue-cancel")
    await dialog.get_by_role("button", name="Cancel job and refund").click()
    await expect(app.get_by_text("Job 1 canceled. 24 credits were refunded.")).to_be_visible()
    await expect(app.get_by_role("button", name=re.compile("100 credits left"))).to_be_visible()

    # An Arabic store with an English-speaking owner: new text is written in Arabic by default, the
    # words stay English and left to right, now and on the next visit.
    await tab(app, "Settings")
    await app.get_by_label("Default language").select_option("ar")
    await app.get_by_role("button", name="Save settings").click()
    await expect(app.get_by_role("status").filter(has_text="Settings saved.")).to_be_visible()
    await expect(app.locator("html")).to_have_attribute("dir", "ltr")
    await expect(app.locator("html")).to_have_attribute("lang", "en")

    await page.reload()
    app = page.frame_locator("#app")
    await expect(app.locator("table.products tbody tr").first).to_be_visible()
    await expect(app.locator("html")).to_have_attribute("dir", "ltr")
    await expect(app.get_by_role("heading", name="Optimise products")).to_be_visible()
    # The 40 products picked before the reload are still picked; the language the owner never
    # changed follows the new default.
    await expect(app.get_by_test_id("selection-bar")).to_contain_text("40 products selected")
    await expect(app.get_by_label("Language of the new text")).to_have_value("ar")
    await app.get_by_role("button", name="Clear selection").click()

    # The same store opened by an admin who reads Arabic: Arabic words, right to left.
    await page.goto(stack.admin_url(site.instance_id) + "&locale=ar")
    app = page.frame_locator("#app")
    await expect(app.locator("table.products tbody tr").first).to_be_visible()
    await expect(app.locator("html")).to_have_attribute("dir", "rtl")
    await expect(app.locator("html")).to_have_attribute("lang", "ar")
    sections = app.get_by_role("navigation", name="الأقسام")
    await expect(sections.get_by_role("button", name="الإعدادات", exact=True)).to_be_visible()
    await expect(app.get_by_role("heading", name="تحسين المنتجات")).to_be_visible()
    await expect(app.get_by_label("لغة النص الجديد")).to_have_value("ar")
    brand = await app.locator(".brand").bounding_box()
    pill = await app.locator(".credits-pill").bounding_box()
    assert brand and pill and brand["x"] > pill["x"], "the header is mirrored"
    await pick(app, 2)
    await expect(cost).to_have_text("عدد المنتجات 2 × عدد الحقول 4 = 8 نقاط، يتبقى 92")
    await expect(app.get_by_role("button", name="تحسين مقابل 8 نقاط", exact=True)).to_be_enabled()
    await shot(page, "optimise-rtl-arabic")

    await tab(app, "الإعدادات", ARABIC)
    await expect(app.get_by_role("heading", name="الإعدادات")).to_be_visible()
    await expect(app.get_by_label("اللغة الافتراضية")).to_have_value("ar")

    assert browser.errors.unexpected() == []
