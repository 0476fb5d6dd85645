"""The Results screen as an owner reviews a job: filters by field and state, products folded away and
back, the keyboard (j/k, e, ?) that never takes keys from an editor, a too-long edit that cannot be
saved, a description edited as formatted text and compared rendered, the Google preview with its
hints, and publishing only after a confirmation that counts what changes. At 1280 px in English and
390 px in Arabic; no console error, nothing scrolls sideways."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from playwright.async_api import expect

from tests.e2e.conftest import Browser, Stack, StartWorker, screenshot_path
from tests.e2e.results_steps import (
    FOCUS_IN_DIALOG,
    WORDS,
    card,
    current_row,
    finished_job,
    items_of,
    no_sideways_scroll,
    open_results,
    row,
)
from tests.e2e.steps import shot
from tests.integration.conftest import new_site

SELECTED_TWO = {
    "en": "2 fields of 2 products will change in your live store.",
    "ar": "سيتغير في متجرك المباشر: حقلان في منتجين.",
}
ALL_TWELVE = {
    "en": "12 fields of 3 products will change in your live store.",
    "ar": "سيتغير في متجرك المباشر: 12 حقلًا في 3 منتجات.",
}
# Five fields of two to four products, as the confirmations count them.
AR_PRODUCTS = {2: "منتجين", 3: "3 منتجات", 4: "4 منتجات"}
FIVE = {
    "en": {n: f"5 fields of {n} products will change in your live store." for n in (2, 3, 4)},
    "ar": {n: f"سيتغير في متجرك المباشر: 5 حقول في {AR_PRODUCTS[n]}." for n in (2, 3, 4)},
}
FIVE_REVERT = {
    "en": {
        n: f"5 fields of {n} products will get back the text they had before the app changed them." for n in (2, 3, 4)
    },
    "ar": {n: f"سيعود إلى النص الذي كان قبل أن يغيّره التطبيق: 5 حقول في {AR_PRODUCTS[n]}." for n in (2, 3, 4)},
}
WIDE = "W" * 44  # 44 characters, within the SEO title's 60, but far wider than Google's 600 px


@pytest.mark.parametrize(("locale", "width"), [("en", 1280), ("ar", 390)])
async def test_filters_keys_editor_preview_and_confirmed_publish(
    stack: Stack, start_worker: StartWorker, browser: Browser, locale: str, width: int
) -> None:
    page, w = browser.page, WORDS[locale]
    site = new_site(f"e2e-{uuid.uuid4().hex[:8]}")
    await start_worker()
    job_id, products = await finished_job(stack, site, 3)
    first, second = products[0]["id"], products[1]["id"]
    await open_results(page, stack, site, locale=locale, width=width)

    rows = page.get_by_test_id("item-row")
    await expect(page.get_by_test_id("product-result")).to_have_count(3)
    await expect(rows).to_have_count(12)
    await no_sideways_scroll(page)

    # Filters: one field, then back to all; every product folded away and back.
    fields = page.get_by_role("group", name=re.compile("Show these fields|اعرض هذه الحقول"))
    await fields.get_by_role("button", name=w.seo_title, exact=True).click()
    await expect(rows).to_have_count(3)
    await expect(rows.and_(page.locator("[data-attribute=seo_title]"))).to_have_count(3)
    await fields.get_by_role("button", name=w.seo_title, exact=True).click()
    await expect(rows).to_have_count(12)
    await page.get_by_role("button", name=w.collapse_all).click()
    await expect(rows).to_have_count(0)
    await expect(page.get_by_test_id("product-result").first.get_by_role("button", expanded=False)).to_be_visible()
    await page.get_by_role("button", name=w.expand_all).click()
    await expect(rows).to_have_count(12)

    # Keyboard: j and k move between fields; the field with the focus is marked.
    await page.locator("h1").click()
    await page.keyboard.press("j")
    await expect(current_row(page)).to_have_attribute("data-attribute", "title")
    await expect(rows.first).to_be_focused()
    await page.keyboard.press("j")
    await expect(current_row(page)).to_have_attribute("data-attribute", "description")
    await page.keyboard.press("k")
    await expect(rows.first).to_be_focused()
    await page.keyboard.press("ArrowDown")
    await expect(rows.nth(1)).to_be_focused()
    await page.keyboard.press("ArrowUp")
    await expect(rows.first).to_be_focused()
    has_ring = await rows.first.evaluate("el => getComputedStyle(el).boxShadow !== 'none'")
    assert has_ring, "the focused field is visibly marked"

    # e edits the field; what is typed in the editor stays there (no shortcut fires).
    await page.keyboard.press("e")
    title_row = row(page, first, "title")
    editor = title_row.get_by_label(w.new_title)
    await expect(editor).to_be_focused()
    await page.keyboard.press("Control+End")
    await page.keyboard.type(" jkar?")
    await expect(editor).to_have_value(re.compile(r" jkar\?$"))
    await expect(page.get_by_role("dialog")).to_have_count(0)
    await expect(current_row(page)).to_have_attribute("data-attribute", "title")
    await page.keyboard.press("Escape")
    await expect(editor).to_have_count(0)
    await expect(title_row).to_be_focused()
    await page.keyboard.press("e")
    await expect(editor).to_be_focused()

    # Over the limit (80 for a title): Save is disabled and the count says by how much.
    save = title_row.get_by_role("button", name=w.save, exact=True)
    await editor.fill("A" * 81)
    await expect(save).to_be_disabled()
    await expect(title_row.locator(".editor-foot")).to_contain_text("81 / 80")
    await expect(title_row.locator(".editor-foot")).to_contain_text(w.too_long)
    await editor.fill("Soft everyday tee")
    await expect(save).to_be_enabled()
    await save.click()
    await expect(title_row).to_have_attribute("data-state", "edited")
    await expect(title_row.locator(".side.after .text")).to_have_text("Soft everyday tee")

    # ? shows the keys; Esc closes them.
    await page.locator("h1").click()
    await page.keyboard.press("?")
    keys = page.get_by_test_id("keys-dialog")
    await expect(keys).to_be_visible()
    await expect(keys.locator("kbd", has_text="J")).to_be_visible()
    await page.keyboard.press("Escape")
    await expect(keys).to_be_hidden()

    # The description in the formatting editor: bold goes through the server's sanitiser and is
    # compared rendered, the added words marked.
    desc_row = row(page, first, "description")
    await desc_row.get_by_role("button", name=w.edit).click()
    rich = desc_row.get_by_test_id("rich-editor")
    await expect(rich).to_be_focused()
    await page.keyboard.press("Control+a")
    await page.keyboard.type("Soft cotton tee ")
    await desc_row.get_by_role("button", name=w.bold).click()
    await page.keyboard.type("for summer")
    await expect(rich.locator("strong")).to_have_text("for summer")
    async with page.expect_request(re.compile(r"/api/items/\d+$")) as sent:
        await desc_row.get_by_role("button", name=w.save, exact=True).click()
    assert "<strong>for summer</strong>" in ((await sent.value).post_data or "")
    await expect(desc_row).to_have_attribute("data-state", "edited")
    await expect(desc_row.locator(".side.after .rendered strong")).to_contain_text("for summer")
    await expect(desc_row.locator(".side.after .rendered ins").first).to_be_visible()
    items = await items_of(stack, site, job_id)
    saved = next(i for i in items if i["product_id"] == first and i["attribute"] == "description")
    assert "<strong>for summer</strong>" in saved["after"]

    # Google preview: a title wider than 600 px is cut with "…", and the hints say so; two products
    # with the same SEO title are told apart.
    for product in (first, second):
        seo = row(page, product, "seo_title")
        await seo.get_by_role("button", name=w.edit).click()
        await seo.get_by_label(w.new_seo_title).fill(WIDE)
        await seo.get_by_role("button", name=w.save, exact=True).click()
        await expect(seo).to_have_attribute("data-state", "edited")
    preview = card(page, first).get_by_test_id("google-preview")
    await preview.locator("summary").click()
    await expect(preview.get_by_test_id("serp-title")).to_have_attribute("data-cut", "true")
    await expect(preview.get_by_test_id("serp-title")).to_have_text(re.compile(r"^W+ …$"))
    await expect(preview.locator("[data-hint=title-cut]")).to_be_visible()
    await expect(preview.locator("[data-hint=name-missing]")).to_be_visible()
    await expect(preview.locator("[data-hint=duplicate]")).to_contain_text("1")
    await preview.locator(".segmented label").nth(1).click()
    await expect(preview.get_by_role("radio").nth(1)).to_be_checked()
    await expect(preview.locator(".serp-result")).to_have_attribute("data-layout", "mobile")
    await no_sideways_scroll(page)
    await shot(page, f"results-review-{locale}-{width}")
    await preview.screenshot(path=str(screenshot_path(f"google-preview-{locale}-{width}")))

    # Publishing asks first, says how much changes, keeps the focus inside, and Esc cancels it.
    await row(page, first, "title").get_by_role("checkbox").check()
    await row(page, second, "title").get_by_role("checkbox").check()
    bar = page.get_by_test_id("review-bar")
    await expect(bar).to_contain_text("2")
    await bar.get_by_role("button", name=w.publish_selected).click()
    dialog = page.get_by_role("dialog")
    await expect(dialog.get_by_test_id("confirm-summary")).to_have_text(SELECTED_TWO[locale])
    for _ in range(5):
        await page.keyboard.press("Tab")
        assert await page.evaluate(FOCUS_IN_DIALOG), "the focus left the dialog"
    await page.keyboard.press("Escape")
    await expect(dialog).to_have_count(0)
    assert stack.sandbox_product(site.instance_id, first)["name"] == products[0]["title"]

    await bar.get_by_role("button", name=w.publish_all).click()
    await expect(dialog.get_by_test_id("confirm-summary")).to_have_text(ALL_TWELVE[locale])
    await shot(page, f"results-publish-confirm-{locale}-{width}")
    await dialog.get_by_role("button", name=re.compile(f"^{w.confirm}")).click()
    await expect(page.get_by_role("status").filter(has_text=w.published_all)).to_be_visible()
    await expect(page.locator("[data-testid=item-row][data-state=published]")).to_have_count(12)
    assert stack.sandbox_product(site.instance_id, first)["name"] == "Soft everyday tee"
    await no_sideways_scroll(page)


async def test_keyboard_review_reject_regenerate_publish_and_revert_the_job(
    stack: Stack, start_worker: StartWorker, browser: Browser
) -> None:
    """The owner's loop after paying: a field the model found already good reads as a neutral,
    uncharged "no change"; the keyboard rejects two fields, accepts one and regenerates one with a
    note; "Publish all" publishes the rest after its confirmation; reverting the whole job lists the
    field the owner changed in the store meanwhile instead of overwriting it, until "Put back anyway"."""
    await run_story(stack, start_worker, browser, "en", 1280)


async def test_the_same_loop_on_a_phone_in_arabic(stack: Stack, start_worker: StartWorker, browser: Browser) -> None:
    await run_story(stack, start_worker, browser, "ar", 390)


async def run_story(stack: Stack, start_worker: StartWorker, browser: Browser, locale: str, width: int) -> None:
    page, w = browser.page, WORDS[locale]
    site = new_site(f"e2e-{uuid.uuid4().hex[:8]}")
    # The model's first answer gives one field back as it is: nothing to improve there. (Titles
    # and descriptions: every product has both, so the unchanged answer is never an empty one.)
    async with httpx.AsyncClient(base_url=stack.llm.url) as llm:
        (await llm.post("/_sandbox/config", json={"faults": ["unchanged"]})).raise_for_status()
    await start_worker()
    job_id, products = await finished_job(stack, site, 4, ["title", "description"])
    await open_results(page, stack, site, locale=locale, width=width)
    rows = page.get_by_test_id("item-row")
    await expect(rows).to_have_count(8)

    # No change needed: neutral, never struck through or red, not charged, and the job is done.
    same = page.locator("[data-testid=item-row][data-state=no_change]")
    await expect(same).to_have_count(1)
    await expect(same).to_contain_text(w.no_change_note)
    await expect(same.locator("del")).to_have_count(0)
    badge_colour = await same.get_by_test_id("item-state").evaluate("el => getComputedStyle(el).color")
    assert badge_colour != "rgb(196, 40, 28)", "no change is not shown as a failure"
    await expect(page.locator(".job-head .badge")).to_have_text(w.job_done)
    await expect(page.get_by_test_id("no-change-summary")).to_be_visible()
    async with httpx.AsyncClient(base_url=stack.web.url, headers=site.headers) as api:
        job = (await api.get(f"/api/jobs/{job_id}")).json()
    assert job["status"] == "DONE" and job["credits_charged"] - job["credits_refunded"] == 7

    # The keyboard, field after field: reject the first two improved fields, accept the next one,
    # regenerate the one after it with a note.
    await page.locator("h1").click()
    plan = ["reject", "reject", "accept", "regenerate"]
    decided: dict[str, str] = {}
    for _ in range(8):
        await page.keyboard.press("j")
        here = current_row(page)
        await expect(here).to_be_focused()
        if await here.get_attribute("data-state") == "no_change" or not plan:
            continue
        step = plan.pop(0)
        key = {"reject": "r", "accept": "a", "regenerate": "g"}[step]
        row_id = await here.get_attribute("id") or ""
        decided[row_id] = step
        if step == "regenerate":
            regen = page.locator(f"#{row_id}")
            before_regen = await regen.locator(".side.after .text").inner_text()
            await page.keyboard.press(key)
            note = regen.get_by_role("textbox")
            await expect(note).to_be_focused()
            await page.keyboard.type("shorter")
            await page.keyboard.press("Enter")
            await expect(note).to_have_count(0)
            await expect(regen).to_be_focused()
            await expect(regen).to_have_attribute("data-state", re.compile("ready|flagged"), timeout=20_000)
            await expect(regen.locator(".side.after .text")).not_to_have_text(before_regen)
            if await regen.get_attribute("data-state") == "flagged":
                # The new text states a fact the product data does not: the owner checks and accepts it.
                await page.keyboard.press("a")
                await expect(regen).to_have_attribute("data-state", "accepted")
            continue
        await page.keyboard.press(key)
        await expect(page.locator(f"#{row_id}")).to_have_attribute(
            "data-state", "rejected" if key == "r" else "accepted"
        )
    assert not plan, "every decision was made"
    accepted = next(r for r, step in decided.items() if step == "accept")
    await expect(page.locator(f"#{accepted}").get_by_role("button", name=w.accept)).to_have_attribute(
        "aria-pressed", "true"
    )
    regenerated_id = int(next(r for r, step in decided.items() if step == "regenerate").split("-")[1])
    regenerated = next(i for i in await items_of(stack, site, job_id) if i["id"] == regenerated_id)
    assert regenerated["note"] == "shorter" and regenerated["regenerations"] == 1

    rejected_filter = page.get_by_role("group", name=w.filter_state).get_by_role("button", name=w.filter_rejected)
    await rejected_filter.click()
    await expect(rows).to_have_count(2)
    await rejected_filter.click()
    await expect(rows).to_have_count(8)
    await no_sideways_scroll(page)

    # Publish all: the confirmation counts five fields (never the rejected or unchanged ones).
    to_publish = page.locator("[data-testid=item-row]:is([data-state=ready],[data-state=accepted],[data-state=edited])")
    await expect(to_publish).to_have_count(5)
    touched = len({await r.evaluate("el => el.closest('article').dataset.product") for r in await to_publish.all()})
    await page.get_by_test_id("review-bar").get_by_role("button", name=w.publish_all).click()
    dialog = page.get_by_role("dialog")
    await expect(dialog.get_by_test_id("confirm-summary")).to_have_text(FIVE[locale][touched])
    await dialog.get_by_role("button", name=re.compile(f"^{w.confirm}")).click()
    published = page.locator("[data-testid=item-row][data-state=published]")
    await expect(published).to_have_count(5)
    original = {p["id"]: p["title"] for p in products}
    unchanged_product = await same.evaluate("el => el.closest('article').dataset.product")
    if await same.get_attribute("data-attribute") == "title":
        assert stack.sandbox_product(site.instance_id, unchanged_product)["name"] == original[unchanged_product]

    # Meanwhile the owner renames a product whose title was published; reverting the job leaves
    # that title as the owner wrote it and says so.
    renamed = await published.and_(page.locator("[data-attribute=title]")).first.evaluate(
        "el => el.closest('article').dataset.product"
    )
    assert stack.sandbox_product(site.instance_id, renamed)["name"] != original[renamed]
    httpx.patch(
        f"{stack.wix.url}/_sandbox/instances/{site.instance_id}/products/{renamed}",
        json={"name": "Renamed by the owner"},
    ).raise_for_status()
    await page.get_by_role("button", name=w.revert_job).click()
    await expect(dialog.get_by_test_id("confirm-summary")).to_have_text(FIVE_REVERT[locale][touched])
    await dialog.get_by_role("button", name=re.compile(f"^{w.revert_confirm}")).click()
    report = page.get_by_test_id("revert-report")
    changed = report.get_by_test_id("changed-in-store")
    await expect(changed).to_have_count(1)
    await expect(changed).to_contain_text("Renamed by the owner")
    await shot(page, f"results-revert-report-{locale}-{width}")
    assert stack.sandbox_product(site.instance_id, renamed)["name"] == "Renamed by the owner"
    for product in original:
        if product != renamed:
            assert stack.sandbox_product(site.instance_id, product)["name"] == original[product]
    await changed.get_by_role("button", name=w.put_back_anyway).click()
    await expect(changed.get_by_role("status")).to_be_visible()
    assert stack.sandbox_product(site.instance_id, renamed)["name"] == original[renamed]
    await report.get_by_role("button", name=w.done, exact=True).click()
    await expect(page.locator("[data-testid=item-row][data-state=published]")).to_have_count(0)
    await no_sideways_scroll(page)
