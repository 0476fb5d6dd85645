"""A merchant's whole loop in one browser test: filter the catalog to "SEO title missing" across
200 products, select every product that matches, pay for the job, review it with the keyboard
(reject two fields, regenerate one with a note), publish the rest after the confirmation, and
revert the whole job. On a desktop in English and on a phone in Arabic."""

from __future__ import annotations

import asyncio
import re
import uuid

import httpx
import pytest
from playwright.async_api import expect

from optimizer_app import credits, stores
from tests.e2e.conftest import Browser, Stack, StartWorker
from tests.e2e.results_steps import WORDS, current_row, items_of, no_sideways_scroll, open_results
from tests.e2e.test_shell import ARABIC, ENGLISH, SIZES, open_shell
from tests.integration.conftest import new_site

SHELL = {"en": ENGLISH, "ar": ARABIC}


async def finished(stack: Stack, headers: dict[str, str], job_id: int, timeout: float = 60) -> dict[str, object]:
    async with httpx.AsyncClient(base_url=stack.web.url, headers=headers, timeout=30) as api:
        for _ in range(int(timeout / 0.25)):
            job: dict[str, object] = (await api.get(f"/api/jobs/{job_id}")).json()
            if job["status"] not in ("PENDING", "RUNNING"):
                return job
            await asyncio.sleep(0.25)
    raise AssertionError(f"job {job_id} did not finish")


