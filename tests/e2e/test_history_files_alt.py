"""What the owner controls on the Results screen, in a real browser: a field's history (every
version the app published, with who and when) and putting the original back after a confirmation;
a job exported as CSV, one cell edited and the file imported back with a report of each row; the
catalog audit downloaded from the picker; and alt text for each picture of a product, compared and
published to the Wix sandbox's media items. At 1280 px in English and 390 px in Arabic; no console
error, nothing scrolls sideways."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
import uuid
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.e2e.conftest import Browser, Stack, StartWorker
from tests.e2e.results_steps import WORDS, finished_job, items_of, no_sideways_scroll, open_results, row
from tests.e2e.steps import shot
from tests.integration.conftest import WixSite, new_site

CASES = [("en", 1280), ("ar", 390)]
ARABIC_SEO = "قميص قطني عضوي مريح"


async def job_for(stack: Stack, site: WixSite, product_ids: list[str], attributes: list[str]) -> int:
    """A job for these products and fields, once the worker the test started has finished it."""
    async with httpx.AsyncClient(base_url=stack.web.url, headers=site.headers, timeout=30) as api:
        created = await api.post(
            "/api/jobs", json={"source_scope": "products", "source_ids": product_ids, "attributes": attributes}
        )
        assert created.status_code == 201, created.text
        job_id: int = created.json()["job_id"]
        for _ in range(300):
            job = (await api.get(f"/api/jobs/{job_id}")).json()
            if job["status"] not in ("PENDING", "RUNNING"):
                return job_id
            await asyncio.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish")


async def publish_through_api(stack: Stack, site: WixSite, item: dict[str, Any]) -> None:
    """Publish one item as the owner would: accepted first (a flagged draft needs it), then published."""
    async with httpx.AsyncClient(base_url=stack.web.url, headers=site.headers, timeout=30) as api:
        (await api.post(f"/api/items/{item['id']}/review", json={"decision": "accept"})).raise_for_status()
        res = await api.post("/api/publish", json={"item_ids": [item["id"]]})
        assert res.status_code == 200, res.text
        assert "published" in res.text, res.text


HISTORY = {
    "en": {"history": "History", "put_back": "Put this back", "go": "Put it back", "original": "Original"},
    "ar": {"history": "السجل", "put_back": "استرجاع هذه النسخة", "go": "استرجعها", "original": "القيمة الأصلية"},
}


@pytest.mark.parametrize(("locale", "width"), CASES)
async def test_history_of_a_field_lists_each_version_and_puts_the_original_back(
    stack: Stack, start_worker: StartWorker, browser: Browser, locale: str, width: int
) -> None:
    page, words = browser.page, HISTORY[locale]
    site = new_site(f"e2e-{uuid.uuid4().hex[:8]}")
    await start_worker()
    # The same title written and published by two jobs, one after the other.
    first_job, products = await finished_job(stack, site, 1, ["title"])
    product_id, original = products[0]["id"], products[0]["title"]
    first = (await items_of(stack, site, first_job))[0]
    await publish_through_api(stack, site, first)
    assert stack.sandbox_product(site.instance_id, product_id)["name"] == first["after"]
    second_job, _ = await finished_job(stack, site, 1, ["title"])
    second = (await items_of(stack, site, second_job))[0]
    assert second["before"] == first["after"]
    await publish_through_api(stack, site, second)
    assert stack.sandbox_product(site.instance_id, product_id)["name"] == second["after"]
    assert len({original, first["after"], second["after"]}) == 3

    await open_results(page, stack, site, locale=locale, width=width)
    title = row(page, product_id, "title")
    await title.get_by_test_id("field-history").click()
    panel = page.locator("dialog.field-history")
    await expect(panel).to_be_visible()
    versions = panel.get_by_test_id("history-version")
    await expect(versions).to_have_count(3)
    await expect(versions.nth(0)).to_contain_text(words["original"])
    await expect(versions.nth(0).locator(".version-value")).to_have_text(original)
    await expect(versions.nth(1).locator(".version-value")).to_have_text(first["after"])
    await expect(versions.nth(2).locator(".version-value")).to_have_text(second["after"])
    # Who and when: each published version names its job and when it was written.
    numbers = []
    async with httpx.AsyncClient(base_url=stack.web.url, headers=site.headers) as api:
        for job_id in (first_job, second_job):
            numbers.append((await api.get(f"/api/jobs/{job_id}")).json()["number"])
    for n, number in ((1, numbers[0]), (2, numbers[1])):
        head = versions.nth(n).locator(".version-head .muted")
        await expect(head).to_contain_text(str(number))
        await expect(head).to_contain_text(re.compile(r"\d"))
        assert (await head.inner_text()).count("·") >= 2, "the version says when, who and which job"
    await expect(versions.nth(2).get_by_role("button", name=words["put_back"])).to_have_count(0)
    await no_sideways_scroll(page)
    await shot(page, f"field-history-{locale}-{width}")

    # Putting the original back asks first, showing the value; cancelling leaves the store alone.
    await versions.nth(0).get_by_role("button", name=words["put_back"]).click()
    confirm = page.locator("dialog.dialog:not(.field-history)")
    await expect(confirm.get_by_test_id("history-confirm-value")).to_have_text(original)
    await page.keyboard.press("Escape")
    await expect(confirm).to_have_count(0)
    await expect(panel).to_be_visible()
    assert stack.sandbox_product(site.instance_id, product_id)["name"] == second["after"]
    await versions.nth(0).get_by_role("button", name=words["put_back"]).click()
    await confirm.get_by_role("button", name=words["go"], exact=True).click()
    await expect(panel.get_by_role("status").or_(panel.locator(".notice.success"))).to_be_visible()
    await expect(versions).to_have_count(4)
    await expect(versions.nth(3).locator(".version-value")).to_have_text(original)
    assert stack.sandbox_product(site.instance_id, product_id)["name"] == original
    await no_sideways_scroll(page)


FILES = {
    "en": {"csv": "Export CSV", "import": "Import edited file", "taken": "Taken", "refused": "Refused"},
    "ar": {"csv": "تصدير CSV", "import": "استيراد ملف معدّل", "taken": "قُبل", "refused": "رُفض"},
}


async def downloaded(page: Page, click: Any) -> tuple[str, bytes]:
    """The name and bytes of the file a click makes the browser save."""
    async with page.expect_download() as event:
        await click()
    download = await event.value
    path = await download.path()
    return download.suggested_filename, path.read_bytes()


@pytest.mark.parametrize(("locale", "width"), CASES)
async def test_export_a_job_as_csv_edit_it_and_import_it_back_and_the_audit_from_the_picker(
    stack: Stack, start_worker: StartWorker, browser: Browser, locale: str, width: int
) -> None:
    page, words = browser.page, FILES[locale]
    site = new_site(f"e2e-{uuid.uuid4().hex[:8]}")
    await start_worker()
    job_id, products = await finished_job(stack, site, 2, ["title", "seo_title"])
    first, other = products
    # The owner wrote one draft in Arabic before exporting.
    items = await items_of(stack, site, job_id)
    seo_id = next(i["id"] for i in items if i["product_id"] == first["id"] and i["attribute"] == "seo_title")
    async with httpx.AsyncClient(base_url=stack.web.url, headers=site.headers, timeout=30) as api:
        (await api.patch(f"/api/items/{seo_id}", json={"after": ARABIC_SEO})).raise_for_status()
    await open_results(page, stack, site, locale=locale, width=width)

    files = page.get_by_test_id("job-files")
    name, body = await downloaded(page, files.get_by_role("button", name=words["csv"]).click)
    assert name.startswith("job-") and name.endswith(".csv"), name
    table = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    header, rows = table[0], table[1:]
    assert header == [
        "item_id",
        "product_id",
        "product",
        "field",
        "before",
        "after",
        "status",
        "state",
        "flags",
        "score",
    ]
    assert len(rows) == 4
    col = {name: header.index(name) for name in header}
    edited_title = next(r for r in rows if r[col["product_id"]] == first["id"] and r[col["field"]] == "title")
    assert edited_title[col["product"]] == first["title"] and edited_title[col["before"]] == first["title"]
    edited_seo = next(r for r in rows if r[col["item_id"]] == str(seo_id))
    assert edited_seo[col["after"]] == ARABIC_SEO and edited_seo[col["state"]] == "EDITED"

    # One `after` cell edited (Arabic text), one made far too long for an SEO title: the first is
    # taken, the second refused, each listed with its row.
    edited = "قميص قطني ناعم للصيف"
    edited_title[col["after"]] = edited
    seo = next(r for r in rows if r[col["product_id"]] == other["id"] and r[col["field"]] == "seo_title")
    seo[col["after"]] = "S" * 200
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    upload = {"name": name, "mimeType": "text/csv", "buffer": out.getvalue().encode("utf-8")}
    async with page.expect_response(re.compile(r"/api/jobs/\d+/import$")) as answer:
        await files.locator("input[type=file]").set_input_files(upload)
    outcome = await (await answer.value).json()
    assert outcome["counts"] == {"taken": 1, "unchanged": 2, "refused": 1}, outcome
    report = files.locator(".import-report")
    await expect(report).to_be_visible()
    taken = report.locator("[data-testid=import-row][data-status=taken]")
    refused = report.locator("[data-testid=import-row][data-status=refused]")
    await expect(taken).to_have_count(1)
    await expect(refused).to_have_count(1)
    await expect(taken).to_contain_text(words["taken"])
    await expect(refused).to_contain_text(words["refused"])
    await expect(taken.locator("td").first).to_have_text(str(rows.index(edited_title) + 2))
    await expect(refused.locator("td").first).to_have_text(str(rows.index(seo) + 2))
    await expect(refused.locator("td").nth(2)).not_to_be_empty()
    # The draft on screen is the file's value now, marked as the owner's edit.
    title_row = row(page, first["id"], "title")
    await expect(title_row).to_have_attribute("data-state", "edited")
    await expect(title_row.locator(".side.after .text")).to_have_text(edited)
    items = await items_of(stack, site, job_id)
    assert next(i for i in items if i["id"] == int(edited_title[col["item_id"]]))["after"] == edited
    await no_sideways_scroll(page)
    await shot(page, f"job-import-report-{locale}-{width}")

    # The catalog audit downloads from under the product picker.
    src = page.url.split("#")[0]
    await page.goto(src + "#optimise")
    audit = page.get_by_test_id("audit-export")
    await expect(audit).to_be_visible()
    name, body = await downloaded(page, audit.get_by_role("button", name=words["csv"]).click)
    assert name == "catalog-audit.csv"
    audit_rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert audit_rows[0] == ["product_id", "product", "missing", "missing_count", "optimised_at", "duplicate_of"]
    assert {r[0] for r in audit_rows[1:]} >= {first["id"], other["id"]}
    await no_sideways_scroll(page)


def store_alts(stack: Stack, site: WixSite, product_id: str) -> dict[str, str]:
    """{media item id: alt text} as the Wix sandbox holds the product's gallery."""
    items = stack.sandbox_product(site.instance_id, product_id)["media"]["items"]
    return {i["id"]: i.get("altText") or "" for i in items}


