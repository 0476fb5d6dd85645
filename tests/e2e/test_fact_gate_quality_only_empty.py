"""What the owner controls, in a browser at 1280 px in English and 390 px in Arabic: a draft that
states a fact the product data does not (the sandbox LLM's `invented_fact`) is flagged, its words
marked with why, left out of "Publish all" and published once the owner accepts it; the quality
score and its reasons in words beside a field; and "Only empty fields" in the Wix admin, where the
cost line says how many fields are skipped, not charged, and the job charges exactly the empty
ones. No console error, nothing scrolls sideways."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from playwright.async_api import expect

from tests.e2e.conftest import Browser, Stack, StartWorker
from tests.e2e.layout import DESKTOP, PHONE, no_sideways_scroll
from tests.e2e.results_steps import WORDS, finished_job, items_of, open_results, row
from tests.e2e.results_steps import no_sideways_scroll as page_no_sideways_scroll
from tests.e2e.steps import PRODUCTS
from tests.e2e.test_shell import ARABIC as SHELL_ARABIC
from tests.e2e.test_shell import ENGLISH as SHELL_ENGLISH
from tests.e2e.test_shell import app_frame, open_shell
from tests.integration.conftest import new_site

# dashboard/src/i18n/locales/: why a word is marked (res.fact.*), the quality badge (quality.*).
WHY = {
    "en": {
        "number": "Number not in the product data: {text}",
        "unit": "Unit not in the product data: {text}",
        "material": "Material not in the product data: {text}",
        "claim": "Claim not in the product data: {text}",
    },
    "ar": {
        "number": "رقم لا تذكره بيانات المنتج: {text}",
        "unit": "وحدة قياس لا تذكرها بيانات المنتج: {text}",
        "material": "خامة لا تذكرها بيانات المنتج: {text}",
        "claim": "ادعاء لا تذكره بيانات المنتج: {text}",
    },
}
SCORE = {"en": "Score {score}", "ar": "التقييم {score}"}
QUALITY = {"en": "Quality score {score} out of 100", "ar": "تقييم الجودة {score} من 100"}
REASONS = {
    "en": {
        "too_short": "too short",
        "short": "a little short",
        "too_long": "longer than search results show",
        "name_missing": "the product's name is missing",
        "hard_to_read": "hard to read",
        "long_sentences": "long sentences",
        "unsupported_facts": "facts the product data does not state",
        "duplicate": "too close to another product's text",
    },
    "ar": {
        "too_short": "قصير جدًا",
        "short": "قصير بعض الشيء",
        "too_long": "أطول مما تعرضه نتائج البحث",
        "name_missing": "اسم المنتج غير مذكور",
        "hard_to_read": "صعب القراءة",
        "long_sentences": "جمل طويلة",
        "unsupported_facts": "معلومات لا تذكرها بيانات المنتج",
        "duplicate": "قريب جدًا من نص منتج آخر",
    },
}
FLAGGED = {"en": "Check before publishing", "ar": "راجِعه قبل النشر"}
ONLY_EMPTY = {"en": "Only empty fields", "ar": "الحقول الفارغة فقط"}
ONE_FIELD = {
    "en": "1 field of 1 product will change in your live store.",
    "ar": "سيتغير في متجرك المباشر: حقل واحد في منتج واحد.",
}
FIELDS = ("title", "description", "seo_title", "seo_description")


def ar_form(n: int) -> str:
    """The Arabic plural category of `n` (CLDR), as the locale's plural entries are keyed."""
    if n in (0, 1, 2):
        return ("zero", "one", "two")[n]
    return "few" if 3 <= n % 100 <= 10 else "many" if 11 <= n % 100 <= 99 else "other"


def ar_fields(n: int) -> str:
    """A count of fields as the Arabic locale words it."""
    return {"one": "حقل واحد", "two": "حقلان", "few": f"{n} حقول", "many": f"{n} حقلًا"}.get(ar_form(n), f"{n} حقل")


def will_change(locale: str, fields: int, products: int) -> str:
    """The publish confirmation's summary for at least three fields of three to ten products."""
    if locale == "en":
        return f"{fields} fields of {products} products will change in your live store."
    return f"سيتغير في متجرك المباشر: {ar_fields(fields)} في {products} منتجات."


