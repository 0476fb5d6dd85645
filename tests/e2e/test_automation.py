"""Automation in the browser, at 1280 px in English and 390 px in Arabic (right to left): the owner
sets the rules in Settings and finds them kept after a reload; a rule the server refuses is shown
beside its field; pause and resume; the notice on open counts what automation did this week and
opens its jobs in the Queue, says when the month's cap stopped automation, and is absent while
automation is off. No console error, nothing scrolls sideways."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from playwright.async_api import Locator, Page, expect

from tests.e2e.conftest import Browser, Stack, StartWorker
from tests.e2e.results_steps import finished_job, no_sideways_scroll
from tests.e2e.steps import shot
from tests.integration.conftest import WixSite, new_site


@dataclass(frozen=True)
class Words:
    heading: str
    publish_mode: str
    review_mode: str
    fields: str
    meta_description: str
    only_empty: str
    min_score: str
    cap: str
    sweep: str
    weekly: str
    save: str
    saved: str
    min_score_refused: str
    pause: str
    resume: str
    paused: str
    next_run: str
    summary: str
    see_jobs: str
    automatic: str
    automation_jobs: str
    cap_stopped: str
    raise_cap: str
    cap_status: str
    paused_notice: str


ENGLISH = Words(
    heading="Automation",
    publish_mode="Publish automatically",
    review_mode="Review drafts",
    fields="Fields automation improves",
    meta_description="Meta description",
    only_empty="Only empty fields",
    min_score="Minimum score to publish automatically",
    cap="Monthly credit cap",
    sweep="Look through the whole catalog",
    weekly="Every week",
    save="Save automation",
    saved="Automation rules saved.",
    min_score_refused="Enter a whole number from 0 to 100, or leave it empty.",
    pause="Pause",
    resume="Resume",
    paused="Automation is paused: nothing is improved on its own until you resume it.",
    next_run="Next run:",
    summary="Automation optimised 3 products this week, 1 published, 2 wait for review.",
    see_jobs="See automation jobs",
    automatic="Automatic",
    automation_jobs="Automation jobs",
    cap_stopped=(
        "Automation stopped: this month's 3 automation credits are used. It resumes on {date}, or raise the cap."
    ),
    raise_cap="raise the cap",
    cap_status="Automation stopped: this month's 3 automation credits are used.",
    paused_notice="Automation is paused: new and changed products are not improved until you resume it in Settings.",
)

ARABIC = Words(
    heading="الأتمتة",
    publish_mode="النشر تلقائيًا",
    review_mode="مسودات للمراجعة",
    fields="الحقول التي تحسّنها الأتمتة",
    meta_description="وصف الميتا",
    only_empty="الحقول الفارغة فقط",
    min_score="أدنى تقييم للنشر التلقائي",
    cap="الحد الشهري للنقاط",
    sweep="مراجعة الكتالوج كاملًا",
    weekly="كل أسبوع",
    save="حفظ الأتمتة",
    saved="تم حفظ قواعد الأتمتة.",
    min_score_refused="أدخل عددًا صحيحًا من 0 إلى 100، أو اتركه فارغًا.",
    pause="إيقاف مؤقت",
    resume="استئناف",
    paused="الأتمتة متوقفة مؤقتًا: لن يُحسَّن شيء تلقائيًا حتى تستأنفها.",
    next_run="التشغيل التالي:",
    summary="حسّنت الأتمتة 3 منتجات هذا الأسبوع، نُشر منها 1، ينتظر اثنان منها مراجعتك. عرض مهام الأتمتة",
    see_jobs="عرض مهام الأتمتة",
    automatic="تلقائية",
    automation_jobs="مهام الأتمتة",
    cap_stopped="توقفت الأتمتة: استُخدمت نقاط الأتمتة لهذا الشهر (3). تُستأنف في {date}، أو ارفع الحد.",
    raise_cap="ارفع الحد",
    cap_status="توقفت الأتمتة: استُخدمت نقاط الأتمتة لهذا الشهر (3).",
    paused_notice="الأتمتة متوقفة مؤقتًا: لن تُحسَّن المنتجات الجديدة والمعدّلة حتى تستأنفها من الإعدادات.",
)

WORDS = {"en": ENGLISH, "ar": ARABIC}
CASES = pytest.mark.parametrize(("locale", "width"), [("en", 1280), ("ar", 390)], ids=["en-1280", "ar-390"])


async def open_app(page: Page, stack: Stack, site: WixSite, *, locale: str, width: int, section: str) -> None:
    """The app at top level (as a phone's admin shows it, full width) on `section`, for an admin whose
    language is `locale`."""
    await page.set_viewport_size({"width": width, "height": 900 if width > 600 else 844})
    await page.goto(stack.admin_url(site.instance_id))
    src = await page.locator("#app").get_attribute("src")
    assert src and "locale=en" in src, src
    await page.goto(src.replace("locale=en", f"locale={locale}") + f"#{section}")
    await expect(page.locator("html")).to_have_attribute("dir", "rtl" if locale == "ar" else "ltr")


def automation(page: Page) -> Locator:
    return page.get_by_test_id("automation")


def labelled(section: Locator, label: str) -> Locator:
    return section.get_by_label(label, exact=True)


async def rules_of(stack: Stack, site: WixSite) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=stack.web.url, headers=site.headers, timeout=30) as api:
        res = await api.get("/api/automation")
        res.raise_for_status()
        rules: dict[str, Any] = res.json()
        return rules


async def put_rules(stack: Stack, site: WixSite, **changes: Any) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=stack.web.url, headers=site.headers, timeout=30) as api:
        res = await api.put("/api/automation", json=changes)
        assert res.status_code == 200, res.text
        rules: dict[str, Any] = res.json()
        return rules


@CASES
async def test_rules_are_set_kept_refused_beside_their_field_and_paused(
    stack: Stack, browser: Browser, locale: str, width: int
) -> None:
    page, w = browser.page, WORDS[locale]
    browser.errors.allow("status of 422")  # the server's refusal is logged by the browser itself
    site = new_site(f"e2e-{uuid.uuid4().hex[:8]}")
    await open_app(page, stack, site, locale=locale, width=width, section="settings")
    panel = automation(page)
    await expect(panel.get_by_role("heading", name=w.heading, exact=True)).to_be_visible()
    # Off, as a store starts: no status, no Pause.
    await expect(panel.get_by_test_id("automation-status")).to_have_count(0)

    await panel.get_by_role("radio", name=re.compile(f"^{w.publish_mode}")).check()
    await panel.get_by_role("group", name=w.fields).get_by_role("checkbox", name=w.meta_description).uncheck()
    await panel.locator("select").first.select_option("fr")
    await panel.get_by_role("checkbox", name=re.compile(f"^{w.only_empty}")).check()
    await labelled(panel, w.min_score).fill("70")
    await labelled(panel, w.cap).fill("50")
    await labelled(panel, w.sweep).select_option("weekly")
    await panel.get_by_role("button", name=w.save).click()
    await expect(panel.get_by_text(w.saved)).to_be_visible()

    saved = await rules_of(stack, site)
    assert saved["mode"] == "publish"
    assert "seo_description" not in saved["attributes"] and "title" in saved["attributes"]
    assert (saved["language"], saved["only_empty"], saved["min_score"]) == ("fr", True, 70)
    assert (saved["monthly_credit_cap"], saved["sweep"]) == (50, "weekly")

    # A reload reads the rules back from the server.
    await page.reload()
    panel = automation(page)
    await expect(panel.get_by_role("radio", name=re.compile(f"^{w.publish_mode}"))).to_be_checked()
    await expect(panel.get_by_role("radio", name=re.compile(f"^{w.review_mode}"))).not_to_be_checked()
    fields = panel.get_by_role("group", name=w.fields)
    await expect(fields.get_by_role("checkbox", name=w.meta_description)).not_to_be_checked()
    await expect(panel.locator("select").first).to_have_value("fr")
    await expect(panel.get_by_role("checkbox", name=re.compile(f"^{w.only_empty}"))).to_be_checked()
    await expect(labelled(panel, w.min_score)).to_have_value("70")
    await expect(labelled(panel, w.cap)).to_have_value("50")
    await expect(labelled(panel, w.sweep)).to_have_value("weekly")
    await expect(panel.get_by_test_id("automation-next-sweep")).to_contain_text(w.next_run)
    await expect(panel.get_by_test_id("automation-usage")).to_contain_text("50")

    # The server refuses a score over 100: said beside the field, in the owner's language; nothing saved.
    score = labelled(panel, w.min_score)
    await score.fill("150")
    await panel.get_by_role("button", name=w.save).click()
    refusal = panel.locator(".field").filter(has=page.get_by_label(w.min_score, exact=True)).get_by_role("alert")
    await expect(refusal).to_have_text(w.min_score_refused)
    await expect(score).to_have_attribute("aria-invalid", "true")
    await expect(panel.get_by_text(w.saved)).to_have_count(0)
    assert (await rules_of(stack, site))["min_score"] == 70
    await no_sideways_scroll(page)
    await shot(page, f"settings-automation-{locale}-{width}")

    # Pause and resume, at once, without touching the unsaved edit.
    status = panel.get_by_test_id("automation-status")
    await status.get_by_role("button", name=w.pause, exact=True).click()
    await expect(status).to_contain_text(w.paused)
    assert (await rules_of(stack, site))["paused"] is True
    await expect(score).to_have_value("150")
    await status.get_by_role("button", name=w.resume, exact=True).click()
    await expect(status).not_to_contain_text(w.paused)
    assert (await rules_of(stack, site))["paused"] is False
    assert browser.errors.unexpected() == []


@CASES
async def test_the_notice_on_open_counts_automation_and_says_when_the_cap_stopped_it(
    stack: Stack, start_worker: StartWorker, browser: Browser, locale: str, width: int
) -> None:
    page, w = browser.page, WORDS[locale]
    site = new_site(f"e2e-{uuid.uuid4().hex[:8]}")
    await start_worker()
    # Automation's job, as its step makes them: three titles written, one published, two waiting.
    job_id, _ = await finished_job(stack, site, 3, ["title"])
    async with stack.pool.acquire() as conn:
        await conn.execute("UPDATE jobs SET origin = 'automation', auto_published_at = now() WHERE id = $1", job_id)
    async with httpx.AsyncClient(base_url=stack.web.url, headers=site.headers, timeout=30) as api:
        items = (await api.get(f"/api/jobs/{job_id}/items")).json()["items"]
        published = await api.post("/api/publish", json={"item_ids": [items[0]["id"]]})
        assert published.json()["results"][0]["status"] == "published", published.text

    # Off: no notice.
    await open_app(page, stack, site, locale=locale, width=width, section="optimise")
    await expect(page.locator("table.products tbody tr").first).to_be_visible()
    await expect(page.get_by_test_id("automation-summary")).to_have_count(0)

    await put_rules(stack, site, mode="publish")
    await page.reload()
    notice = page.get_by_test_id("automation-summary")
    await expect(notice).to_contain_text(w.summary)
    await no_sideways_scroll(page)
    await shot(page, f"automation-summary-{locale}-{width}")

    # Its link opens the Queue on automation's jobs, each marked.
    await notice.get_by_role("button", name=w.see_jobs).click()
    await expect(page).to_have_url(re.compile("#queue/automation$"))
    await expect(page.get_by_role("button", name=w.automation_jobs)).to_have_attribute("aria-pressed", "true")
    await expect(page.get_by_test_id("job-origin").first).to_have_text(w.automatic)
    await expect(page.get_by_test_id("automation-summary")).to_have_count(0)

    # Paused: said so, whatever it did this week.
    await put_rules(stack, site, paused=True)
    await page.goto(page.url.split("#")[0] + "#optimise")
    await page.reload()
    await expect(page.get_by_test_id("automation-summary")).to_have_text(re.compile(re.escape(w.paused_notice)))
    await put_rules(stack, site, paused=False)

    # Automation has spent its cap of 3 (the job's three titles): stopped until the day the cap
    # starts again, or a higher cap.
    await put_rules(stack, site, monthly_credit_cap=3)
    async with stack.pool.acquire() as conn:
        await conn.execute(
            "UPDATE automation_rules r SET credits_used = 3, period_resets_on = s.credits_reset_on"
            " FROM stores s, jobs j WHERE j.id = $1 AND s.id = j.store_id AND r.store_id = s.id",
            job_id,
        )
    resets_on = (await rules_of(stack, site))["period_resets_on"]
    await page.reload()
    notice = page.get_by_test_id("automation-summary")
    date = await page.evaluate(
        "([d, ar]) => new Date(d + 'T00:00:00').toLocaleDateString(ar ? 'ar-u-nu-latn' : 'en-GB', {dateStyle: 'long'})",
        [resets_on, locale == "ar"],
    )
    await expect(notice).to_contain_text(w.cap_stopped.format(date=date))
    await notice.get_by_role("button", name=w.raise_cap).click()
    await expect(automation(page).get_by_role("heading", name=w.heading, exact=True)).to_be_in_viewport()
    await expect(automation(page).get_by_test_id("automation-status")).to_contain_text(w.cap_status)
    await no_sideways_scroll(page)
    await shot(page, f"automation-cap-reached-{locale}-{width}")
    assert browser.errors.unexpected() == []
