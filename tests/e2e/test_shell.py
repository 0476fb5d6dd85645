"""The dashboard's shell in a browser, at a desktop's and a phone's width, for an admin who reads
English and one who reads Arabic (the Wix dashboard frames the app with the admin's `locale`):
sections and jobs in the URL and the browser's history, the Optimise draft kept across sections
and reloads, the words following the admin and not the job, the picker's photos and filters, the
first-open hint on credits, a job's title, the toast when it finishes, and on every section no
sideways scroll, nothing over what is read and no server code as text."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from playwright.async_api import FrameLocator, Page, expect

from tests.e2e.conftest import Browser, Stack, StartWorker
from tests.e2e.layout import DESKTOP, PHONE, no_raw_codes, no_sideways_scroll, not_covered
from tests.e2e.steps import PRODUCTS, shot
from tests.integration.conftest import new_site


@dataclass(frozen=True)
class Shell:
    """What the shell says in one UI language (dashboard/src/i18n/locales/)."""

    lang: str
    dir: str
    sections: str
    tabs: dict[str, str]
    headings: dict[str, str]
    hint: str
    hint_cost: str
    got_it: str
    two_selected: str
    none_selected: str
    instructions: str
    seo_missing: str
    duplicate: str
    photo: str
    improve: str
    job_covers: str
    job_done: str
    review: str
    output_language: str
    fields: str
    other_fields: tuple[str, ...]
    select_all: str


ENGLISH = Shell(
    lang="en",
    dir="ltr",
    sections="Sections",
    tabs={
        "optimise": "Optimise",
        "queue": "Queue",
        "results": "Results",
        "activity": "Activity",
        "billing": "Billing",
        "settings": "Settings",
    },
    headings={
        "optimise": "Optimise products",
        "queue": "Queue",
        "results": "Results",
        "activity": "Activity",
        "billing": "Billing",
        "settings": "Settings",
    },
    hint="one credit improves one field of one product",
    hint_cost="Your selection: 2 products × 4 fields = 8 credits.",
    got_it="Got it",
    two_selected="2 products selected",
    none_selected="No products selected",
    instructions="Instructions (optional)",
    seo_missing="SEO title missing",
    duplicate="Duplicate or near-duplicate description",
    photo="Photo of ",
    improve="Improve for 8 credits",
    job_covers="2 products · Title, description, SEO title, meta",
    job_done="Job 1 is done: 8 changes ready to review.",
    review="Review",
    output_language="Language of the new text",
    fields="Fields",
    other_fields=("Title", "Description", "Meta description"),
    select_all="Select all {count} matching",
)

ARABIC = Shell(
    lang="ar",
    dir="rtl",
    sections="الأقسام",
    tabs={
        "optimise": "التحسين",
        "queue": "قائمة الانتظار",
        "results": "النتائج",
        "activity": "السجل",
        "billing": "الفوترة",
        "settings": "الإعدادات",
    },
    headings={
        "optimise": "تحسين المنتجات",
        "queue": "قائمة الانتظار",
        "results": "النتائج",
        "activity": "السجل",
        "billing": "الفوترة",
        "settings": "الإعدادات",
    },
    hint="نقطة واحدة تحسّن حقلًا واحدًا في منتج واحد",
    hint_cost="اختيارك: منتجان × عدد الحقول 4 = 8 نقاط.",
    got_it="فهمت",
    two_selected="حددت منتجين",
    none_selected="لم تحدد أي منتج",
    instructions="تعليمات (اختياري)",
    seo_missing="ينقصها عنوان SEO",
    duplicate="وصف مكرر أو شبه مكرر",
    photo="صورة ",
    improve="تحسين مقابل 8 نقاط",
    job_covers="منتجان · العنوان، الوصف، عنوان SEO، وصف الميتا",
    job_done="انتهت المهمة 1، وجاهز للمراجعة: 8 تغييرات.",
    review="مراجعة",
    output_language="لغة النص الجديد",
    fields="الحقول",
    other_fields=("العنوان", "الوصف", "وصف الميتا"),
    select_all="تحديد كل المنتجات المطابقة ({count})",
)

SIZES = {"desktop": DESKTOP, "phone": PHONE}
TABS_OVERFLOW = "(() => { const s = document.querySelector('.tabs'); return s.scrollWidth > s.clientWidth })()"


def app_frame(page: Page) -> Any:
    return next(f for f in page.frames if "/app/wix" in f.url)


async def open_shell(page: Page, stack: Stack, instance_id: str, words: Shell) -> FrameLocator:
    await page.goto(f"{stack.admin_url(instance_id)}&locale={words.lang}")
    app = page.frame_locator("#app")
    await expect(app.locator(PRODUCTS).first).to_be_visible()
    return app


async def section(app: FrameLocator, words: Shell, name: str) -> None:
    await (
        app.get_by_role("navigation", name=words.sections)
        .get_by_role("button", name=words.tabs[name], exact=True)
        .click()
    )
    await expect(app.get_by_role("heading", name=words.headings[name], exact=True)).to_be_visible()


async def hash_of(page: Page) -> str:
    value: str = await app_frame(page).evaluate("location.hash")
    return value


async def screenshot(page: Page, words: Shell, size: str, name: str) -> None:
    """The README shows the phone's width: in English, and Activity in Arabic."""
    if size == "phone" and (words.lang == "en" or name == "activity"):
        await shot(page, f"phone-{name}{'-arabic' if words.lang == 'ar' else ''}")