@pytest.mark.parametrize(("locale", "size"), [("en", "desktop"), ("ar", "phone")])
async def test_filter_select_all_pay_review_publish_and_revert_the_job(
    stack: Stack, start_worker: StartWorker, browser: Browser, locale: str, size: str
) -> None:
    page, shell, w = browser.page, SHELL[locale], WORDS[locale]
    await page.set_viewport_size(SIZES[size])
    site = new_site(f"e2e-{uuid.uuid4().hex[:8]}")
    await start_worker()
    await open_shell(page, stack, site.instance_id, shell)
    # The merchant pays for a plan that holds the job (the free plan's 100 credits do not).
    async with stack.pool.acquire() as conn:
        store = await stores.find(conn, "wix", site.instance_id)
        assert store is not None
        await credits.change_plan(conn, store.id, "starter")
    app = await open_shell(page, stack, site.instance_id, shell)

    # Find the work: only the SEO title, for every product whose SEO title is missing.
    fields = app.get_by_role("group", name=shell.fields)
    for label in shell.other_fields:
        await fields.get_by_role("checkbox", name=re.compile(f"^{re.escape(label)}( |$)")).uncheck()
    async with httpx.AsyncClient(base_url=stack.web.url, headers=site.headers) as api:
        catalog = (await api.get("/api/products", params={"optimised": "false", "limit": 1})).json()
        lacking = (await api.get("/api/products", params={"missing": "seo_title", "limit": 1})).json()["total"]
    assert catalog["total"] == 200 and 100 < lacking < 200, (catalog["total"], lacking)
    await app.get_by_test_id("filters").get_by_role("checkbox", name=shell.seo_missing).check()
    async with page.expect_request(re.compile(r"/api/jobs/estimate$")) as asked:
        await app.get_by_role("button", name=shell.select_all.format(count=lacking)).click()
    assert (await asked.value).post_data_json["query"] == {"missing": ["seo_title"]}
    await expect(app.get_by_test_id("cost-line")).to_contain_text(str(lacking))
    await expect(app.get_by_test_id("shortage")).to_have_count(0)

    # Pay: the server makes the job from the filter and charges one credit per field.
    improve = app.get_by_role("button", name=re.compile(str(lacking)))
    async with page.expect_response(re.compile(r"/api/jobs$")) as created:
        await improve.click()
    answer = await (await created.value).json()
    assert answer["products"] == lacking and answer["credits_charged"] == lacking
    job = await finished(stack, site.headers, answer["job_id"])
    # A few short SEO titles may be refused (e.g. read as another language): they are refunded and
    # left out of publishing; the rest is the work to review.
    assert job["status"] in ("DONE", "DONE_WITH_FAILURES"), job

    # Review with the keyboard: reject two fields, regenerate one with a note.
    await open_results(page, stack, site, locale=locale, width=SIZES[size]["width"])
    rows = page.get_by_test_id("item-row")
    await expect(page.locator("h1")).to_be_visible()
    await page.locator("h1").click()
    rejected: list[str] = []
    for _ in range(2):
        await page.keyboard.press("j")
        here = current_row(page)
        await expect(here).to_be_focused()
        row_id = await here.get_attribute("id") or ""
        await page.keyboard.press("r")
        await expect(page.locator(f"#{row_id}")).to_have_attribute("data-state", "rejected")
        rejected.append(row_id)
    await page.keyboard.press("j")
    regen = current_row(page)
    regen_id = await regen.get_attribute("id") or ""
    before_regen = await regen.locator(".side.after .text").inner_text()
    await page.keyboard.press("g")
    note = page.locator(f"#{regen_id}").get_by_role("textbox")
    await expect(note).to_be_focused()
    await page.keyboard.type("shorter")
    await page.keyboard.press("Enter")
    regenerated = page.locator(f"#{regen_id}")
    await expect(regenerated).to_have_attribute("data-state", re.compile("ready|flagged"), timeout=30_000)
    await expect(regenerated.locator(".side.after .text")).not_to_have_text(before_regen)
    if await regenerated.get_attribute("data-state") == "flagged":
        await page.keyboard.press("a")  # a fact the data does not state: the owner checked it
        await expect(regenerated).to_have_attribute("data-state", "accepted")
    items = {f"item-{i['id']}": i for i in await items_of(stack, site, answer["job_id"])}
    assert items[regen_id]["note"] == "shorter" and items[regen_id]["regenerations"] == 1
    assert all(items[r]["review_state"] == "REJECTED" for r in rejected)
    await no_sideways_scroll(page)

    # Publish the rest, after a confirmation that counts them.
    ready = [
        i
        for i in items.values()
        if i["status"] == "DONE"
        and (i["review_state"] in ("ACCEPTED", "EDITED") or (i["review_state"] == "NEW" and not i["flags"]))
    ]
    assert len(ready) > lacking // 2
    await page.get_by_test_id("review-bar").get_by_role("button", name=w.publish_all).click()
    dialog = page.get_by_role("dialog")
    await expect(dialog.get_by_test_id("confirm-summary")).to_contain_text(str(len(ready)))
    await dialog.get_by_role("button", name=re.compile(f"^{w.confirm}")).click()
    await expect(page.locator("[data-testid=item-row][data-state=published]").first).to_be_visible(timeout=30_000)
    published = [i for i in await items_of(stack, site, answer["job_id"]) if i["review_state"] == "PUBLISHED"]
    assert len(published) == len(ready)
    assert not {f"item-{i['id']}" for i in published} & set(rejected)
    sample = published[0]
    stored = stack.sandbox_product(site.instance_id, sample["product_id"])
    assert any(t.get("children") == sample["after"] for t in stored["seoData"]["tags"])

    # Undo it all: revert the whole job.
    await page.get_by_role("button", name=w.revert_job).click()
    await dialog.get_by_role("button", name=re.compile(f"^{w.revert_confirm}")).click()
    await expect(page.locator("[data-testid=item-row][data-state=published]")).to_have_count(0, timeout=30_000)
    after_revert = await items_of(stack, site, answer["job_id"])
    assert not [i for i in after_revert if i["review_state"] == "PUBLISHED"]
    assert len([i for i in after_revert if i["review_state"] == "REVERTED"]) == len(ready)
    stored = stack.sandbox_product(site.instance_id, sample["product_id"])
    assert not any(t.get("children") == sample["after"] for t in stored.get("seoData", {}).get("tags", []))
    await expect(rows.first).to_be_visible()
    await no_sideways_scroll(page)
    assert browser.errors.unexpected() == []