@pytest.mark.parametrize(("locale", "width"), CASES)
async def test_alt_text_of_each_picture_is_compared_and_published_to_the_wix_media_items(
    stack: Stack, start_worker: StartWorker, browser: Browser, locale: str, width: int
) -> None:
    page, w = browser.page, WORDS[locale]
    site = new_site(f"e2e-{uuid.uuid4().hex[:8]}")
    await start_worker()
    job_id, _ = await finished_job(stack, site, 3, ["image_alt"])
    items = await items_of(stack, site, job_id)
    item = next(i for i in items if i["status"] == "DONE" and i["images"] and len(i["images"]) >= 2)
    product_id = item["product_id"]
    before = store_alts(stack, site, product_id)
    after = {e["image_id"]: e["alt"] for e in json.loads(item["after"])}
    assert set(after) == set(before) and after != before

    await open_results(page, stack, site, locale=locale, width=width)
    alt_row = row(page, product_id, "image_alt")
    pictures = alt_row.get_by_test_id("image-alt")
    await expect(pictures).to_have_count(len(item["images"]))
    for n, image in enumerate(item["images"]):
        picture = pictures.nth(n)
        await expect(picture.locator("img")).to_be_visible()
        await expect(picture.get_by_test_id("image-alt-after")).to_have_text(after[image["image_id"]])
        if before[image["image_id"]]:
            await expect(picture.locator(".side.before p")).to_have_text(before[image["image_id"]])
    await no_sideways_scroll(page)
    await shot(page, f"image-alt-{locale}-{width}")

    if await alt_row.get_attribute("data-state") == "flagged":
        await alt_row.get_by_role("button", name=w.accept).click()
        await expect(alt_row).to_have_attribute("data-state", "accepted")
    await alt_row.get_by_role("checkbox").check()
    await page.get_by_test_id("review-bar").get_by_role("button", name=w.publish_selected).click()
    dialog = page.get_by_role("dialog")
    await dialog.get_by_role("button", name=re.compile(f"^{w.confirm}")).click()
    await expect(alt_row).to_have_attribute("data-state", "published")
    assert store_alts(stack, site, product_id) == after
    await no_sideways_scroll(page)