@pytest.mark.parametrize("size", ["desktop", "phone"])
@pytest.mark.parametrize("words", [ENGLISH, ARABIC], ids=["en", "ar"])
async def test_the_shell_keeps_the_owners_place_work_and_language(
    stack: Stack, start_worker: StartWorker, browser: Browser, words: Shell, size: str
) -> None:
    page = browser.page
    await page.set_viewport_size(SIZES[size])
    site = new_site(f"e2e-{uuid.uuid4().hex[:8]}")
    app = await open_shell(page, stack, site.instance_id, words)
    html = app.locator("html")
    await expect(html).to_have_attribute("lang", words.lang)
    await expect(html).to_have_attribute("dir", words.dir)
    frame = app_frame(page)
    await no_sideways_scroll(frame, "optimise")

    # The header fits: the credits pill stays inside the screen; on a phone the sections scroll
    # sideways and an arrow on their far side says so.
    pill = await app.locator(".credits-pill").bounding_box()
    assert pill and pill["x"] >= 0 and pill["x"] + pill["width"] <= SIZES[size]["width"]
    more = app.locator(".tabs-more.end")
    if size == "phone":
        await expect(more).to_be_visible()
        assert await frame.evaluate(
            "(() => { const s = document.querySelector('.tabs'); return s.scrollWidth > s.clientWidth })()"
        )
    else:
        await expect(more).to_have_count(0)

    # The first-open hint says what a credit buys and what the selection costs; dismissed, it stays away.
    hint = app.get_by_test_id("credit-hint")
    await expect(hint).to_contain_text(words.hint)
    rows = app.locator(PRODUCTS)
    for i in range(2):
        await rows.nth(i).get_by_role("checkbox").check()
    await expect(app.get_by_test_id("credit-hint-cost")).to_have_text(words.hint_cost)
    await screenshot(page, words, size, "optimise")
    await hint.get_by_role("button", name=words.got_it).click()
    await expect(hint).to_have_count(0)

    # Photos: a fixed size, loaded lazily, named.
    photo = rows.first.locator("img")
    await expect(photo).to_have_attribute("loading", "lazy")
    await expect(photo).to_have_attribute("width", "40")
    await expect(photo).to_have_attribute("alt", re.compile("^" + re.escape(words.photo)))

    # A filter asks the server for what is missing.
    seo_missing = app.get_by_test_id("filters").get_by_role("checkbox", name=words.seo_missing)
    async with page.expect_request(re.compile(r"/api/products\?.*missing=seo_title")):
        await seo_missing.check()
    await seo_missing.uncheck()
    duplicate = app.get_by_test_id("filters").get_by_role("checkbox", name=words.duplicate)
    async with page.expect_request(re.compile(r"/api/products\?.*duplicate=true")):
        await duplicate.check()
    await duplicate.uncheck()

    # The draft outlives a change of section and a reload.
    await app.get_by_label(words.instructions).fill("Mention free returns.")
    await section(app, words, "settings")
    await section(app, words, "optimise")
    await expect(app.get_by_label(words.instructions)).to_have_value("Mention free returns.")
    await expect(app.get_by_test_id("selection-bar")).to_contain_text(words.two_selected)
    await page.reload()
    app = page.frame_locator("#app")
    await expect(app.locator(PRODUCTS).first).to_be_visible()
    await expect(app.get_by_label(words.instructions)).to_have_value("Mention free returns.")
    await expect(app.get_by_test_id("selection-bar")).to_contain_text(words.two_selected)
    await expect(app.get_by_test_id("credit-hint")).to_have_count(0)

    # The job's language never changes the interface's.
    other = "en" if words.lang == "ar" else "ar"
    await app.get_by_label(words.output_language).select_option(other)
    await expect(html).to_have_attribute("dir", words.dir)
    await expect(app.get_by_role("heading", name=words.headings["optimise"])).to_be_visible()
    await app.get_by_label(words.output_language).select_option("en")

    # On a phone the cost and the button wait at the bottom of the screen, clear of the form.
    frame = app_frame(page)
    if size == "phone":
        await expect(app.get_by_test_id("submit-bar")).to_be_visible()
        clear = await frame.evaluate(
            """() => { window.scrollTo(0, document.scrollingElement.scrollHeight);
              const bar = document.querySelector('[data-testid=submit-bar]').getBoundingClientRect();
              const form = document.querySelector('.optimise .grid-2').getBoundingClientRect();
              return form.bottom <= bar.top + 1; }"""
        )
        assert clear, "the bottom bar covers the end of the form"
    else:
        await expect(app.get_by_test_id("submit-bar")).to_be_hidden()

    # Sections are steps in the browser's history (the frame's steps are the tab's joint history,
    # which the browser's back and forward buttons walk: history.back() on the top page).
    await section(app, words, "activity")
    await section(app, words, "billing")
    assert await hash_of(page) == "#billing"
    await page.evaluate("history.back()")
    await expect(app.get_by_role("heading", name=words.headings["activity"], exact=True)).to_be_visible()
    await page.evaluate("history.back()")
    await expect(app.get_by_role("heading", name=words.headings["optimise"], exact=True)).to_be_visible()
    await page.evaluate("history.forward()")
    await expect(app.get_by_role("heading", name=words.headings["activity"], exact=True)).to_be_visible()
    await section(app, words, "optimise")

    # The job: titled by what it covers; the draft it came from is cleared.
    await app.get_by_role("button", name=words.improve, exact=True).click()
    await expect(app.get_by_role("heading", name=words.headings["queue"], exact=True)).to_be_visible()
    job = app.get_by_test_id("queue-job")
    await expect(job).to_contain_text(words.job_covers)
    await screenshot(page, words, size, "queue")
    await no_sideways_scroll(app_frame(page), "queue")
    await section(app, words, "optimise")
    await expect(app.get_by_test_id("selection-bar")).to_contain_text(words.none_selected)
    await expect(app.get_by_label(words.instructions)).to_have_value("")

    # The owner is elsewhere when the job finishes: a toast says so and opens it.
    await start_worker()
    toast = app.get_by_test_id("toast").filter(has_text=words.job_done)
    await expect(toast).to_be_visible(timeout=20_000)
    await toast.get_by_role("button", name=words.review, exact=True).click()
    await expect(app.get_by_role("heading", name=words.headings["results"], exact=True)).to_be_visible()
    results = app.get_by_test_id("product-result")
    await expect(results).to_have_count(2)
    job_hash = await hash_of(page)
    assert re.fullmatch(r"#results/\d+", job_hash), job_hash
    frame = app_frame(page)
    await no_sideways_scroll(frame, "results")
    await not_covered(frame, "[data-testid=product-result]", 0)
    await not_covered(frame, "[data-testid=product-result]", 1)

    # Publish everything (through the API), then Activity lists it: cards on a phone.
    async with httpx.AsyncClient(base_url=stack.web.url, headers=site.headers) as api:
        job_id = int(job_hash.split("/")[1])
        items = (await api.get(f"/api/jobs/{job_id}/items")).json()["items"]
        published = await api.post("/api/publish", json={"item_ids": [i["id"] for i in items]})
        assert published.status_code == 200, published.text
    await section(app, words, "activity")
    entries = app.get_by_test_id("activity-entry")
    await expect(entries).to_have_count(9)  # the job created and its eight fields published
    await screenshot(page, words, size, "activity")
    display = await entries.first.evaluate("el => getComputedStyle(el).display")
    assert display == ("block" if size == "phone" else "table-row")

    # A link to a job opens it, on a fresh page.
    src = await page.locator("#app").get_attribute("src")
    assert src
    await page.locator("#app").evaluate("(el, src) => { el.src = src; }", f"{src}#results/{job_id}")
    app = page.frame_locator("#app")
    await expect(app.get_by_role("heading", name=words.headings["results"], exact=True)).to_be_visible()
    await expect(app.get_by_test_id("product-result")).to_have_count(2)
    assert await hash_of(page) == f"#results/{job_id}"

    # Every section: nothing sideways, no server code as text.
    for name in words.tabs:
        await section(app, words, name)
        frame = app_frame(page)
        await no_sideways_scroll(frame, name)
        await no_raw_codes(frame, name)
    assert browser.errors.unexpected() == []