# opt.skippedFields, by plural category.
SKIPPED = {
    "en": {
        "one": "({count} field already has a value: skipped, not charged)",
        "other": "({count} fields already have a value: skipped, not charged)",
    },
    "ar": {
        "one": "(حقل واحد له قيمة: تم تخطيه دون احتساب)",
        "two": "(حقلان لهما قيمة: تم تخطيهما دون احتساب)",
        "few": "({count} حقول لها قيمة: تم تخطيها دون احتساب)",
        "many": "({count} حقلًا له قيمة: تم تخطيها دون احتساب)",
        "other": "({count} حقل له قيمة: تم تخطيها دون احتساب)",
    },
}


def skipped_words(locale: str, n: int) -> str:
    form = ("one" if n == 1 else "other") if locale == "en" else ar_form(n)
    return SKIPPED[locale][form].format(count=n)


def is_empty(product: dict[str, Any], field: str) -> bool:
    value = product["description_html" if field == "description" else field] or ""
    if field == "description":
        value = re.sub(r"<[^>]*>", " ", value)
    return not value.strip()


# The sandbox invents the fact in the first field asked for: a title (plain text) in English, a
# description (marked through its HTML) in Arabic.
@pytest.mark.parametrize(
    ("locale", "width", "fields"),
    [("en", 1280, ["title", "description", "seo_title", "seo_description"]), ("ar", 390, ["description", "seo_title"])],
)
async def test_an_invented_fact_is_marked_held_back_and_published_once_accepted(
    stack: Stack, start_worker: StartWorker, browser: Browser, locale: str, width: int, fields: list[str]
) -> None:
    page, w = browser.page, WORDS[locale]
    site = new_site(f"e2e-{uuid.uuid4().hex[:8]}")
    async with httpx.AsyncClient(base_url=stack.llm.url) as llm:
        (await llm.post("/_sandbox/config", json={"faults": ["invented_fact"]})).raise_for_status()
    await start_worker()
    job_id, _ = await finished_job(stack, site, 3, fields)
    items = await items_of(stack, site, job_id)
    flagged = [i for i in items if i["fact_flags"]]
    assert len(flagged) == 1, [(i["attribute"], i["after"], i["fact_flags"]) for i in items if i["flags"]]
    item = flagged[0]
    assert item["attribute"] == fields[0], item
    assert "leather" in item["after"].lower()
    await open_results(page, stack, site, locale=locale, width=width)

    # The row is flagged and the invented words are marked, each with why in its tooltip.
    fact_row = row(page, item["product_id"], item["attribute"])
    await expect(fact_row).to_have_attribute("data-state", "flagged")
    await expect(fact_row.get_by_test_id("item-state")).to_have_text(FLAGGED[locale])
    marks = fact_row.locator(".side.after mark[data-fact]")
    await expect(marks.first).to_be_visible()
    marked = [m.strip() for m in await marks.all_inner_texts()]
    assert any("leather" in m.lower() for m in marked), marked
    for flag in item["fact_flags"]:
        text = " ".join(re.sub(r"<[^<>]*>", " ", flag["text"]).split())
        assert text in marked, (text, marked)
        why = WHY[locale][flag["code"]].format(text=text)
        await expect(fact_row.locator(f".side.after mark[title='{why}']").first).to_be_visible()
        await expect(fact_row.get_by_test_id("flags")).to_contain_text(why)
    # Nothing is marked where the draft states only what the data does.
    clean = [i for i in items if not i["flags"]]
    assert clean
    await expect(row(page, clean[0]["product_id"], clean[0]["attribute"]).locator("mark")).to_have_count(0)

    # The quality score beside the field, with its reasons in words.
    quality = item["quality"]
    badge = fact_row.get_by_test_id("quality-badge")
    await expect(badge).to_have_text(SCORE[locale].format(score=quality["score"]))
    title = await badge.get_attribute("title")
    assert title and title.startswith(QUALITY[locale].format(score=quality["score"])), title
    assert "unsupported_facts" in quality["reasons"], quality
    for reason in quality["reasons"]:
        assert REASONS[locale][reason] in title, (reason, title)
    await page_no_sideways_scroll(page)

    # "Publish all" leaves the flagged field out, and its confirmation counts without it.
    bar = page.get_by_test_id("review-bar")
    dialog = page.get_by_role("dialog")
    await bar.get_by_role("button", name=w.publish_all).click()
    await expect(dialog.get_by_test_id("confirm-summary")).to_have_text(will_change(locale, len(items) - 1, 3))
    await dialog.get_by_role("button", name=re.compile(f"^{w.confirm}")).click()
    await expect(page.locator("[data-testid=item-row][data-state=published]")).to_have_count(len(items) - 1)
    await expect(fact_row).to_have_attribute("data-state", "flagged")
    after = {i["id"]: i for i in await items_of(stack, site, job_id)}
    assert after[item["id"]]["published_at"] is None
    live = stack.sandbox_product(site.instance_id, item["product_id"])
    assert "leather" not in str(live).lower(), live

    # Accepted, it is published.
    await fact_row.get_by_role("button", name=w.accept, exact=True).click()
    await expect(fact_row).to_have_attribute("data-state", "accepted")
    await bar.get_by_role("button", name=w.publish_all).click()
    await expect(dialog.get_by_test_id("confirm-summary")).to_have_text(ONE_FIELD[locale])
    await dialog.get_by_role("button", name=re.compile(f"^{w.confirm}")).click()
    await expect(fact_row).to_have_attribute("data-state", "published")
    after = {i["id"]: i for i in await items_of(stack, site, job_id)}
    assert after[item["id"]]["published_at"] is not None
    live = stack.sandbox_product(site.instance_id, item["product_id"])
    assert "leather" in str(live).lower(), live
    await page_no_sideways_scroll(page)