@pytest.mark.parametrize("size", ["desktop", "phone"])
@pytest.mark.parametrize("words", [ENGLISH, ARABIC], ids=["en", "ar"])
async def test_every_product_a_filter_matches_in_one_job_priced_first(
    stack: Stack, browser: Browser, words: Shell, size: str
) -> None:
    """The filter "SEO title missing", then "Select all N matching": the server prices the filter before the
    owner pays (POST /api/jobs/estimate): more than the free plan holds, so Improve waits; as an
    economy job it fits, and the server makes the job from the filter (source_scope "query")."""
    page = browser.page
    await page.set_viewport_size(SIZES[size])
    site = new_site(f"e2e-{uuid.uuid4().hex[:8]}")
    app = await open_shell(page, stack, site.instance_id, words)
    fields = app.get_by_role("group", name=words.fields)
    for label in words.other_fields:
        await fields.get_by_role("checkbox", name=re.compile(f"^{re.escape(label)}( |$)")).uncheck()
    async with httpx.AsyncClient(base_url=stack.web.url, headers=site.headers) as api:
        lacking = (await api.get("/api/products", params={"missing": "seo_title", "limit": 1})).json()["total"]
    assert 100 < lacking <= 200, lacking
    economy_cost = (lacking + 1) // 2

    await app.get_by_test_id("filters").get_by_role("checkbox", name=words.seo_missing).check()
    select_all = app.get_by_role("button", name=words.select_all.format(count=lacking))
    async with page.expect_request(re.compile(r"/api/jobs/estimate$")) as asked:
        await select_all.click()
    estimate = (await asked.value).post_data_json
    assert estimate["source_scope"] == "query" and estimate["query"] == {"missing": ["seo_title"]}
    assert estimate["attributes"] == ["seo_title"]
    await expect(app.get_by_test_id("cost-line")).to_contain_text(str(lacking))
    await expect(app.get_by_test_id("shortage")).to_be_visible()
    improve = app.get_by_role("button", name=re.compile(str(lacking)))
    await expect(improve).to_be_disabled()
    async with page.expect_request(re.compile(r"/api/jobs/estimate$")) as asked:
        await app.get_by_test_id("economy").get_by_role("checkbox").check()
    assert (await asked.value).post_data_json["economy"] is True
    await expect(app.get_by_test_id("cost-line")).to_contain_text(str(100 - economy_cost))
    await expect(app.get_by_test_id("shortage")).to_have_count(0)
    rows = app.locator(PRODUCTS)
    await expect(rows.first.get_by_role("checkbox")).to_be_checked()
    await expect(rows.first.get_by_role("checkbox")).to_be_disabled()
    await no_sideways_scroll(app_frame(page), "optimise")

    improve = app.get_by_role("button", name=re.compile(str(economy_cost)))
    await expect(improve).to_be_enabled()
    async with page.expect_request(re.compile(r"/api/jobs$")) as created:
        await improve.click()
    body = (await created.value).post_data_json
    assert body["source_scope"] == "query" and body["query"] == {"missing": ["seo_title"]} and "source_ids" not in body
    await expect(app.get_by_role("heading", name=words.headings["queue"], exact=True)).to_be_visible()
    await expect(app.get_by_test_id("queue-job")).to_contain_text(str(lacking))
    assert browser.errors.unexpected() == []