@pytest.mark.parametrize(("locale", "size"), [("en", DESKTOP), ("ar", PHONE)])
async def test_only_empty_fields_are_priced_skipped_and_charged(
    stack: Stack, browser: Browser, locale: str, size: dict[str, int]
) -> None:
    page = browser.page
    await page.set_viewport_size(size)
    site = new_site(f"e2e-{uuid.uuid4().hex[:8]}")
    words = SHELL_ENGLISH if locale == "en" else SHELL_ARABIC
    app = await open_shell(page, stack, site.instance_id, words)
    picked = 6
    async with httpx.AsyncClient(base_url=stack.web.url, headers=site.headers) as api:
        listed = (await api.get("/api/products", params={"limit": picked})).json()["products"]
    empty = sum(is_empty(p, f) for p in listed for f in FIELDS)
    skipped = picked * len(FIELDS) - empty
    assert 0 < empty < picked * len(FIELDS), "the first products have some empty fields and some filled"

    rows = app.locator(PRODUCTS)
    for i in range(picked):
        await rows.nth(i).get_by_role("checkbox").check()
    async with page.expect_request(re.compile(r"/api/jobs/estimate$")) as asked:
        await app.get_by_test_id("only-empty").get_by_role("checkbox", name=re.compile(ONLY_EMPTY[locale])).check()
    assert (await asked.value).post_data_json["only_empty"] is True
    await expect(app.get_by_test_id("skipped-fields")).to_have_text(skipped_words(locale, skipped))
    await expect(app.get_by_test_id("cost-line")).to_contain_text(str(empty))
    await no_sideways_scroll(app_frame(page), "optimise")

    improve = app.locator("button[type=submit]:visible", has_text=re.compile(rf"(^|\D){empty}(\D|$)"))
    await expect(improve).to_be_enabled()
    async with page.expect_response(re.compile(r"/api/jobs$")) as created:
        await improve.click()
    response = await created.value
    sent = response.request.post_data_json
    assert sent["only_empty"] is True and sent["source_ids"] == [p["id"] for p in listed], sent
    body = await response.json()
    assert response.status == 201 and body["credits_charged"] == empty, body
    await expect(app.get_by_role("heading", name=words.headings["queue"], exact=True)).to_be_visible()
    async with httpx.AsyncClient(base_url=stack.web.url, headers=site.headers) as api:
        job_items = (await api.get(f"/api/jobs/{body['job_id']}/items", params={"limit": 1000})).json()["items"]
    by_product = {p["id"]: p for p in listed}
    assert len(job_items) == empty
    assert all(is_empty(by_product[i["product_id"]], i["attribute"]) for i in job_items)
    assert browser.errors.unexpected() == []
